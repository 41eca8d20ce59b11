package dev.ferry.api;

import dev.ferry.project.EnvVar;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/**
 * The body of {@code POST /api/v1/projects/{project}/env}, validated: {@code key} a shell name that is not
 * reserved, {@code value} a string of at most 64 KiB, {@code targets} a non-empty subset of production, preview and
 * development, {@code type} "plain" or "secret" (required: whether a value may be read back is not guessed),
 * {@code buildTime} true unless given.
 */
record EnvVarInput(String key, String value, List<String> targets, String type, boolean buildTime) {

  static final Set<String> FIELDS = Set.of("key", "value", "targets", "type", "buildTime");

  /** Every problem of the body at once, as a 400 with field errors. */
  static EnvVarInput parse(String text) {
    JsonBody body = JsonBody.parse(text, FIELDS);
    String key = key(body);
    String value = value(body);
    List<String> targets = targets(body);
    String type = body.required("type", 16);
    if (type != null && !EnvVar.validType(type)) {
      body.error("type", "Must be \"plain\" or \"secret\"");
    }
    boolean buildTime = body.bool("buildTime").orElse(true);
    body.validate();
    return new EnvVarInput(key, value, targets, type, buildTime);
  }

  private static String key(JsonBody body) {
    String key = body.required("key", 256);
    if (key == null) {
      return null;
    }
    if (!EnvVar.KEY.matcher(key).matches()) {
      body.error("key", "Must start with a letter or '_' and hold only letters, digits and '_' (at most 256)");
    } else if (EnvVar.isReserved(key)) {
      body.error("key", "FERRY, VERCEL and names starting with FERRY_ or VERCEL_ are reserved for the variables "
          + "Ferry sets itself");
    }
    return key;
  }

  private static String value(JsonBody body) {
    String value = body.required("value", EnvVar.MAX_VALUE_BYTES);
    if (value == null) {
      return null;
    }
    if (value.getBytes(StandardCharsets.UTF_8).length > EnvVar.MAX_VALUE_BYTES) {
      body.error("value", "Must be at most 64 KiB (" + EnvVar.MAX_VALUE_BYTES + " bytes of UTF-8)");
    } else if (value.indexOf('\0') >= 0) {
      body.error("value", "Must not contain NUL characters (a process environment cannot hold them)");
    }
    return value;
  }

  private static List<String> targets(JsonBody body) {
    if (!body.has("targets") || body.node("targets").isNull()) {
      body.error("targets", "Is required");
      return null;
    }
    List<String> targets = body.strings("targets", 16, 32).orElse(null);
    if (targets != null && !EnvVar.validTargets(targets)) {
      body.error("targets", "Must name at least one of " + String.join(", ", EnvVar.TARGETS)
          + ", each at most once");
    }
    return targets;
  }
}
