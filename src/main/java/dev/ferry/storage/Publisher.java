package dev.ferry.storage;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a build's output directory: every file once into the blob store under its SHA-256, with gzip and
 * brotli variants of text files (each a blob of its own, see {@link Precompression}), then the deployment's
 * manifest with its creation time. The manifest is written last so it never names a blob that is not stored yet.
 */
public final class Publisher {

  public static final int DEFAULT_MAX_FILES = 20_000;
  public static final long DEFAULT_MAX_TOTAL_BYTES = 1L << 30;

  private static final Logger log = LoggerFactory.getLogger(Publisher.class);

  /**
   * {@code uploadedBlobs} counts blobs the store did not have yet, precompressed variants included, and
   * {@code uploadedBytes} is their size together; {@code skipped}
   * lists files left out of the deployment, each with the reason, for the build log.
   */
  public record PublishResult(int fileCount, long totalBytes, int uploadedBlobs, long uploadedBytes,
      List<String> skipped) {}

  private Publisher() {}

  public static PublishResult publish(Path outputDir, String deploymentId, BlobStore store) throws IOException {
    return publish(outputDir, deploymentId, store, DEFAULT_MAX_FILES, DEFAULT_MAX_TOTAL_BYTES);
  }

  public static PublishResult publish(
      Path outputDir, String deploymentId, BlobStore store, int maxFiles, long maxTotalBytes) throws IOException {
    return publish(outputDir, deploymentId, store, maxFiles, maxTotalBytes, null);
  }

  /**
   * @param config the deployment's routing (a Build Output {@code config.json} object), stored in the manifest;
   *     {@code null} for none
   */
  public static PublishResult publish(Path outputDir, String deploymentId, BlobStore store, int maxFiles,
      long maxTotalBytes, JsonNode config) throws IOException {
    return publish(outputDir, deploymentId, store, maxFiles, maxTotalBytes, config, null);
  }

  /**
   * @param functions the deployment's functions, their files already stored (see
   *     {@link dev.ferry.functions.FunctionPublisher}); {@code null} for none
   */
  public static PublishResult publish(Path outputDir, String deploymentId, BlobStore store, int maxFiles,
      long maxTotalBytes, JsonNode config, Map<String, Manifest.Function> functions) throws IOException {
    OutputScan scan = OutputScan.of(outputDir, maxFiles, maxTotalBytes);
    Uploads uploads = new Uploads(store);
    Map<String, Manifest.FileEntry> entries = new TreeMap<>();
    Map<String, Variants> variantsByBlob = new HashMap<>();
    for (OutputScan.Found file : scan.files) {
      String sha256 = Digests.sha256(file.content());
      uploads.put(sha256, file.content());
      Variants variants = Variants.NONE;
      if (Precompression.worthCompressing(file.path(), file.size())) {
        variants = variantsByBlob.get(sha256);
        if (variants == null) {
          variants = KNOWN_VARIANTS.stored(sha256, store).orElse(null);
        }
        if (variants == null) {
          variants = precompress(file, sha256, uploads);
          KNOWN_VARIANTS.put(sha256, variants);
        }
        variantsByBlob.put(sha256, variants);
      }
      entries.put(file.path(), new Manifest.FileEntry(
          sha256, file.size(), ContentTypes.forPath(file.path()), variants.gzip(), variants.br()));
    }
    Instant createdAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    store.putManifest(deploymentId, new Manifest(deploymentId, entries).withCreatedAt(createdAt).withConfig(config)
        .withFunctions(functions));
    scan.skipped.forEach(reason -> log.warn("deployment {}: skipped {}", deploymentId, reason));
    return new PublishResult(entries.size(), scan.totalBytes, uploads.count, uploads.bytes,
        List.copyOf(scan.skipped));
  }

  /** Stores the gzip and brotli variants of a text file that are worth keeping, each as a blob of its own. */
  private static Variants precompress(OutputScan.Found file, String sha256, Uploads uploads) throws IOException {
    byte[] content = Files.readAllBytes(file.content());
    if (!Digests.sha256(content).equals(sha256)) {
      throw new IOException(file.path() + " changed while it was being published");
    }
    Manifest.Variant gzip = storeVariant(Precompression.gzip(content), uploads);
    Manifest.Variant br = storeVariant(Precompression.brotli(content), uploads);
    return new Variants(gzip, br);
  }

  private static Manifest.Variant storeVariant(Optional<byte[]> compressed, Uploads uploads) throws IOException {
    if (compressed.isEmpty()) {
      return null;
    }
    byte[] bytes = compressed.get();
    String sha256 = Digests.sha256(bytes);
    if (!uploads.has(sha256)) {
      Path staged = Files.createTempFile("ferry-variant-", ".tmp");
      try {
        Files.write(staged, bytes);
        uploads.put(sha256, staged);
      } finally {
        Files.deleteIfExists(staged);
      }
    }
    return new Manifest.Variant(sha256, bytes.length);
  }

