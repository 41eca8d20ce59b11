package dev.ferry.build;

import dev.ferry.FerrySettings;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.deployment.Deployment;
import dev.ferry.functions.FunctionsStep;
import dev.ferry.project.ProjectSettings;
import dev.ferry.sandbox.ProcessSandbox;
import dev.ferry.sandbox.Sandbox;
import dev.ferry.storage.BlobStore;
import dev.ferry.storage.Manifest;
import dev.ferry.storage.Publisher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The steps of one build: check out the source, run the install and build commands in the sandbox, find the
 * output and publish it content-addressed. Everything the user should know goes to the log.
 */
public final class Builder {

  private final FerrySettings settings;
  private final BlobStore blobs;
  private final Sandbox sandbox;
  private final BuildCache cache;

  public Builder(FerrySettings settings, BlobStore blobs, Sandbox sandbox, BuildCache cache) {
    this.settings = settings;
    this.blobs = blobs;
    this.sandbox = sandbox;
    this.cache = cache;
  }

  /**
   * pnpm and yarn through corepack (which comes with Node.js) where they are not installed; the log shows the
   * command as the project wrote it.
   */
  static final String PACKAGE_MANAGER_SHIMS = "for pm in pnpm yarn; do command -v $pm >/dev/null 2>&1 || "
      + "eval \"$pm() { corepack $pm \\\"\\$@\\\"; }\"; done; ";

  public record Outcome(String framework, long fileCount, long totalBytes) {}

  /** Told about progress the Deployment entity records. */
  public interface Progress {
    void sourceResolved(GitCheckout.Checkout checkout) throws BuildFailure;

    void publishing() throws BuildFailure;
  }

  /**
   * {@code variables}: the project's build-time environment variables for the deployment's target;
   * {@code gitAccessToken}: the project's token for a private repository over https.
   */
  public Outcome build(Deployment.State deployment, Map<String, String> variables, Optional<String> gitAccessToken,
      Path workDir, Sandbox.LogSink log, Sandbox.Cancellation cancellation, Progress progress)
      throws BuildFailure, InterruptedException {
    Instant deadline = Instant.now().plus(settings.build().timeout());
    ProjectSettings project = deployment.settings();
    Path sourceDir = workDir.resolve("src");
    GitCheckout.Checkout checkout = null;
    long sourceStart = System.nanoTime();
    if (deployment.source().uploaded()) {
      UploadedSource.materialize(blobs, deployment.source().files(), sourceDir, log);
      if (deployment.source().prebuilt()) {
        return publishPrebuilt(deployment, sourceDir, workDir, log, progress);
      }
    } else {
      checkout = checkout(deployment, gitAccessToken, sourceDir, log);
      progress.sourceResolved(checkout);
    }
    log.line("system", "Source ready in " + seconds(sourceStart));

    Path root = rootDirectory(sourceDir, project.rootDirectory());
    FrameworkDetector.Detection detected = FrameworkDetector.detect(root);
    String framework = orDetected(project.framework(), detected.framework());
    log.line("system", "Framework: " + framework + (project.framework() == null ? " (detected)" : ""));
    Map<String, String> env = buildEnvironment(deployment, checkout, variables);
    String install = orDetected(project.installCommand(), detected.installCommand());
    Optional<String> cacheKey = cacheKey(root, install, log);
    Optional<BuildCache.Restored> restored = cacheKey.flatMap(
        key -> cache.restore(deployment.projectId(), key, root, workDir.resolve("cache-restore")));
    restored.ifPresentOrElse(
        hit -> log.line("system", "Build cache: restored " + String.join(", ", hit.paths()) + " ("
            + BuildCache.megabytes(hit.bytes()) + ", lockfile unchanged)"),
        () -> cacheKey.ifPresent(key -> log.line("system", "Build cache: none for this lockfile yet")));
    if (restored.isPresent() && restored.get().dependencies() && install != null && !install.isBlank()) {
      log.line("system", "Skipping the install command: dependencies restored from the build cache");
    } else {
      runStep("Install", install, root, env, deadline, log, cancellation);
    }
    String buildCommand = orDetected(project.buildCommand(), detected.buildCommand());
    Optional<String> missing = FrameworkDetector.missingScript(root, buildCommand);
    if (missing.isPresent()) {
      throw new BuildFailure("package.json has no \"" + missing.get() + "\" script for the build command '"
          + buildCommand + "': add it to \"scripts\" in package.json or change the project's build command");
    }
    runStep("Build", buildCommand, root, env, deadline, log, cancellation);
    cacheKey.ifPresent(key -> cache.save(deployment.projectId(), key, root, log));
    NextStandalone.convert(root, log);

    BuildOutput.Resolved built = BuildOutput.resolve(root,
        () -> outputDirectory(root, orDetected(project.outputDirectory(), detected.outputDirectory())));
    FunctionsStep.Functions functions = FunctionsStep.build(root, workDir, blobs, log,
        (step, command, dir) -> runStep(step, command, dir, env, deadline, log, cancellation));
    JsonNode config = functions.routes(built.config());
    Path output = built.staticDir();
    built.warnings().forEach(warning -> log.line("system", "Warning: " + warning));
    log.line("system", "Routing configuration: " + built.source());
    progress.publishing();
    String shown = root.relativize(output).toString();
    log.line("system", "Publishing " + (shown.isEmpty() ? "the repository root" : shown + "/"));
    long publishStart = System.nanoTime();
    try {
      var result = Publisher.publish(output, deployment.id(), blobs, settings.build().maxOutputFiles(),
          settings.build().maxOutputBytes(), config, functions.published());
      log.line("system", published(result, publishStart));
      return new Outcome(framework, result.fileCount(), result.totalBytes());
    } catch (IOException e) {
      throw new BuildFailure("Publishing failed: " + e.getMessage());
    }
  }

