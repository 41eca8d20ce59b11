package dev.ferry.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Recognises the framework of a checkout from package.json and config files, with Vercel's defaults for the build
 * command and the output directory, and the package manager from the lockfile. Project settings override each field.
 */
public final class FrameworkDetector {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a build of the checkout needs; {@code installCommand} and {@code buildCommand} may be null (none). */
  public record Detection(String framework, String installCommand, String buildCommand, String outputDirectory,
      PackageManager packageManager) {}

  public enum PackageManager {
    NPM("npm ci", "npm install", "npm run"),
    PNPM("pnpm install --frozen-lockfile", "pnpm install", "pnpm run"),
    YARN("yarn install --frozen-lockfile", "yarn install", "yarn run"),
    BUN("bun install --frozen-lockfile", "bun install", "bun run");

    private final String lockedInstall;
    private final String install;
    private final String run;

    PackageManager(String lockedInstall, String install, String run) {
      this.lockedInstall = lockedInstall;
      this.install = install;
      this.run = run;
    }
  }

  /** A framework: the dependency that reveals it, its build command and where it writes the site. */
  private record Framework(String slug, String dependency, String buildCommand, String outputDirectory) {}

  /** Most specific first: a Nuxt or SvelteKit project also depends on Vite. */
  private static final List<Framework> NODE_FRAMEWORKS = List.of(
      new Framework("nextjs", "next", "next build", "out"),
      new Framework("nuxtjs", "nuxt", "nuxt generate", ".output/public"),
      new Framework("sveltekit", "@sveltejs/kit", "vite build", "build"),
      new Framework("astro", "astro", "astro build", "dist"),
      new Framework("gatsby", "gatsby", "gatsby build", "public"),
      new Framework("create-react-app", "react-scripts", "react-scripts build", "build"),
      new Framework("vue", "@vue/cli-service", "vue-cli-service build", "dist"),
      new Framework("vite", "vite", "vite build", "dist"));

  private FrameworkDetector() {}

  public static Detection detect(Path root) throws BuildFailure {
    Path packageJson = root.resolve("package.json");
    if (Files.isRegularFile(packageJson)) {
      return detectNode(root, readPackageJson(packageJson));
    }
    if (isHugo(root)) {
      return new Detection("hugo", null, "hugo --gc --minify", "public", null);
    }
    return new Detection("static", null, null, Files.isDirectory(root.resolve("public")) ? "public" : ".", null);
  }

  private static Detection detectNode(Path root, JsonNode pkg) {
    PackageManager manager = packageManager(root, pkg);
    boolean locked = lockfile(root).isPresent();
    String install = locked ? manager.lockedInstall : manager.install;
    boolean hasBuildScript = pkg.path("scripts").path("build").isTextual();
    // Vercel runs the project's own build script when there is one, the framework's command otherwise.
    String buildScript = hasBuildScript ? manager.run + " build" : null;
    for (Framework framework : NODE_FRAMEWORKS) {
      if (dependsOn(pkg, framework.dependency())) {
        return new Detection(framework.slug(), install,
            buildScript != null ? buildScript : "npx " + framework.buildCommand(),
            outputDirectory(root, framework), manager);
      }
    }
    return new Detection("node", install, buildScript,
        Files.isDirectory(root.resolve("public")) && buildScript == null ? "public" : "dist", manager);
  }

  /** Nuxt 2 generates into dist/, Nuxt 3 into .output/public. */
  private static String outputDirectory(Path root, Framework framework) {
    if (framework.slug().equals("nuxtjs") && Files.exists(root.resolve("nuxt.config.js"))
        && !Files.exists(root.resolve("nuxt.config.ts"))) {
      return "dist";
    }
    return framework.outputDirectory();
  }

  static PackageManager packageManager(Path root, JsonNode pkg) {
    String declared = pkg.path("packageManager").asText("");
    if (declared.startsWith("pnpm@")) {
      return PackageManager.PNPM;
    }
    if (declared.startsWith("yarn@")) {
      return PackageManager.YARN;
    }
    if (declared.startsWith("bun@")) {
      return PackageManager.BUN;
    }
    return lockfile(root).orElse(PackageManager.NPM);
  }

  private static Optional<PackageManager> lockfile(Path root) {
    if (Files.exists(root.resolve("pnpm-lock.yaml"))) {
      return Optional.of(PackageManager.PNPM);
    }
    if (Files.exists(root.resolve("yarn.lock"))) {
      return Optional.of(PackageManager.YARN);
    }
    if (Files.exists(root.resolve("bun.lockb")) || Files.exists(root.resolve("bun.lock"))) {
      return Optional.of(PackageManager.BUN);
    }
    if (Files.exists(root.resolve("package-lock.json"))) {
      return Optional.of(PackageManager.NPM);
    }
    return Optional.empty();
  }

  private static final java.util.regex.Pattern RUN_SCRIPT =
      java.util.regex.Pattern.compile("(?:npm|pnpm|yarn|bun) run ([A-Za-z0-9:_.-]+)");

  /**
   * The script a command such as {@code npm run build} names when the root's package.json does not define it, so the
   * build can say so instead of showing the package manager's error.
   */
  public static Optional<String> missingScript(Path root, String command) throws BuildFailure {
    var matcher = RUN_SCRIPT.matcher(command == null ? "" : command.trim());
    Path packageJson = root.resolve("package.json");
    if (!matcher.matches() || !Files.isRegularFile(packageJson)) {
      return Optional.empty();
    }
    String script = matcher.group(1);
    return readPackageJson(packageJson).path("scripts").path(script).isTextual() ? Optional.empty()
        : Optional.of(script);
  }

  private static boolean dependsOn(JsonNode pkg, String dependency) {
    return pkg.path("dependencies").has(dependency) || pkg.path("devDependencies").has(dependency);
  }

  private static boolean isHugo(Path root) {
    for (String config : List.of("hugo.toml", "hugo.yaml", "hugo.json", "config.toml", "config.yaml")) {
      if (Files.isRegularFile(root.resolve(config)) && Files.isDirectory(root.resolve("content"))) {
        return true;
      }
      if (config.startsWith("hugo") && Files.isRegularFile(root.resolve(config))) {
        return true;
      }
    }
    return false;
  }

  private static JsonNode readPackageJson(Path file) throws BuildFailure {
    try {
      if (Files.size(file) > 1_048_576) {
        throw new BuildFailure("package.json is larger than 1 MiB");
      }
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new BuildFailure("package.json is not valid JSON: " + e.getMessage());
    }
  }
}
