package dev.ferry.project;

import dev.ferry.common.CborSerializable;
import dev.ferry.common.Initiator;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One environment variable of a project. Its value is only ever held sealed ({@link dev.ferry.secrets.SecretBox}
 * under the project's data key, associated data {@code env|projectId|id}) — for {@code plain} variables too: the
 * type decides who may read the value back (plain: the API shows it; secret: nobody, and build logs mask it), not
 * whether it is encrypted at rest.
 */
public record EnvVar(
    String id,
    String key,
    List<String> targets,
    String type,
    boolean buildTime,
    String sealedValue,
    Instant createdAt,
    Initiator initiator) implements CborSerializable {

  public static final String PLAIN = "plain";
  public static final String SECRET = "secret";
  public static final List<String> TYPES = List.of(PLAIN, SECRET);

  public static final String PRODUCTION = "production";
  public static final String PREVIEW = "preview";
  public static final String DEVELOPMENT = "development";
  public static final List<String> TARGETS = List.of(PRODUCTION, PREVIEW, DEVELOPMENT);

  public static final Pattern KEY = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]{0,255}$");
  /** Upper bound of a value, in UTF-8 bytes. */
  public static final int MAX_VALUE_BYTES = 64 * 1024;

  public EnvVar {
    targets = targets == null ? List.of() : List.copyOf(targets);
  }

  public boolean isSecret() {
    return SECRET.equals(type);
  }

  public boolean appliesTo(String target) {
    return targets.contains(target);
  }

  /** Whether this variable and {@code other} would both be set in some target: one name, one value per target. */
  public boolean overlaps(String otherKey, List<String> otherTargets) {
    return key.equals(otherKey) && otherTargets.stream().anyMatch(targets::contains);
  }

  /** A name a shell accepts, and not {@linkplain #isReserved reserved}. */
  public static boolean validKey(String key) {
    return key != null && KEY.matcher(key).matches() && !isReserved(key);
  }

  /** A non-empty subset of {@link #TARGETS}, each at most once. */
  public static boolean validTargets(List<String> targets) {
    return targets != null && !targets.isEmpty() && TARGETS.containsAll(targets)
        && targets.stream().distinct().count() == targets.size();
  }

  public static boolean validType(String type) {
    return TYPES.contains(type);
  }

  /**
   * Names Ferry sets itself in every build ({@code FERRY}, {@code FERRY_*}, and Vercel's {@code VERCEL},
   * {@code VERCEL_*} that framework adapters read). A project cannot define them, in any letter case, so what a
   * build is told about itself is always true.
   */
  public static boolean isReserved(String key) {
    String upper = key.toUpperCase(Locale.ROOT);
    return upper.equals("FERRY") || upper.startsWith("FERRY_") || upper.equals("VERCEL")
        || upper.startsWith("VERCEL_");
  }
}