  /**
   * A prebuilt upload is published as it is: no framework detection, no install or build command. A complete Build
   * Output ({@code .vercel/output/config.json}) keeps its routes and its {@code functions/*.func}.
   */
  private Outcome publishPrebuilt(Deployment.State deployment, Path sourceDir, Path workDir, Sandbox.LogSink log,
      Progress progress) throws BuildFailure, InterruptedException {
    Path uploaded = UploadedSource.prebuiltOutput(sourceDir);
    Path output = uploaded;
    JsonNode config = null;
    Map<String, Manifest.Function> functions = null;
    if (Files.isRegularFile(sourceDir.resolve(".vercel/output/config.json"))) {
      BuildOutput.Resolved built = BuildOutput.resolve(sourceDir, () -> uploaded);
      config = built.config();
      output = built.staticDir();
      // With a config.json the step only publishes the .func directories; it never runs a command.
      functions = FunctionsStep.build(sourceDir, workDir, blobs, log, (step, command, dir) -> {
        throw new BuildFailure("A prebuilt deployment runs no " + step.toLowerCase() + " command");
      }).published();
      log.line("system", "Routing configuration: " + built.source());
    }
    progress.publishing();
    String shown = sourceDir.relativize(output).toString();
    log.line("system", "Prebuilt: publishing " + (shown.isEmpty() ? "the uploaded files" : shown + "/")
        + " without a build");
    long publishStart = System.nanoTime();
    try {
      var result = Publisher.publish(output, deployment.id(), blobs, settings.build().maxOutputFiles(),
          settings.build().maxOutputBytes(), config, functions);
      log.line("system", published(result, publishStart));
      return new Outcome("prebuilt", result.fileCount(), result.totalBytes());
    } catch (IOException e) {
      throw new BuildFailure("Publishing failed: " + e.getMessage());
    }
  }

  private GitCheckout.Checkout checkout(Deployment.State deployment, Optional<String> gitAccessToken,
      Path sourceDir, Sandbox.LogSink log) throws BuildFailure {
    String url = deployment.settings().gitRepoUrl();
    if (url == null || url.isBlank()) {
      throw new BuildFailure("The project has no Git repository");
    }
    // A commit known up front (a webhook's, or the one an earlier attempt of this build resolved) is built exactly.
    Deployment.Source source = deployment.source();
    String ref = source.commitSha() != null ? source.commitSha() : source.ref();
    String shown = source.commitSha() != null && source.ref() != null
        ? source.ref() + " @ " + source.commitSha().substring(0, Math.min(7, source.commitSha().length()))
        : ref;
    log.line("system", "Cloning " + url + (shown == null ? "" : " (" + shown + ")"));
    try {
      GitCheckout.Checkout checkout = GitCheckout.checkout(url, ref, sourceDir, gitAccessToken,
          settings.cloneTimeout(), settings.maxRepositoryBytes(), settings.allowLocalRepositories());
      log.line("system", "Checked out " + checkout.commitSha().substring(0, 7) + ": "
          + firstLine(checkout.commitMessage()));
      return checkout;
    } catch (GitCheckout.CheckoutException e) {
      throw new BuildFailure(e.getMessage());
    }
  }

  private static Path rootDirectory(Path sourceDir, String rootDirectory) throws BuildFailure {
    if (rootDirectory == null || rootDirectory.isBlank()) {
      return sourceDir;
    }
    Path root = sourceDir.resolve(rootDirectory).normalize();
    if (!root.startsWith(sourceDir) || !Files.isDirectory(root)) {
      throw new BuildFailure("Root directory '" + rootDirectory + "' does not exist in the repository");
    }
    return root;
  }

