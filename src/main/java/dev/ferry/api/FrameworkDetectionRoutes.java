package dev.ferry.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.build.BuildFailure;
import dev.ferry.build.FrameworkDetector;
import dev.ferry.build.GitCheckout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.stream.Stream;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code POST /api/v1/framework-detection}: what a build of a repository would detect (framework, install and build
 * command, output directory), before a project exists — the dashboard's preview when importing a repository. It
 * checks out the branch the way a build does (same URL policy, timeout and size limit) into a scratch folder and
 * deletes it again.
 */
public final class FrameworkDetectionRoutes extends AllDirectives {

  private static final Set<String> FIELDS = Set.of("gitRepoUrl", "gitBranch", "rootDirectory");
  /** A preview is not a build: it gets at most a minute, and a node runs at most two at a time. */
  private static final Duration MAX_TIMEOUT = Duration.ofMinutes(1);
  private static final Semaphore RUNNING = new Semaphore(2);

  private final ApiContext context;
  private final RequestSupport support;

  public FrameworkDetectionRoutes(ApiContext context, RequestSupport support) {
    this.context = context;
    this.support = support;
  }

  public Route route() {
    return path("framework-detection", () -> post(() -> support.authenticated(principal ->
        support.jsonBody(body -> support.answer(() -> detect(body))))));
  }

  private CompletionStage<HttpResponse> detect(String text) {
    JsonBody body = JsonBody.parse(text, FIELDS);
    String url = body.required("gitRepoUrl", 2048);
    Optional<String> branch = body.matching("gitBranch", 255, ProjectRoutes.GIT_REF, "Must be a valid branch name");
    Optional<String> root = body.relativePath("rootDirectory");
    body.validate();
    if (!RUNNING.tryAcquire()) {
      throw ApiException.tooManyRequests(Duration.ofSeconds(5));
    }
    return CompletableFuture.supplyAsync(() -> {
      try {
        return Responses.json(200, detect(url, branch.orElse(null), root.orElse(null)));
      } finally {
        RUNNING.release();
      }
    }, context.blocking());
  }

  private ObjectNode detect(String url, String branch, String rootDirectory) {
    Path scratch = scratchDirectory();
    try {
      Duration timeout = context.settings().cloneTimeout().compareTo(MAX_TIMEOUT) < 0
          ? context.settings().cloneTimeout() : MAX_TIMEOUT;
      GitCheckout.Checkout checkout;
      try {
        checkout = GitCheckout.checkout(url, branch, scratch, Optional.empty(), timeout,
            context.settings().maxRepositoryBytes(), context.settings().allowLocalRepositories());
      } catch (GitCheckout.CheckoutException e) {
        throw new ApiException(422, e.getMessage());
      }
      Path root = rootDirectory == null ? scratch : scratch.resolve(rootDirectory).normalize();
      if (!root.startsWith(scratch) || !Files.isDirectory(root)) {
        throw new ApiException(422, "The repository has no folder " + rootDirectory);
      }
      FrameworkDetector.Detection detection = FrameworkDetector.detect(root);
      ObjectNode json = Json.object();
      json.put("framework", detection.framework());
      json.put("installCommand", detection.installCommand());
      json.put("buildCommand", detection.buildCommand());
      json.put("outputDirectory", detection.outputDirectory());
      json.put("commitSha", checkout.commitSha());
      json.put("commitMessage", checkout.commitMessage());
      return json;
    } catch (BuildFailure e) {
      throw new ApiException(422, e.getMessage());
    } finally {
      deleteQuietly(scratch);
    }
  }

  private Path scratchDirectory() {
    try {
      Path parent = Files.createDirectories(context.settings().buildsDir().resolve("detections"));
      return Files.createTempDirectory(parent, "detect-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      // best effort: what is left is a few files in the builds folder, and the answer is already known
    }
  }
}
