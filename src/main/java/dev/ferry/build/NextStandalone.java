package dev.ferry.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.functions.FunctionRoutes;
import dev.ferry.output.CompiledVercelJson;
import dev.ferry.sandbox.Sandbox;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Next.js build with {@code output: "standalone"} (it left {@code .next/standalone/server.js}) becomes a Build
 * Output API v3 tree in {@code .vercel/output}, which the rest of the build then takes as any Build Output:
 * {@code .next/static} is served as files under {@code /_next/static}, {@code public/} as files at the root, and
 * every other request goes to one catch-all function, {@value #FUNCTION}, that runs the standalone server
 * ({@code server.js}, its traced {@code node_modules} and {@code .next}). Ferry's handler for it
 * ({@code functions/next-standalone.mjs}) starts that server on a loopback port inside the instance and passes
 * requests to it. The project's {@code vercel.json}, if any, is compiled into the same routes, before the catch-all.
 * A build that made its own {@code .vercel/output} is left alone.
 */
public final class NextStandalone {

  /** The catch-all function's name (its directory is {@code functions/_ferry/next-server.func}). */
  public static final String FUNCTION = "_ferry/next-server";
  static final String HANDLER = "___ferry_next_launcher.mjs";
  private static final String HANDLER_RESOURCE = "/functions/next-standalone.mjs";
  private static final ObjectMapper JSON = new ObjectMapper();

  private NextStandalone() {}

  /** Whether the build left a standalone server (and no Build Output of its own). */
  public static boolean applies(Path root) {
    return !Files.isRegularFile(root.resolve(".vercel/output/config.json"))
        && Files.isRegularFile(root.resolve(".next/standalone/server.js"));
  }

  /** Writes {@code .vercel/output} from the standalone build; does nothing unless {@link #applies}. */
  public static void convert(Path root, Sandbox.LogSink log) throws BuildFailure {
    if (!applies(root)) {
      return;
    }
    Path output = root.resolve(".vercel/output");
    Path function = output.resolve("functions").resolve(FUNCTION + ".func");
    Path staticDir = output.resolve("static");
    try {
      insideRoot(root, root.resolve(".next/standalone"));
      dev.ferry.functions.ApiFunctions.deleteTree(output);
      Files.createDirectories(function.getParent());
      // Moved, not copied: the build directory is discarded after publishing, and a rename costs nothing.
      Files.move(root.resolve(".next/standalone"), function);
      Path publicDir = root.resolve("public");
      if (Files.isDirectory(publicDir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        Files.move(publicDir, staticDir);
      } else {
        Files.createDirectories(staticDir);
      }
      Path nextStatic = root.resolve(".next/static");
      if (Files.isDirectory(nextStatic, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        if (Files.exists(staticDir.resolve("_next/static"))) {
          throw new BuildFailure("public/_next/static exists and would hide Next.js's own .next/static: rename it");
        }
        Files.createDirectories(staticDir.resolve("_next"));
        Files.move(nextStatic, staticDir.resolve("_next/static"));
      }
      try (InputStream handler = NextStandalone.class.getResourceAsStream(HANDLER_RESOURCE)) {
        if (handler == null) {
          throw new IOException(HANDLER_RESOURCE + " is missing from Ferry's resources");
        }
        Files.copy(handler, function.resolve(HANDLER));
      }
      Files.write(function.resolve(".vc-config.json"), JSON.writerWithDefaultPrettyPrinter()
          .writeValueAsBytes(vcConfig()));
      Files.write(output.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter()
          .writeValueAsBytes(config(root, log)));
    } catch (IOException e) {
      throw new BuildFailure("Turning the Next.js standalone output into a function failed: " + e.getMessage());
    }
    log.line("system", "Next.js standalone output: .next/static and public/ are served as files, every other "
        + "request by the function " + FUNCTION);
  }

  /** Node.js, with the request passed on untouched (no helpers), streamed back. */
  static ObjectNode vcConfig() {
    ObjectNode config = JSON.createObjectNode();
    config.put("runtime", dev.ferry.functions.ApiFunctions.NODE_RUNTIME);
    config.put("handler", HANDLER);
    config.put("launcherType", "Nodejs");
    config.put("shouldAddHelpers", false);
    config.put("supportsResponseStreaming", true);
    return config;
  }

  /**
   * The routes: hashed {@code /_next/static} files cached for good, the project's {@code vercel.json} (if any), the
   * filesystem, then the catch-all function.
   */
  static JsonNode config(Path root, Sandbox.LogSink log) throws BuildFailure {
    CompiledVercelJson compiled = BuildOutput.vercelJson(root);
    ObjectNode config;
    if (compiled == null) {
      config = JSON.createObjectNode().put("version", 3);
      config.putArray("routes");
    } else {
      compiled.warnings().forEach(warning -> log.line("system", "Warning: " + warning));
      config = (ObjectNode) BuildOutput.tree(compiled.config());
    }
    ArrayNode routes = config.withArray("routes");
    ObjectNode immutable = JSON.createObjectNode().put("src", "^/_next/static/(?:.*)$");
    immutable.putObject("headers").put("cache-control", "public, max-age=31536000, immutable");
    immutable.put("continue", true);
    routes.insert(0, immutable);
    return FunctionRoutes.withCatchAll(config, FUNCTION);
  }

  private static void insideRoot(Path root, Path path) throws IOException, BuildFailure {
    if (!path.toRealPath().startsWith(root.toRealPath())) {
      throw new BuildFailure(".next/standalone is a symbolic link that points outside the project");
    }
  }
}
