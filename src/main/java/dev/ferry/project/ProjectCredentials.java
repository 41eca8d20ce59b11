package dev.ferry.project;

import dev.ferry.secrets.SecretBox;
import dev.ferry.secrets.SecretBoxException;
import java.util.Arrays;
import java.util.Optional;

/**
 * Seals and opens a project's credentials ({@link Project#CREDENTIALS}: the Git access token, the GitHub webhook
 * secret) under its data key, with associated data {@code SecretBox.context("credential", projectId, name)}: a sealed
 * value copied to another project or credential does not open.
 */
public final class ProjectCredentials {

  private ProjectCredentials() {}

  /** Fails with {@link SecretBoxException} when the project has no data key or the keyring cannot unwrap it. */
  public static String seal(SecretBox box, Project.State project, String name, String value) {
    byte[] dataKey = dataKey(box, project);
    try {
      return box.encrypt(dataKey, value, context(project.id(), name));
    } finally {
      Arrays.fill(dataKey, (byte) 0);
    }
  }

  /** The plaintext of credential {@code name}, empty when it is not set. */
  public static Optional<String> open(SecretBox box, Project.State project, String name) {
    Optional<String> sealed = project.credential(name);
    if (sealed.isEmpty()) {
      return Optional.empty();
    }
    byte[] dataKey = dataKey(box, project);
    try {
      return Optional.of(box.decrypt(dataKey, sealed.get(), context(project.id(), name)));
    } finally {
      Arrays.fill(dataKey, (byte) 0);
    }
  }

  public static String context(String projectId, String name) {
    return SecretBox.context("credential", projectId, name);
  }

  private static byte[] dataKey(SecretBox box, Project.State project) {
    if (project.dataKey() == null) {
      throw new SecretBoxException("Project " + project.id() + " has no data key");
    }
    return box.unwrap(project.dataKey());
  }
}
