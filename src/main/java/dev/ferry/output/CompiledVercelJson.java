package dev.ferry.output;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link VercelJsonCompiler} makes of a {@code vercel.json}.
 *
 * @param config the routes (and {@code images}) as a Build Output configuration
 * @param functions the {@code functions} settings by glob pattern, in file order, for the runtime
 * @param warnings things that were ignored, such as unknown top-level keys
 */
public record CompiledVercelJson(BuildOutputConfig config, Map<String, FunctionConfig> functions,
    List<String> warnings) {

  public CompiledVercelJson {
    functions = Collections.unmodifiableMap(new LinkedHashMap<>(functions));
    warnings = List.copyOf(warnings);
  }

  /** A {@code functions} entry; null when not set. */
  public record FunctionConfig(Integer maxDuration, Integer memory) {}
}
