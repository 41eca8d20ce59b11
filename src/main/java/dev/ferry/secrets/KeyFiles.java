package dev.ferry.secrets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Key files of the embedded default under {@code <data dir>/keys/}: random bytes, base64 on one line (so an operator
 * can copy a key into the environment of other nodes), readable by the owner only. An existing file is never
 * replaced, except by {@link #replace} during a rotation that has kept the old key in a file of its own first:
 * losing the master key would make every stored secret unreadable.
 */
public final class KeyFiles {

  private static final Logger log = LoggerFactory.getLogger(KeyFiles.class);

  public static final String DIRECTORY = "keys";
  static final Set<PosixFilePermission> OWNER_READ_WRITE = PosixFilePermissions.fromString("rw-------");
  static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");

  private static final SecureRandom RANDOM = new SecureRandom();

  private KeyFiles() {}

  /** The key in {@code dataDir/keys/fileName}; {@code length} fresh random bytes written there when absent. */
  public static byte[] loadOrCreate(Path dataDir, String fileName, int length) {
    Path file = dataDir.resolve(DIRECTORY).resolve(fileName);
    try {
      if (Files.exists(file)) {
        return read(file);
      }
      byte[] key = random(length);
      create(file, key);
      log.info("Created {} (keep a copy: the data it protects cannot be recovered without it)", file);
      return key;
    } catch (FileAlreadyExistsException e) {
      return read(file); // another process created it first
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read or create the key file " + file, e);
    }
  }

  /** Writes {@code key} to a new key file; fails if the file exists. */
  static void createNew(Path file, byte[] key) throws IOException {
    create(file, key);
  }

  /** Atomically replaces the key in an existing key file (a crash leaves either the old or the new key). */
  static void replace(Path file, byte[] key) throws IOException {
    Path staged = file.resolveSibling(file.getFileName() + ".new");
    Files.deleteIfExists(staged);
    create(staged, key);
    Files.move(staged, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  static byte[] random(int length) {
    byte[] key = new byte[length];
    RANDOM.nextBytes(key);
    return key;
  }

  static byte[] read(Path file) {
    try {
      warnIfOthersCanRead(file);
      String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
      return Base64.getDecoder().decode(text);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the key file " + file, e);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("The key file " + file + " does not hold base64", e);
    }
  }

  private static void create(Path file, byte[] key) throws IOException {
    boolean posix = Files.getFileStore(existingAncestor(file)).supportsFileAttributeView(PosixFileAttributeView.class);
    if (posix) {
      createPrivateDirectories(file.getParent());
    } else {
      Files.createDirectories(file.getParent());
      log.warn("{} is not on a POSIX file system: restrict access to it by other means", file);
    }
    // Written to a private temporary file first, so a crash never leaves a half-written key under the real name.
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(temporary);
    try (FileChannel channel = posix
        ? FileChannel.open(temporary, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE))
        : FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap((Base64.getEncoder().encodeToString(key) + "\n")
          .getBytes(StandardCharsets.US_ASCII)));
      channel.force(true);
    }
    if (posix) {
      Files.setPosixFilePermissions(temporary, OWNER_READ_WRITE); // independent of the umask
    }
    if (Files.exists(file)) {
      Files.delete(temporary);
      throw new FileAlreadyExistsException(file.toString());
    }
    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void createPrivateDirectories(Path directory) throws IOException {
    if (Files.isDirectory(directory)) {
      return;
    }
    createPrivateDirectories(directory.getParent());
    Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
    Files.setPosixFilePermissions(directory, OWNER_ONLY_DIRECTORY);
  }

  private static Path existingAncestor(Path path) {
    Path candidate = path.toAbsolutePath();
    while (candidate != null && !Files.exists(candidate)) {
      candidate = candidate.getParent();
    }
    return candidate;
  }

  private static void warnIfOthersCanRead(Path file) throws IOException {
    if (!Files.getFileStore(file).supportsFileAttributeView(PosixFileAttributeView.class)) {
      return;
    }
    Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
    if (!OWNER_READ_WRITE.containsAll(permissions)) {
      log.warn("{} is accessible to others ({}); it should be rw------- (chmod 600)", file,
          PosixFilePermissions.toString(permissions));
    }
  }
}
