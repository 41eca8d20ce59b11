package dev.ferry.edge;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.storage.BlobStore;
import dev.ferry.storage.Manifest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test-only {@link BlobStore} on a real directory (a JUnit {@code @TempDir}): blobs are files named by
 * digest, manifests are JSON files. Counts manifest reads so caching can be observed.
 */
public final class TempDirBlobStore implements BlobStore {

  private final Path blobDir;
  private final Path manifestDir;
  private final ObjectMapper json = new ObjectMapper();
  private final Map<String, AtomicInteger> manifestReads = new ConcurrentHashMap<>();

  public TempDirBlobStore(Path root) throws IOException {
    this.blobDir = Files.createDirectories(root.resolve("blobs"));
    this.manifestDir = Files.createDirectories(root.resolve("manifests"));
  }

  /** Stores the content as a blob and returns its manifest entry. */
  public Manifest.FileEntry putContent(byte[] content, String contentType) throws IOException {
    String sha = sha256(content);
    Path staged = Files.createTempFile(blobDir, "staged-", ".tmp");
    Files.write(staged, content);
    putBlob(sha, staged);
    Files.deleteIfExists(staged);
    return new Manifest.FileEntry(sha, content.length, contentType);
  }

  public int manifestReads(String deploymentId) {
    AtomicInteger reads = manifestReads.get(deploymentId);
    return reads == null ? 0 : reads.get();
  }

  @Override
  public boolean hasBlob(String sha256) {
    return Files.exists(blobPath(sha256));
  }

  @Override
  public void putBlob(String sha256, Path file) throws IOException {
    if (hasBlob(sha256)) {
      return;
    }
    String actual = sha256(Files.readAllBytes(file));
    if (!actual.equals(sha256)) {
      throw new IOException("Digest mismatch: expected " + sha256 + ", got " + actual);
    }
    Files.copy(file, blobPath(sha256), StandardCopyOption.REPLACE_EXISTING);
  }

  @Override
  public Optional<Path> localBlob(String sha256) {
    Path path = blobPath(sha256);
    return Files.exists(path) ? Optional.of(path) : Optional.empty();
  }

  @Override
  public InputStream openBlob(String sha256) throws IOException {
    return Files.newInputStream(blobPath(sha256));
  }

  @Override
  public void putManifest(String deploymentId, Manifest manifest) throws IOException {
    json.writeValue(manifestPath(deploymentId).toFile(), manifest);
  }

  @Override
  public Optional<Manifest> manifest(String deploymentId) throws IOException {
    manifestReads.computeIfAbsent(deploymentId, id -> new AtomicInteger()).incrementAndGet();
    Path path = manifestPath(deploymentId);
    return Files.exists(path) ? Optional.of(json.readValue(path.toFile(), Manifest.class)) : Optional.empty();
  }

  public static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private Path blobPath(String sha256) {
    if (!sha256.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("Not a SHA-256 digest: " + sha256);
    }
    return blobDir.resolve(sha256);
  }

  private Path manifestPath(String deploymentId) {
    if (!deploymentId.matches("[A-Za-z0-9_-]+")) {
      throw new IllegalArgumentException("Bad deployment id: " + deploymentId);
    }
    return manifestDir.resolve(deploymentId + ".json");
  }
}