  private Map<String, String> buildEnvironment(Deployment.State deployment, GitCheckout.Checkout checkout,
      Map<String, String> variables) {
    // The project's variables first: Ferry's own are put after them and always win.
    Map<String, String> env = new HashMap<>(variables);
    env.put("FERRY", "1");
    env.put("FERRY_ENV", deployment.target());
    env.put("FERRY_DEPLOYMENT_ID", deployment.id());
    // Vercel's names, so framework adapters that read them behave as on Vercel.
    env.put("VERCEL", "1");
    env.put("VERCEL_ENV", deployment.target());
    if (checkout != null) { // null: uploaded files, no commit
      env.put("FERRY_GIT_COMMIT_SHA", checkout.commitSha());
      env.put("VERCEL_GIT_COMMIT_SHA", checkout.commitSha());
    }
    return env;
  }

  private void runStep(String step, String command, Path root, Map<String, String> env, Instant deadline,
      Sandbox.LogSink log, Sandbox.Cancellation cancellation) throws BuildFailure, InterruptedException {
    if (command == null || command.isBlank()) {
      return;
    }
    runStep(step, List.of("sh", "-c", command), root, env, deadline, log, cancellation);
  }

  private void runStep(String step, List<String> argv, Path root, Map<String, String> env, Instant deadline,
      Sandbox.LogSink log, Sandbox.Cancellation cancellation) throws BuildFailure, InterruptedException {
    String command = String.join(" ", argv.subList(argv.get(0).equals("sh") ? 2 : 0, argv.size()));
    Duration remaining = Duration.between(Instant.now(), deadline);
    if (remaining.isNegative() || remaining.isZero()) {
      throw new BuildFailure("Build timed out after " + ProcessSandbox.format(settings.build().timeout())
          + " (the build's time limit); make it faster or ask for a longer FERRY_BUILD_TIMEOUT");
    }
    log.line("system", "Running " + step.toLowerCase() + " command: " + command);
    long start = System.nanoTime();
    // Shell steps get the package-manager shims; argv steps (e.g. esbuild for functions) run as given.
    List<String> effective = argv.get(0).equals("sh") && argv.size() == 3
        ? List.of("sh", "-c", PACKAGE_MANAGER_SHIMS + argv.get(2)) : argv;
    Sandbox.Result result = sandbox.run(new Sandbox.Spec(effective, root, env, remaining,
        settings.build().maxLogBytes()), log, cancellation);
    if (result.canceled()) {
      throw new InterruptedException("canceled");
    }
    if (result.timedOut()) {
      throw new BuildFailure(step + " command timed out after " + ProcessSandbox.format(settings.build().timeout())
          + " (the build's time limit); make it faster or ask for a longer FERRY_BUILD_TIMEOUT");
    }
    if (!result.succeeded()) {
      throw new BuildFailure(step + " command failed with exit code " + result.exitCode() + ": " + command
          + (result.exitCode() == 127 ? " (a program it runs is not installed in the build environment)" : "")
          + (result.logTruncated() ? " (its log was cut at " + settings.build().maxLogBytes() + " bytes)" : ""));
    }
    if (result.logTruncated()) {
      throw new BuildFailure(step + " command printed more than " + BuildCache.megabytes(settings.build().maxLogBytes())
          + " of output, the log limit (FERRY_BUILD_MAX_LOG_BYTES); make it print less, e.g. without verbose or "
          + "debug output");
    }
    log.line("system", step + " finished in " + seconds(start));
  }

  private Optional<String> cacheKey(Path root, String install, Sandbox.LogSink log) {
    try {
      return cache.key(root, install == null ? "" : install);
    } catch (IOException e) {
      log.line("system", "Build cache not used: " + e.getMessage());
      return Optional.empty();
    }
  }

  /** What publishing did, for the log: a redeploy uploads only what the store does not have yet. */
  private static String published(Publisher.PublishResult result, long startNanos) {
    return "Published " + result.fileCount() + " files (" + result.totalBytes() + " bytes; uploaded "
        + result.uploadedBlobs() + " new blobs, " + result.uploadedBytes() + " bytes) in " + seconds(startNanos);
  }

  private static String seconds(long startNanos) {
    return String.format(java.util.Locale.ROOT, "%.1fs", (System.nanoTime() - startNanos) / 1e9);
  }

  /** Project settings override what detection found, field by field. */
  private static String orDetected(String configured, String detected) {
    return configured != null && !configured.isBlank() ? configured : detected;
  }

  private static Path outputDirectory(Path root, String directory) throws BuildFailure {
    Path output = root.resolve(directory).normalize();
    if (!output.startsWith(root) || !Files.isDirectory(output)) {
      throw new BuildFailure("Output directory '" + directory + "' was not found after the build; "
          + "set outputDirectory in the project settings");
    }
    return output;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int newline = message.indexOf('\n');
    return (newline < 0 ? message : message.substring(0, newline)).trim();
  }
}
