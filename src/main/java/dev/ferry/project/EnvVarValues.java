package dev.ferry.project;

import dev.ferry.secrets.SecretBox;
import dev.ferry.secrets.SecretBoxException;
import java.util.Arrays;

/**
 * Seals and opens the environment variable values of one project under its data key. The data key is unwrapped
 * once and wiped by {@link #close()}; the associated data {@code SecretBox.context("env", projectId, envId)} binds
 * each value to its project and variable, so a sealed value copied to another variable does not open.
 */
public final class EnvVarValues implements AutoCloseable {

  private final SecretBox box;
  private final String projectId;
  private final byte[] dataKey;

  private EnvVarValues(SecretBox box, String projectId, byte[] dataKey) {
    this.box = box;
    this.projectId = projectId;
    this.dataKey = dataKey;
  }

  /** Fails with {@link SecretBoxException} when the project has no data key or the keyring cannot unwrap it. */
  public static EnvVarValues of(SecretBox box, Project.State project) {
    if (project.dataKey() == null) {
      throw new SecretBoxException("Project " + project.id() + " has no data key");
    }
    return new EnvVarValues(box, project.id(), box.unwrap(project.dataKey()));
  }

  public String seal(String envId, String value) {
    return box.encrypt(dataKey, value, context(projectId, envId));
  }

  public String open(EnvVar envVar) {
    return box.decrypt(dataKey, envVar.sealedValue(), context(projectId, envVar.id()));
  }

  public static String context(String projectId, String envId) {
    return SecretBox.context("env", projectId, envId);
  }

  @Override
  public void close() {
    Arrays.fill(dataKey, (byte) 0);
  }
}
