package dev.ferry.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The scrubbed environment every sandbox gives a command: nothing of Ferry's own environment but {@code PATH}, a
 * home directory inside the work directory (package managers keep their caches there), and the spec's variables.
 */
final class SandboxEnvironment {

  private SandboxEnvironment() {}

  static Map<String, String> of(Sandbox.Spec spec, String path) throws IOException {
    Path home = Files.createDirectories(spec.workDir().resolve(".home"));
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", path);
    env.put("HOME", home.toAbsolutePath().toString());
    env.put("LANG", "C.UTF-8");
    env.put("CI", "1");
    env.putAll(spec.env());
    return env;
  }
}
