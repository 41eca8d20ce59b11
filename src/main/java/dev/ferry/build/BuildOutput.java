package dev.ferry.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.output.BuildOutputConfig;
import dev.ferry.output.CompiledVercelJson;
import dev.ferry.output.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Turns a finished build into what is published (step 4 of a build, see DESIGN.md "Builds"): the Vercel Build
 * Output API v3 layout. A build that produced {@code .vercel/output/config.json} (a framework adapter targeting
 * Vercel) is taken as it is: its {@code static/} is published and its {@code config.json} is the routing.
 * Otherwise the output directory is published and, when the project root has a {@code vercel.json}, that is
 * compiled into the routing. Either configuration is validated here, so a deployment never carries one the
 * edge cannot compile.
 */
public final class BuildOutput {

  /** Larger configuration files are refused: the routing travels inside the deployment's manifest. */
  public static final long MAX_CONFIG_BYTES = 1024 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param staticDir the directory to publish
   * @param config the routing as a {@code config.json} object, or {@code null} for none
   * @param source what the routing came from, for the build log
   * @param warnings things the user should know (ignored vercel.json keys)
   */
  public record Resolved(Path staticDir, JsonNode config, String source, List<String> warnings) {}

  /** Finds the output directory of a build that has no Build Output of its own. */
  @FunctionalInterface
  public interface OutputDirectory {
    Path find() throws BuildFailure;
  }

  private BuildOutput() {}

  /**
   * @param root the project's root directory (where {@code vercel.json} and {@code .vercel/output} are)
   * @throws BuildFailure for an invalid {@code config.json} or {@code vercel.json} (the message names the field)
   */
  public static Resolved resolve(Path root, OutputDirectory outputDirectory) throws BuildFailure {
    Path buildOutput = root.resolve(".vercel").resolve("output");
    Path configJson = buildOutput.resolve("config.json");
    if (Files.isRegularFile(configJson)) {
      BuildOutputConfig config;
      try {
        config = BuildOutputConfig.parse(read(configJson, ".vercel/output/config.json"));
      } catch (InvalidConfigException e) {
        throw new BuildFailure("Invalid .vercel/output/config.json: " + e.getMessage());
      }
      Path staticDir = buildOutput.resolve("static");
      try {
        // A Build Output may consist of functions only; it then publishes no files.
        Files.createDirectories(staticDir);
      } catch (IOException e) {
        throw new BuildFailure(".vercel/output/static is not a directory: " + e.getMessage());
      }
      inside(root, staticDir, ".vercel/output/static");
      return new Resolved(staticDir, tree(config), ".vercel/output/config.json (Build Output API v3, "
          + config.routes().size() + " routes)", List.of());
    }
    Path output = outputDirectory.find();
    CompiledVercelJson compiled = vercelJson(root);
    if (compiled != null) {
      return new Resolved(output, tree(compiled.config()),
          "vercel.json (compiled to " + compiled.config().routes().size() + " routes)", compiled.warnings());
    }
    return new Resolved(output, null, "none (files are served by path)", List.of());
  }

  /** The project's {@code vercel.json} compiled, or null when it has none. */
  static CompiledVercelJson vercelJson(Path root) throws BuildFailure {
    Path vercelJson = root.resolve("vercel.json");
    if (!Files.isRegularFile(vercelJson)) {
      return null;
    }
    try {
      return dev.ferry.output.VercelJsonCompiler.compile(read(vercelJson, "vercel.json"));
    } catch (InvalidConfigException e) {
      throw new BuildFailure("Invalid vercel.json: " + e.getMessage());
    }
  }

  private static byte[] read(Path file, String name) throws BuildFailure {
    // A symbolic link out of the checkout must not make the builder read (and echo in errors) files of the host.
    inside(file.getParent(), file, name);
    try {
      if (Files.size(file) > MAX_CONFIG_BYTES) {
        throw new BuildFailure(name + " is larger than " + (MAX_CONFIG_BYTES >> 20) + " MiB");
      }
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new BuildFailure(name + " cannot be read: " + e.getMessage());
    }
  }

  private static void inside(Path root, Path path, String name) throws BuildFailure {
    try {
      if (!path.toRealPath().startsWith(root.toRealPath())) {
        throw new BuildFailure(name + " is a symbolic link that points outside the project");
      }
    } catch (IOException e) {
      throw new BuildFailure(name + " cannot be read: " + e.getMessage());
    }
  }

  /** The configuration in its canonical form, which {@link BuildOutputConfig#parse} reads back to an equal value. */
  static JsonNode tree(BuildOutputConfig config) throws BuildFailure {
    try {
      return JSON.readTree(config.toJson());
    } catch (IOException e) {
      throw new BuildFailure("The routing configuration cannot be stored: " + e.getMessage());
    }
  }
}
