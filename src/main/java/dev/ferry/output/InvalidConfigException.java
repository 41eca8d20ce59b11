package dev.ferry.output;

/**
 * A {@code config.json} or {@code vercel.json} that cannot be used. The message names the place:
 * for Build Output routes {@code route 3, field "src": ...}, otherwise the JSON pointer of the field.
 */
public final class InvalidConfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String pointer;

  public InvalidConfigException(String pointer, String problem) {
    super(describe(pointer, problem));
    this.pointer = pointer;
  }

  /** The JSON pointer (RFC 6901) of the offending value, {@code ""} for the whole document. */
  public String pointer() {
    return pointer;
  }

  /** Escapes one JSON pointer reference token ({@code ~} and {@code /}). */
  static String token(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }

  private static String describe(String pointer, String problem) {
    if (pointer.startsWith("/routes/")) {
      String[] parts = pointer.split("/", 4);
      if (parts.length >= 3 && !parts[2].isEmpty() && parts[2].chars().allMatch(Character::isDigit)) {
        String field = parts.length == 4 ? ", field \"" + parts[3] + "\"" : "";
        return "route " + parts[2] + field + ": " + problem + " (at " + pointer + ")";
      }
    }
    return (pointer.isEmpty() ? "(document)" : pointer) + ": " + problem;
  }
}
