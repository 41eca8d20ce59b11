package dev.ferry.functions;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.build.BuildFailure;
import dev.ferry.output.CompiledVercelJson.FunctionConfig;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Turns a project's {@code api/} directory into Build Output v3 {@code .func} directories, as Vercel does for
 * projects without a framework: {@code api/hello.ts} becomes the function {@code api/hello}. Node.js files
 * ({@code .js .mjs .cjs .ts .mts}) are bundled with esbuild (TypeScript compiled, imports of other files and
 * packages included) into one {@code index.mjs}; Python files ({@code .py}) get the project's Python files and the
 * packages of its {@code requirements.txt}, installed at build time. Files and folders whose names start with
 * {@code _} or {@code .} are helpers, not functions (Vercel's rule), and so are {@code .d.ts} files.
 */
public final class ApiFunctions {

  /** Where functions are staged inside the project (so sandboxed commands can write there), then moved out. */
  static final String STAGING = ".ferry-functions";
  static final String PYTHON_PACKAGES = "_python";
  static final int MAX_FUNCTIONS = 256;
  static final int MAX_PYTHON_FILES = 2_000;
  public static final String NODE_RUNTIME = "nodejs20.x";
  static final String PYTHON_RUNTIME = "python3";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> NODE_EXTENSIONS = Set.of("js", "mjs", "cjs", "ts", "mts");
  private static final Set<String> SKIPPED_DIRS = Set.of(".git", "node_modules", STAGING, "__pycache__", ".venv",
      "venv", ".vercel");

  /** Runs one command of the build in the sandbox; fails the build when it fails. */
  @FunctionalInterface
  public interface Commands {
    void run(String step, List<String> command, Path workDir) throws BuildFailure, InterruptedException;
  }

  /** One source file of {@code api/} and the function it becomes. */
  record Source(Path file, String relative, String name, boolean python) {}

  private ApiFunctions() {}

  /**
   * Builds every function of {@code root/api} into {@code target} (one {@code <name>.func} directory each).
   *
   * @param configs {@code vercel.json}'s {@code functions} settings by glob pattern (memory, maxDuration)
   * @param log told what happens, line by line
   * @return the names of the functions built, empty when the project has no {@code api/} directory
   */
  public static List<String> build(Path root, Path target, Map<String, FunctionConfig> configs, Commands commands,
      java.util.function.Consumer<String> log) throws BuildFailure, InterruptedException {
    List<Source> sources = sources(root);
    if (sources.isEmpty()) {
      return List.of();
    }
    Path staging = root.resolve(STAGING);
    try {
      Files.createDirectories(staging);
      Files.createDirectories(target);
    } catch (IOException e) {
      throw new BuildFailure("Cannot prepare the functions directory: " + e.getMessage());
    }
    Path pythonPackages = null;
    if (sources.stream().anyMatch(Source::python)) {
      pythonPackages = installRequirements(root, staging, commands, log);
    }
    String esbuild = sources.stream().anyMatch(s -> !s.python()) ? esbuild(root) : null;
    List<String> names = new ArrayList<>();
    for (Source source : sources) {
      Path funcDir = staging.resolve(source.name() + ".func");
      try {
        Files.createDirectories(funcDir);
        ObjectNode config = source.python()
            ? pythonFunction(root, source, funcDir, pythonPackages)
            : nodeFunction(root, source, funcDir, esbuild, commands, log);
        applyConfig(config, source, configs);
        Files.write(funcDir.resolve(FunctionPublisher.VC_CONFIG), JSON.writeValueAsBytes(config));
        Path moved = target.resolve(source.name() + ".func");
        Files.createDirectories(moved.getParent());
        Files.move(funcDir, moved);
      } catch (IOException e) {
        throw new BuildFailure("Cannot build the function " + source.relative() + ": " + e.getMessage());
      }
      names.add(source.name());
      log.accept("Function " + source.name() + " (" + (source.python() ? "Python" : "Node.js") + ") from "
          + source.relative());
    }
    removeSources(root);
    return names;
  }

  /** The function sources under {@code root/api}, in path order. */
  static List<Source> sources(Path root) throws BuildFailure {
    Path api = root.resolve("api");
    if (!Files.isDirectory(api)) {
      return List.of();
    }
    List<Source> sources = new ArrayList<>();
    try {
      Files.walkFileTree(api, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          String name = dir.getFileName().toString();
          return !dir.equals(api) && (name.startsWith("_") || name.startsWith(".") || SKIPPED_DIRS.contains(name))
              ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          String fileName = file.getFileName().toString();
          int dot = fileName.lastIndexOf('.');
          if (!attrs.isRegularFile() || dot <= 0 || fileName.startsWith("_") || fileName.startsWith(".")
              || fileName.endsWith(".d.ts")) {
            return FileVisitResult.CONTINUE;
          }
          String extension = fileName.substring(dot + 1).toLowerCase(Locale.ROOT);
          boolean python = extension.equals("py");
          if (python || NODE_EXTENSIONS.contains(extension)) {
            String relative = slashes(root.relativize(file));
            sources.add(new Source(file, relative, relative.substring(0, relative.lastIndexOf('.')), python));
          }
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new BuildFailure("Cannot read the api directory: " + e.getMessage());
    }
    sources.sort(java.util.Comparator.comparing(Source::relative));
    if (sources.size() > MAX_FUNCTIONS) {
      throw new BuildFailure("The api directory has " + sources.size() + " functions; the limit is " + MAX_FUNCTIONS);
    }
    for (int i = 1; i < sources.size(); i++) {
      if (sources.get(i).name().equals(sources.get(i - 1).name())) {
        throw new BuildFailure("Two files make the function " + sources.get(i).name() + ": "
            + sources.get(i - 1).relative() + " and " + sources.get(i).relative() + "; keep one");
      }
    }
    return sources;
  }

  private static ObjectNode nodeFunction(Path root, Source source, Path funcDir, String esbuild, Commands commands,
      java.util.function.Consumer<String> log) throws BuildFailure, InterruptedException, IOException {
    String handler = "index.mjs";
    if (esbuild != null) {
      commands.run("Bundle " + source.relative(), List.of(esbuild, source.relative(), "--bundle", "--platform=node",
          "--target=node20", "--format=esm", "--log-level=warning",
          // Packages written as CommonJS call require(); an ES module has none unless it is made.
          "--banner:js=import { createRequire as __ferryRequire } from 'node:module'; "
              + "const require = __ferryRequire(import.meta.url);",
          "--outfile=" + slashes(root.relativize(funcDir.resolve(handler)))), root);
    } else if (source.relative().endsWith("ts")) {
      throw new BuildFailure(source.relative() + " is TypeScript and needs esbuild to be compiled: add it to the "
          + "project (npm install --save-dev esbuild) or install it on the build node");
    } else {
      handler = source.file().getFileName().toString();
      Files.copy(source.file(), funcDir.resolve(handler));
      log.accept("Warning: esbuild is not installed, so " + source.relative()
          + " is deployed as a single file (imports of other files or packages will not be found)");
    }
    ObjectNode config = JSON.createObjectNode();
    config.put("runtime", NODE_RUNTIME);
    config.put("handler", handler);
    config.put("launcherType", "Nodejs");
    config.put("shouldAddHelpers", true);
    return config;
  }

  private static ObjectNode pythonFunction(Path root, Source source, Path funcDir, Path pythonPackages)
      throws IOException, BuildFailure {
    int copied = 0;
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path relative = root.relativize(file);
        if (!Files.isRegularFile(file) || !file.toString().endsWith(".py") || skipped(relative)) {
          continue;
        }
        if (++copied > MAX_PYTHON_FILES) {
          throw new BuildFailure("The project has more than " + MAX_PYTHON_FILES + " Python files");
        }
        Path copy = funcDir.resolve(relative.toString());
        Files.createDirectories(copy.getParent());
        Files.copy(file, copy);
      }
    }
    if (pythonPackages != null) {
      copyTree(pythonPackages, funcDir.resolve(PYTHON_PACKAGES));
    }
    ObjectNode config = JSON.createObjectNode();
    config.put("runtime", PYTHON_RUNTIME);
    config.put("handler", source.relative());
    return config;
  }

  /**
   * Installs {@code requirements.txt} once for all Python functions: from the wheels vendored in {@code wheels/}
   * when the project has them (no index is asked then), else from the package index pip is configured with.
   */
  private static Path installRequirements(Path root, Path staging, Commands commands,
      java.util.function.Consumer<String> log) throws BuildFailure, InterruptedException {
    Path requirements = root.resolve("requirements.txt");
    if (!Files.isRegularFile(requirements)) {
      return null;
    }
    Path packages = staging.resolve(PYTHON_PACKAGES);
    List<String> command = new ArrayList<>(List.of(FunctionSettings.resolvePython("python3"), "-m", "pip", "install", "--no-input",
        "--disable-pip-version-check", "--no-cache-dir", "--retries", "0", "--timeout", "15",
        "--target", STAGING + "/" + PYTHON_PACKAGES, "-r", "requirements.txt"));
    boolean vendored = Files.isDirectory(root.resolve("wheels"));
    if (vendored) {
      command.addAll(List.of("--no-index", "--find-links", "wheels"));
    }
    log.accept("Installing requirements.txt" + (vendored ? " from the vendored wheels in wheels/" : ""));
    try {
      commands.run("Install requirements.txt", command, root);
    } catch (BuildFailure e) {
      throw new BuildFailure("Installing the Python packages of requirements.txt failed"
          + (vendored ? " (from wheels/ only)" : "; if the package index is not reachable from the build node, "
              + "vendor the wheels in a wheels/ folder (pip download -r requirements.txt -d wheels)")
          + ": " + e.getMessage());
    }
    return packages;
  }

  private static void applyConfig(ObjectNode config, Source source, Map<String, FunctionConfig> configs) {
    for (Map.Entry<String, FunctionConfig> entry : configs.entrySet()) {
      PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + entry.getKey());
      if (matcher.matches(Path.of(source.relative()))) {
        if (entry.getValue().memory() != null) {
          config.put("memory", entry.getValue().memory());
        }
        if (entry.getValue().maxDuration() != null) {
          config.put("maxDuration", entry.getValue().maxDuration());
        }
      }
    }
  }

  /** The project's esbuild, else one on the PATH, else null. */
  static String esbuild(Path root) {
    Path local = root.resolve("node_modules/.bin/esbuild");
    if (Files.isExecutable(local)) {
      return "node_modules/.bin/esbuild";
    }
    String path = System.getenv("PATH");
    for (String dir : (path == null ? "/usr/local/bin:/usr/bin:/bin" : path).split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "esbuild"))) {
        return Path.of(dir, "esbuild").toString();
      }
    }
    return null;
  }

  /**
   * Function sources (and their helpers) are not files of the site: they must never be served as they are, so the
   * whole {@code api/} directory leaves the output, as on Vercel.
   */
  private static void removeSources(Path root) throws BuildFailure {
    try {
      deleteTree(root.resolve("api"));
      deleteTree(root.resolve(STAGING));
    } catch (IOException e) {
      throw new BuildFailure("Cannot remove the function sources from the output: " + e.getMessage());
    }
  }

  private static boolean skipped(Path relative) {
    for (Path part : relative) {
      String name = part.toString();
      if (SKIPPED_DIRS.contains(name) || (name.startsWith(".") && !name.equals("."))) {
        return true;
      }
    }
    return false;
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        Path copy = to.resolve(from.relativize(path).toString());
        if (Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectories(copy);
        } else if (Files.isRegularFile(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.copy(path, copy);
        }
      }
    }
  }

  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  static String slashes(Path relative) {
    List<String> names = new ArrayList<>();
    relative.forEach(name -> names.add(name.toString()));
    return String.join("/", names);
  }
}
