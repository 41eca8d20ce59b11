package dev.ferry.domains;

import dev.ferry.edge.tls.CertifiedKey;
import dev.ferry.project.Project;
import dev.ferry.secrets.SecretBox;
import java.io.IOException;
import java.util.Arrays;
import java.util.function.Function;

/**
 * Seals and opens a project's domain secrets under its data key: the ACME account key and each domain's certificate
 * (private key and chain). Associated data binds each to its project and domain.
 */
final class DomainSecrets {

  private final SecretBox box;

  DomainSecrets(SecretBox box) {
    this.box = box;
  }

  String sealAccountKey(Project.State project, String pem) {
    return withDataKey(project, key -> box.encrypt(key, pem, SecretBox.context("acme-account", project.id())));
  }

  String openAccountKey(Project.State project, String sealed) {
    return withDataKey(project, key -> box.decrypt(key, sealed, SecretBox.context("acme-account", project.id())));
  }

  String sealCertificate(Project.State project, String domain, CertifiedKey certificate) {
    return withDataKey(project, key -> box.encrypt(key, certificate.toPem(), certificateContext(project, domain)));
  }

  CertifiedKey openCertificate(Project.State project, String domain, String sealed) throws IOException {
    return CertifiedKey.fromPem(withDataKey(project, key -> box.decrypt(key, sealed,
        certificateContext(project, domain))));
  }

  private static String certificateContext(Project.State project, String domain) {
    return SecretBox.context("domain-certificate", project.id(), domain);
  }

  private <T> T withDataKey(Project.State project, Function<byte[], T> use) {
    if (project.dataKey() == null) {
      throw new IllegalStateException("Project " + project.id() + " has no data key");
    }
    byte[] key = box.unwrap(project.dataKey());
    try {
      return use.apply(key);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }
}
