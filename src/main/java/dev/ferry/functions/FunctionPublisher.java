package dev.ferry.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.build.BuildFailure;
import dev.ferry.storage.BlobStore;
import dev.ferry.storage.Digests;
import dev.ferry.storage.Manifest;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Publishes a Build Output v3 {@code functions/} directory: every {@code <name>.func} directory's files are stored
 * content-addressed (each blob once, like the static files) and described in the deployment's manifest with the
 * settings of its {@code .vc-config.json}. Serving nodes unpack a function from these blobs when it is first called.
 */
public final class FunctionPublisher {

  static final String VC_CONFIG = ".vc-config.json";
  static final long MAX_CONFIG_BYTES = 64 * 1024;
  /** Vercel's limit for one function's files (uncompressed). */
  static final long MAX_FUNCTION_BYTES = 250L * 1024 * 1024;
  static final int MAX_FUNCTION_FILES = 20_000;
  static final int MAX_ENVIRONMENT = 100;
  static final int MAX_MEMORY_MB = 10_240;
  static final int MAX_DURATION_SECONDS = 900;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.\\[\\]@()+~-]+(/[A-Za-z0-9_.\\[\\]@()+~-]+)*");
  private static final Pattern ENV_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private FunctionPublisher() {}

  /** The functions under {@code functionsDir}, stored in {@code store}; empty when the directory does not exist. */
  public static Map<String, Manifest.Function> publish(Path functionsDir, BlobStore store)
      throws BuildFailure, IOException {
    Map<String, Manifest.Function> functions = new TreeMap<>();
    if (!Files.isDirectory(functionsDir)) {
      return functions;
    }
    Map<String, Path> found = new TreeMap<>();
    Files.walkFileTree(functionsDir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
        String name = dir.getFileName().toString();
        if (name.endsWith(".func") && !dir.equals(functionsDir)) {
          String relative = ApiFunctions.slashes(functionsDir.relativize(dir));
          found.put(relative.substring(0, relative.length() - ".func".length()), dir);
          return FileVisitResult.SKIP_SUBTREE;
        }
        return FileVisitResult.CONTINUE;
      }
    });
    if (found.size() > ApiFunctions.MAX_FUNCTIONS) {
      throw new BuildFailure("The build has " + found.size() + " functions; the limit is " + ApiFunctions.MAX_FUNCTIONS);
    }
    for (Map.Entry<String, Path> function : found.entrySet()) {
      functions.put(function.getKey(), publishOne(function.getKey(), function.getValue(), store));
    }
    return functions;
  }

  private static Manifest.Function publishOne(String name, Path dir, BlobStore store)
      throws BuildFailure, IOException {
    if (!NAME.matcher(name).matches() || name.contains("..")) {
      throw new BuildFailure("Function name '" + name + "' has characters Ferry does not allow in a path");
    }
    JsonNode config = readConfig(name, dir);
    String runtime = text(config, "runtime", name);
    if (!runtime.startsWith("nodejs") && !runtime.startsWith("python")) {
      throw new BuildFailure("Function " + name + " uses the runtime '" + runtime
          + "'; Ferry runs Node.js (nodejs*) and Python (python*) functions");
    }
    String handler = text(config, "handler", name);
    Path handlerFile = dir.resolve(handler).normalize();
    if (!handlerFile.startsWith(dir) || !Files.isRegularFile(handlerFile)) {
      throw new BuildFailure("Function " + name + ": its handler '" + handler + "' is not a file of the function");
    }
    Integer memory = bounded(config, "memory", 128, MAX_MEMORY_MB, name);
    Integer maxDuration = bounded(config, "maxDuration", 1, MAX_DURATION_SECONDS, name);
    Map<String, String> environment = environment(config, name);
    Map<String, Manifest.FunctionFile> files = new TreeMap<>();
    Path realDir = dir.toRealPath();
    long[] total = {0};
    Files.walkFileTree(dir, java.util.EnumSet.of(java.nio.file.FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
            if (!attrs.isRegularFile() || !file.toRealPath().startsWith(realDir)) {
              return FileVisitResult.CONTINUE;
            }
            String path = ApiFunctions.slashes(dir.relativize(file));
            if (path.equals(VC_CONFIG)) {
              return FileVisitResult.CONTINUE;
            }
            total[0] += attrs.size();
            if (total[0] > MAX_FUNCTION_BYTES || files.size() >= MAX_FUNCTION_FILES) {
              throw new IOException("Function " + name + " is larger than " + (MAX_FUNCTION_BYTES >> 20)
                  + " MiB or " + MAX_FUNCTION_FILES + " files");
            }
            String sha256 = Digests.sha256(file);
            if (!store.hasBlob(sha256)) {
              store.putBlob(sha256, file);
            }
            files.put(path, new Manifest.FunctionFile(sha256, attrs.size(), Files.isExecutable(file)));
            return FileVisitResult.CONTINUE;
          }
        });
    return new Manifest.Function(runtime, ApiFunctions.slashes(dir.relativize(handlerFile)), memory, maxDuration,
        environment, files, helpers(config, name));
  }

  private static JsonNode readConfig(String name, Path dir) throws BuildFailure {
    Path file = dir.resolve(VC_CONFIG);
    try {
      if (!Files.isRegularFile(file) || Files.size(file) > MAX_CONFIG_BYTES) {
        throw new BuildFailure("Function " + name + " has no " + VC_CONFIG + " (or one over 64 KiB)");
      }
      JsonNode config = JSON.readTree(file.toFile());
      if (config == null || !config.isObject()) {
        throw new BuildFailure("Function " + name + ": " + VC_CONFIG + " must be a JSON object");
      }
      return config;
    } catch (IOException e) {
      throw new BuildFailure("Function " + name + ": " + VC_CONFIG + " is not valid JSON: " + e.getMessage());
    }
  }

  private static String text(JsonNode config, String field, String name) throws BuildFailure {
    JsonNode value = config.get(field);
    if (value == null || !value.isTextual() || value.asText().isBlank()) {
      throw new BuildFailure("Function " + name + ": " + VC_CONFIG + " needs \"" + field + "\" (a string)");
    }
    return value.asText();
  }

  private static Integer bounded(JsonNode config, String field, int min, int max, String name) throws BuildFailure {
    JsonNode value = config.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.canConvertToInt() || !value.isIntegralNumber() || value.asInt() < min || value.asInt() > max) {
      throw new BuildFailure("Function " + name + ": \"" + field + "\" must be an integer from " + min + " to " + max);
    }
    return value.asInt();
  }

  /** {@code shouldAddHelpers}: stored only when false (absent means true, and keeps older manifests unchanged). */
  private static Boolean helpers(JsonNode config, String name) throws BuildFailure {
    JsonNode value = config.get("shouldAddHelpers");
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isBoolean()) {
      throw new BuildFailure("Function " + name + ": \"shouldAddHelpers\" must be true or false");
    }
    return value.asBoolean() ? null : Boolean.FALSE;
  }

  private static Map<String, String> environment(JsonNode config, String name) throws BuildFailure {
    JsonNode env = config.get("environment");
    Map<String, String> environment = new LinkedHashMap<>();
    if (env == null || env.isNull()) {
      return environment;
    }
    if (!env.isObject() || env.size() > MAX_ENVIRONMENT) {
      throw new BuildFailure("Function " + name + ": \"environment\" must be an object of at most "
          + MAX_ENVIRONMENT + " strings");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = env.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      if (!ENV_KEY.matcher(entry.getKey()).matches() || !entry.getValue().isTextual()) {
        throw new BuildFailure("Function " + name + ": environment variable '" + entry.getKey()
            + "' needs a name of letters, digits and _ and a string value");
      }
      environment.put(entry.getKey(), entry.getValue().asText());
    }
    return environment;
  }
}
