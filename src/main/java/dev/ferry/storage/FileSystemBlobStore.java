package dev.ferry.storage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.nio.file.DirectoryStream;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The embedded blob store: blobs at {@code blobs/ab/cdef…} (the first two hex digits name the folder) and
 * manifests at {@code manifests/<deploymentId>.json} under one root directory. A blob's modification time is when
 * it was last used (see {@link BlobInventory}).
 */
public final class FileSystemBlobStore implements BlobStore, BlobInventory {

  private static final Pattern DEPLOYMENT_ID = Pattern.compile("[a-z0-9_-]{1,64}");

  private final Path blobs;
  private final Path manifests;
  private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  public FileSystemBlobStore(Path root) throws IOException {
    this.blobs = Files.createDirectories(root.resolve("blobs"));
    this.manifests = Files.createDirectories(root.resolve("manifests"));
  }

  /** Whether the blob is stored; asking counts as a use (the caller is about to reference it). */
  @Override
  public boolean hasBlob(String sha256) {
    return touch(blobPath(sha256));
  }

  @Override
  public void putBlob(String sha256, Path file) throws IOException {
    Path target = blobPath(sha256);
    if (touch(target)) {
      return;
    }
    Path dir = Files.createDirectories(target.getParent());
    Path temp = Files.createTempFile(dir, ".put-", ".tmp");
    try {
      // The digest is taken from the bytes actually written, so a file changing underneath cannot slip through.
      String actual = copyAndDigest(file, temp);
      if (!actual.equals(sha256)) {
        throw new IOException("digest mismatch: " + file + " has SHA-256 " + actual + ", expected " + sha256);
      }
      // Concurrent puts of one key write identical bytes, so whichever rename lands last is equally right.
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  @Override
  public Optional<Path> localBlob(String sha256) {
    Path path = blobPath(sha256);
    return Files.isRegularFile(path) ? Optional.of(path) : Optional.empty();
  }

  @Override
  public InputStream openBlob(String sha256) throws IOException {
    try {
      return Files.newInputStream(blobPath(sha256));
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException("blob " + sha256 + " not found");
    }
  }

  @Override
  public void putManifest(String deploymentId, Manifest manifest) throws IOException {
    Path target = manifestPath(deploymentId);
    if (!deploymentId.equals(manifest.deploymentId())) {
      throw new IllegalArgumentException(
          "manifest belongs to deployment '" + manifest.deploymentId() + "', not '" + deploymentId + "'");
    }
    Path temp = Files.createTempFile(manifests, ".put-", ".tmp");
    try {
      writeDurably(temp, json.writeValueAsBytes(manifest));
      // A hard link never replaces an existing file, so of two racing writers exactly one wins.
      Files.createLink(target, temp);
    } catch (FileAlreadyExistsException e) {
      // A retried publish of the same files is not a conflict, even though its creation time differs.
      if (!manifest.sameContent(manifest(deploymentId).orElse(null))) {
        throw new FileAlreadyExistsException(target.toString(), null,
            "manifest of deployment " + deploymentId + " already exists with different content");
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  @Override
  public Optional<Manifest> manifest(String deploymentId) throws IOException {
    Path path = manifestPath(deploymentId);
    try (InputStream in = Files.newInputStream(path)) {
      return Optional.of(json.readValue(in, Manifest.class));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** Marks a stored blob as used now; false when it is not stored (or the collector is deleting it). */
  private static boolean touch(Path blob) {
    try {
      Files.setLastModifiedTime(blob, FileTime.from(Instant.now()));
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      // A store that cannot record the use (read-only) is not collected either; the blob is still there.
    }
    return Files.isRegularFile(blob);
  }

  @Override
  public void forEachBlob(Consumer<StoredBlob> visitor) throws IOException {
    try (Stream<Path> folders = Files.list(blobs)) {
      for (Path folder : (Iterable<Path>) folders::iterator) {
        String prefix = folder.getFileName().toString();
        if (prefix.length() != 2 || !Files.isDirectory(folder)) {
          continue;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
          for (Path file : files) {
            String sha256 = prefix + file.getFileName();
            if (!Digests.isSha256Hex(sha256)) {
              continue; // a temporary file of a put or a delete under way
            }
            try {
              BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
              visitor.accept(new StoredBlob(sha256, attributes.size(), attributes.lastModifiedTime().toInstant()));
            } catch (NoSuchFileException deletedMeanwhile) {
              // gone since the listing
            }
          }
        }
      }
    }
  }

  /**
   * Moves the blob aside first and checks its age there: a use before the move shows in its time (and the blob is
   * put back); a use after it finds no blob, so an upload or publish stores it again.
   */
  @Override
  public boolean deleteBlobUnusedSince(String sha256, Instant cutoff) throws IOException {
    Path blob = blobPath(sha256);
    Path aside = blob.resolveSibling(".delete-" + UUID.randomUUID() + ".tmp");
    try {
      Files.move(blob, aside, StandardCopyOption.ATOMIC_MOVE);
    } catch (NoSuchFileException e) {
      return false;
    }
    if (!Files.getLastModifiedTime(aside).toInstant().isBefore(cutoff)) {
      // Identical bytes if an upload stored it again meanwhile.
      Files.move(aside, blob, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return false;
    }
    Files.delete(aside);
    return true;
  }

  @Override
  public List<String> manifestIds() throws IOException {
    try (Stream<Path> files = Files.list(manifests)) {
      return BlobInventory.manifestIdsOf(files.map(file -> file.getFileName().toString()));
    }
  }

  @Override
  public boolean deleteManifest(String deploymentId) throws IOException {
    return Files.deleteIfExists(manifestPath(deploymentId));
  }

  private Path blobPath(String sha256) {
    if (!Digests.isSha256Hex(sha256)) {
      throw new IllegalArgumentException("blob key must be 64 lower-case hex digits: " + sha256);
    }
    return blobs.resolve(sha256.substring(0, 2)).resolve(sha256.substring(2));
  }

  private Path manifestPath(String deploymentId) {
    if (deploymentId == null || !DEPLOYMENT_ID.matcher(deploymentId).matches()) {
      throw new IllegalArgumentException("deployment id must match [a-z0-9_-]{1,64}: " + deploymentId);
    }
    return manifests.resolve(deploymentId + ".json");
  }

  private static String copyAndDigest(Path source, Path target) throws IOException {
    MessageDigest digest = Digests.newSha256();
    try (InputStream in = new DigestInputStream(Files.newInputStream(source), digest);
        FileChannel channel = FileChannel.open(target, StandardOpenOption.WRITE)) {
      in.transferTo(Channels.newOutputStream(channel));
      channel.force(true);
    }
    return Digests.hex(digest.digest());
  }

  /** Forces the bytes to disk before the file becomes visible, so a crash cannot leave a truncated file. */
  private static void writeDurably(Path file, byte[] bytes) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
  }
}