  private record Variants(Manifest.Variant gzip, Manifest.Variant br) {
    static final Variants NONE = new Variants(null, null);
  }

  /**
   * Files compressed before, by SHA-256: a redeploy does not compress its unchanged files again (brotli's best quality
   * takes about a second a megabyte). Bounded, least recently used out; an entry counts only while the store has its
   * variants.
   */
  private static final KnownVariants KNOWN_VARIANTS = new KnownVariants(50_000);

  private static final class KnownVariants {
    private final Map<String, Variants> bySha256;

    KnownVariants(int capacity) {
      this.bySha256 = new java.util.LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Variants> eldest) {
          return size() > capacity;
        }
      };
    }

    Optional<Variants> stored(String sha256, BlobStore store) throws IOException {
      Variants variants;
      synchronized (this) {
        variants = bySha256.get(sha256);
      }
      if (variants == null || !stored(variants.gzip(), store) || !stored(variants.br(), store)) {
        return Optional.empty();
      }
      return Optional.of(variants);
    }

    private static boolean stored(Manifest.Variant variant, BlobStore store) throws IOException {
      return variant == null || store.hasBlob(variant.sha256());
    }

    synchronized void put(String sha256, Variants variants) {
      bySha256.put(sha256, variants);
    }
  }

  /** Puts each blob at most once per publish, and only when the store does not have it yet. */
  private static final class Uploads {
    private final BlobStore store;
    private final Set<String> seen = new HashSet<>();
    private int count;
    private long bytes;

    Uploads(BlobStore store) {
      this.store = store;
    }

    boolean has(String sha256) {
      return seen.contains(sha256);
    }

    void put(String sha256, Path content) throws IOException {
      if (seen.add(sha256) && !store.hasBlob(sha256)) {
        store.putBlob(sha256, content);
        count++;
        bytes += Files.size(content);
      }
    }
  }

  /** Walks the output, following symbolic links only while they stay inside it. */
  private static final class OutputScan extends SimpleFileVisitor<Path> {

    record Found(String path, Path content, long size) {}

    private final Path root;
    private final Path realRoot;
    private final int maxFiles;
    private final long maxTotalBytes;
    private final List<Found> files = new ArrayList<>();
    private final List<String> skipped = new ArrayList<>();
    private long totalBytes;

    private OutputScan(Path root, int maxFiles, long maxTotalBytes) throws IOException {
      this.root = root;
      this.realRoot = root.toRealPath();
      this.maxFiles = maxFiles;
      this.maxTotalBytes = maxTotalBytes;
    }

    static OutputScan of(Path root, int maxFiles, long maxTotalBytes) throws IOException {
      if (!Files.isDirectory(root)) {
        throw new IOException("Build output directory " + root + " does not exist");
      }
      OutputScan scan = new OutputScan(root, maxFiles, maxTotalBytes);
      Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, scan);
      return scan;
    }

    @Override
    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
      if (dir.getFileName() != null && dir.getFileName().toString().equals(".git")) {
        return FileVisitResult.SKIP_SUBTREE;
      }
      if (!dir.toRealPath().startsWith(realRoot)) {
        skipped.add(relative(dir) + "/: symbolic link points outside the output directory");
        return FileVisitResult.SKIP_SUBTREE;
      }
      return FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
      String path = relative(file);
      if (attrs.isSymbolicLink()) {
        skipped.add(path + ": broken symbolic link");
      } else if (!attrs.isRegularFile()) {
        skipped.add(path + ": not a regular file");
      } else {
        Path real = file.toRealPath();
        if (real.startsWith(realRoot)) {
          add(new Found(path, real, attrs.size()));
        } else {
          skipped.add(path + ": symbolic link points outside the output directory");
        }
      }
      return FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
      if (e instanceof FileSystemLoopException) {
        skipped.add(relative(file) + ": symbolic link loop");
        return FileVisitResult.CONTINUE;
      }
      throw e;
    }

    private void add(Found file) throws IOException {
      files.add(file);
      totalBytes += file.size();
      if (files.size() > maxFiles) {
        throw new IOException("Build output has more than " + maxFiles + " files, the limit per deployment");
      }
      if (totalBytes > maxTotalBytes) {
        throw new IOException(
            "Build output is larger than " + formatBytes(maxTotalBytes) + ", the limit per deployment");
      }
    }

    private static String formatBytes(long bytes) {
      if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) {
        return (bytes >> 30) + " GiB";
      }
      if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) {
        return (bytes >> 20) + " MiB";
      }
      return bytes + " bytes";
    }

    private String relative(Path path) {
      List<String> names = new ArrayList<>();
      root.relativize(path).forEach(name -> names.add(name.toString()));
      return String.join("/", names);
    }
  }
}
