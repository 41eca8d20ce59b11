package dev.ferry.project;

import dev.ferry.common.CborSerializable;
import dev.ferry.common.Initiator;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * A deploy hook of a project: a secret URL that deploys {@code ref} when anything POSTs to it. The hook's id is
 * public (lists, deletion); its secret is shown once when the hook is created and only its SHA-256 is kept.
 */
public record DeployHook(String id, String name, String ref, String secretHash, Instant createdAt,
    Initiator initiator) implements CborSerializable {

  public static final int MAX_NAME = 100;
  /** The same shape the API accepts for a deployment's ref: a branch name (or a tag, or a commit sha). */
  public static final Pattern REF = Pattern.compile("^(?!-)(?!/)(?!.*\\.\\.)[A-Za-z0-9._/-]{1,255}$");
  private static final Pattern SHA256_HEX = Pattern.compile("^[0-9a-f]{64}$");

  public static boolean valid(String name, String ref, String secretHash) {
    return name != null && !name.isBlank() && name.length() <= MAX_NAME
        && ref != null && REF.matcher(ref).matches()
        && secretHash != null && SHA256_HEX.matcher(secretHash).matches();
  }
}
