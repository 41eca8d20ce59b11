package dev.ferry.project;

import dev.ferry.common.CborSerializable;
import java.time.Instant;

/**
 * A custom domain of a project: its verification token and state, and its certificate. The certificate (private key
 * and chain, PEM) is sealed under the project's data key ({@code SecretBox.context("domain-certificate", projectId,
 * name)}); the plaintext never reaches an event.
 *
 * @param verification {@code pending}, {@code verified}, or {@code failed} (checks gave up; verify can still succeed)
 * @param certificateStatus {@code pending} (none yet), {@code active}, or {@code failed} (see {@code
 *     certificateReason}; a certificate issued before keeps being served until it expires)
 */
public record Domain(
    String name,
    String token,
    boolean apex,
    Instant createdAt,
    String verification,
    Instant verifiedAt,
    String verificationReason,
    String certificateStatus,
    String sealedCertificate,
    Instant certificateExpiresAt,
    Instant certificateIssuedAt,
    String certificateReason,
    int certificateFailures) implements CborSerializable {

  public static final String PENDING = "pending";
  public static final String VERIFIED = "verified";
  public static final String FAILED = "failed";
  public static final String ACTIVE = "active";

  static Domain added(String name, String token, boolean apex, Instant at) {
    return new Domain(name, token, apex, at, PENDING, null, null, PENDING, null, null, null, null, 0);
  }

  public boolean verified() {
    return VERIFIED.equals(verification);
  }

  Domain withVerification(String newVerification, Instant at, String reason) {
    return new Domain(name, token, apex, createdAt, newVerification, VERIFIED.equals(newVerification) ? at : null,
        reason, certificateStatus, sealedCertificate, certificateExpiresAt, certificateIssuedAt, certificateReason,
        certificateFailures);
  }

  Domain withCertificate(String sealed, Instant expiresAt, Instant issuedAt) {
    return new Domain(name, token, apex, createdAt, verification, verifiedAt, verificationReason, ACTIVE, sealed,
        expiresAt, issuedAt, null, 0);
  }

  Domain withCertificateFailure(String reason, int failures) {
    return new Domain(name, token, apex, createdAt, verification, verifiedAt, verificationReason, FAILED,
        sealedCertificate, certificateExpiresAt, certificateIssuedAt, reason, failures);
  }
}
