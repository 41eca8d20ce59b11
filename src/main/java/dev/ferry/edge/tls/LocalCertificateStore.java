package dev.ferry.edge.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Certificates held in memory, optionally backed by a directory of PEM files (one per name, the key first):
 * {@code example.com.pem}, and {@code _wildcard.example.com.pem} for {@code *.example.com}. Files are written
 * owner-only and replaced atomically; {@link #reload()} picks up files another process wrote.
 */
public final class LocalCertificateStore implements CertificateStore {

  private static final Logger log = LoggerFactory.getLogger(LocalCertificateStore.class);
  private static final String WILDCARD_FILE_PREFIX = "_wildcard.";
  private static final String SUFFIX = ".pem";

  private final Path dir;
  private final Map<String, CertifiedKey> byName = new ConcurrentHashMap<>();

  private LocalCertificateStore(Path dir) {
    this.dir = dir;
  }

  public static LocalCertificateStore inMemory() {
    return new LocalCertificateStore(null);
  }

  /** A store on a directory (created if missing), loading the certificates already there. */
  public static LocalCertificateStore open(Path dir) throws IOException {
    LocalCertificateStore store = new LocalCertificateStore(Files.createDirectories(dir));
    store.reload();
    return store;
  }

  @Override
  public Optional<CertifiedKey> forHost(String host) {
    return Optional.ofNullable(byName.get(host));
  }

  @Override
  public boolean isEmpty() {
    return byName.isEmpty();
  }

  public Set<String> names() {
    return Set.copyOf(byName.keySet());
  }

  /** Stores (or replaces) the certificate for a host name or {@code *.domain} wildcard. */
  public void put(String name, CertifiedKey key) throws IOException {
    String normalized = normalize(name);
    if (dir != null) {
      Path target = dir.resolve(fileName(normalized));
      Path temp = Files.createTempFile(dir, ".put-", ".tmp",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try {
        Files.writeString(temp, key.toPem(), StandardCharsets.US_ASCII);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(temp);
      }
    }
    byName.put(normalized, key);
  }

  public void remove(String name) throws IOException {
    String normalized = normalize(name);
    byName.remove(normalized);
    if (dir != null) {
      Files.deleteIfExists(dir.resolve(fileName(normalized)));
    }
  }

  /** Re-reads the directory: new and changed files are loaded, names whose file is gone are dropped. */
  public void reload() throws IOException {
    if (dir == null) {
      return;
    }
    Map<String, CertifiedKey> found = new ConcurrentHashMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      for (Path file : files) {
        String name = nameOf(file.getFileName().toString());
        try {
          found.put(normalize(name), CertifiedKey.fromPem(Files.readString(file, StandardCharsets.US_ASCII)));
        } catch (IOException | IllegalArgumentException e) {
          log.warn("Skipping unreadable certificate file {}: {}", file, e.getMessage());
        }
      }
    }
    byName.putAll(found);
    byName.keySet().retainAll(found.keySet());
  }

  static String normalize(String name) {
    String lower = name.trim().toLowerCase(Locale.ROOT);
    if (lower.endsWith(".")) {
      lower = lower.substring(0, lower.length() - 1);
    }
    String host = lower.startsWith("*.") ? lower.substring(2) : lower;
    if (host.isEmpty() || host.startsWith(".") || host.contains("..")) {
      throw new IllegalArgumentException("not a host name: " + name);
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) {
        throw new IllegalArgumentException("not a host name: " + name);
      }
    }
    return lower;
  }

  private static String fileName(String name) {
    return (name.startsWith("*.") ? WILDCARD_FILE_PREFIX + name.substring(2) : name) + SUFFIX;
  }

  private static String nameOf(String fileName) {
    String base = fileName.substring(0, fileName.length() - SUFFIX.length());
    return base.startsWith(WILDCARD_FILE_PREFIX) ? "*." + base.substring(WILDCARD_FILE_PREFIX.length()) : base;
  }
}
