package dev.ferry.functions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.build.BuildFailure;
import dev.ferry.output.CompiledVercelJson.FunctionConfig;
import dev.ferry.output.InvalidConfigException;
import dev.ferry.output.VercelJsonCompiler;
import dev.ferry.sandbox.Sandbox;
import dev.ferry.storage.BlobStore;
import dev.ferry.storage.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The functions step of a build, between the build command and publishing: a build that produced a Build Output
 * ({@code .vercel/output/config.json}) brings its own {@code functions/*.func}; otherwise the project's {@code api/}
 * directory is built into functions. Either way their files are stored and described for the manifest.
 */
public final class FunctionsStep {

  /**
   * @param published the functions by name, for the manifest
   * @param fromBuildOutput whether they came from a Build Output (its {@code config.json} then routes to them)
   */
  public record Functions(Map<String, Manifest.Function> published, boolean fromBuildOutput) {

    /** The deployment's routing with what the functions of {@code api/} need added. */
    public JsonNode routes(JsonNode config) throws BuildFailure {
      return fromBuildOutput ? config : FunctionRoutes.withFunctionRoutes(config, published.keySet());
    }
  }

  private FunctionsStep() {}

  public static Functions build(Path root, Path workDir, BlobStore blobs, Sandbox.LogSink log,
      ApiFunctions.Commands commands) throws BuildFailure, InterruptedException {
    Path buildOutput = root.resolve(".vercel/output");
    try {
      if (Files.isRegularFile(buildOutput.resolve("config.json"))) {
        Map<String, Manifest.Function> functions = FunctionPublisher.publish(buildOutput.resolve("functions"), blobs);
        functions.keySet().forEach(name -> log.line("system", "Function " + name + " (from .vercel/output)"));
        return new Functions(functions, true);
      }
      Path target = workDir.resolve("functions");
      ApiFunctions.deleteTree(target);
      ApiFunctions.build(root, target, vercelJsonFunctions(root), commands, line -> log.line("system", line));
      return new Functions(FunctionPublisher.publish(target, blobs), false);
    } catch (IOException e) {
      throw new BuildFailure("Publishing the functions failed: " + e.getMessage());
    }
  }

  /** {@code vercel.json}'s {@code functions} settings (the file was validated when the routing was read). */
  private static Map<String, FunctionConfig> vercelJsonFunctions(Path root) throws BuildFailure {
    Path vercelJson = root.resolve("vercel.json");
    if (!Files.isRegularFile(vercelJson)) {
      return Map.of();
    }
    try {
      return VercelJsonCompiler.compile(Files.readAllBytes(vercelJson)).functions();
    } catch (IOException | InvalidConfigException e) {
      throw new BuildFailure("Invalid vercel.json: " + e.getMessage());
    }
  }
}
