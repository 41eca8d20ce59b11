package dev.ferry.edge.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The self-signed certificate the edge presents when no real one matches: for {@code localhost} and
 * {@code *.localhost} (the embedded default's hosts), made at first start into {@code <data-dir>/certs} and renewed
 * when it is about to expire. Browsers warn about it; it exists so HTTPS and HTTP/2 work locally at all.
 */
public final class DevelopmentCertificate {

  public static final String FILE_NAME = "development.pem";
  static final Duration VALIDITY = Duration.ofDays(365);
  static final Duration RENEW_BEFORE = Duration.ofDays(14);

  private static final Logger log = LoggerFactory.getLogger(DevelopmentCertificate.class);

  private DevelopmentCertificate() {}

  public static CertifiedKey loadOrCreate(Path certsDir) throws IOException {
    Path file = Files.createDirectories(certsDir).resolve(FILE_NAME);
    if (Files.isRegularFile(file)) {
      try {
        CertifiedKey existing = CertifiedKey.fromPem(Files.readString(file, StandardCharsets.US_ASCII));
        if (existing.notAfter().isAfter(Instant.now().plus(RENEW_BEFORE))) {
          return existing;
        }
        log.info("Development certificate {} expires {}, making a new one", file, existing.notAfter());
      } catch (IOException | RuntimeException e) {
        log.warn("Development certificate {} is unreadable ({}), making a new one", file, e.getMessage());
      }
    }
    CertifiedKey created = create();
    Path temp = Files.createTempFile(file.getParent(), ".development-", ".tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      Files.writeString(temp, created.toPem(), StandardCharsets.US_ASCII);
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
    log.info("Made a self-signed development certificate for localhost and *.localhost in {}", file);
    return created;
  }

  static CertifiedKey create() {
    return SelfSignedCertificates.create("EC", "Ferry development certificate",
        List.of("localhost", "*.localhost"), List.of("127.0.0.1", "::1"), VALIDITY);
  }
}
