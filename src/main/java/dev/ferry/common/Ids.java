package dev.ferry.common;

import java.security.SecureRandom;

/** Random, DNS-safe identifiers: they appear in host names, so lower-case letters and digits only. */
public final class Ids {

  private static final char[] ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  public static String newId(int length) {
    char[] chars = new char[length];
    for (int i = 0; i < length; i++) {
      chars[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
    }
    return new String(chars);
  }

  public static String projectId() {
    return "prj_" + newId(16);
  }

  public static String envVarId() {
    return "env_" + newId(16);
  }

  /** Short enough for {@code <project>-<id>.<base>} to stay a readable host name. */
  public static String deploymentId() {
    return newId(10);
  }
}
