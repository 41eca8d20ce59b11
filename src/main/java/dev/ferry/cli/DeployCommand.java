package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry deploy [dir]}: hashes the folder's files, asks for a deployment with the file list, uploads only the
 * files the server does not have yet (its {@code 400 {missing}} answer names them), asks again, follows the build log
 * and prints the deployment's URL. Like {@code vercel}, a deployment is a preview unless {@code --prod} is given.
 */
@Command(name = "deploy", description = {
    "Deploy a folder (default: the current one) to the linked project: a preview, or production with --prod.",
    "Left out: .git, node_modules, .ferry, .vercel (kept with --prebuilt), .DS_Store, .env.local, .env.*.local, "
        + "and the patterns in .ferryignore.",
    "Prints the deployment's URL on stdout; the build log goes to stderr."})
final class DeployCommand extends CliCommand {

  private static final int PARALLEL_UPLOADS = 4;

  @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "The folder to deploy")
  Path directory;

  @Option(names = "--prod", description = "Deploy to production (default: preview)")
  boolean production;

  @Option(names = "--prebuilt", description = {
      "Publish the files as they are, without install or build command: .vercel/output (as `vercel build` "
          + "leaves it) when present, else the folder itself"})
  boolean prebuilt;

  @Option(names = {"-p", "--project"}, paramLabel = "PROJECT", description = "Default: the linked project")
  String project;

  @Option(names = "--no-wait", negatable = false,
      description = "Print the URL once the deployment is queued; do not follow the build")
  boolean noWait;

  @Override
  public Integer call() throws IOException {
    Path root = directory == null ? workingDirectory() : workingDirectory().resolve(directory).normalize();
    String target = project(project, root);
    Api api = api();

    FileScanner.Scan scan = FileScanner.scan(root, prebuilt);
    scan.warnings().forEach(warning -> err().println("Warning: " + warning));
    if (scan.files().isEmpty()) {
      throw CliException.error("Nothing to deploy in " + root);
    }
    String label = project != null ? project
        : ProjectLink.find(root).or(() -> ProjectLink.find(workingDirectory())).map(ProjectLink::projectName)
            .orElse(target);
    err().println("Deploying " + root + " to " + label + " (" + scan.files().size() + " files, "
        + Output.bytes(scan.totalBytes()) + (prebuilt ? ", prebuilt" : "") + ")");

    ObjectNode request = request(scan);
    String path = "/api/v1/projects/" + Api.encode(target) + "/deployments";
    Api.Response response = api.send("POST", path, request);
    if (response.status() == 400 && response.json().has("missing")) {
      upload(api, scan, response.json().path("missing"));
      response = api.send("POST", path, request);
    }
    if (!response.ok()) {
      throw Api.problem(response);
    }
    JsonNode deployment = response.json();
    String id = deployment.path("id").asText();
    err().println("Deployment " + id + " (" + deployment.path("target").asText() + ") is queued: "
        + deployment.path("url").asText());
    if (noWait) {
      print(deployment);
      return Cli.EXIT_OK;
    }

    new LogPrinter(api, err(), false).print(id, 0, true);
    JsonNode finished = api.get("/api/v1/deployments/" + Api.encode(id));
    String state = finished.path("state").asText();
    if (!state.equals("READY")) {
      if (json()) {
        printJson(finished);
      }
      err().println("Deployment " + id + " is " + state
          + (finished.has("errorMessage") ? ": " + finished.path("errorMessage").asText() : ""));
      return Cli.EXIT_DEPLOYMENT_FAILED;
    }
    print(finished);
    return Cli.EXIT_OK;
  }

  private void print(JsonNode deployment) {
    if (json()) {
      printJson(deployment);
    } else {
      out().println(deployment.path("url").asText());
    }
  }

  private ObjectNode request(FileScanner.Scan scan) {
    ObjectNode request = Json.object();
    ArrayNode files = request.putArray("files");
    for (FileScanner.LocalFile file : scan.files()) {
      ObjectNode entry = files.addObject().put("path", file.path()).put("sha256", file.sha256())
          .put("size", file.size());
      if (file.executable()) {
        entry.put("mode", 0755);
      }
    }
    request.put("target", production ? "production" : "preview");
    if (prebuilt) {
      request.put("prebuilt", true);
    }
    return request;
  }

  /** Uploads the files the server asked for, a few at a time, with a progress line on a terminal. */
  private void upload(Api api, FileScanner.Scan scan, JsonNode missing) {
    Map<String, FileScanner.LocalFile> bySha = new LinkedHashMap<>();
    scan.files().forEach(file -> bySha.putIfAbsent(file.sha256(), file));
    List<FileScanner.LocalFile> uploads = new ArrayList<>();
    for (JsonNode sha : missing) {
      FileScanner.LocalFile file = bySha.get(sha.asText());
      if (file == null) {
        throw CliException.error("The server asked for a file that is not part of this deployment: " + sha.asText());
      }
      uploads.add(file);
    }
    long total = uploads.stream().mapToLong(FileScanner.LocalFile::size).sum();
    err().println("Uploading " + uploads.size() + " new file" + (uploads.size() == 1 ? "" : "s") + " ("
        + Output.bytes(total) + "); the server has the other " + (bySha.size() - uploads.size()));
    AtomicLong sent = new AtomicLong();
    AtomicInteger done = new AtomicInteger();
    boolean progress = env().interactive();
    ExecutorService pool = Executors.newFixedThreadPool(PARALLEL_UPLOADS, runnable -> {
      Thread thread = new Thread(runnable, "ferry-upload");
      thread.setDaemon(true);
      return thread;
    });
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (FileScanner.LocalFile file : uploads) {
        futures.add(pool.submit(() -> {
          Api.Response response = api.upload(file.file(), file.sha256());
          if (!response.ok()) {
            if (response.status() == 400) {
              throw CliException.error(file.path() + " changed while deploying; run `ferry deploy` again ("
                  + Api.problem(response).getMessage() + ")");
            }
            throw Api.problem(response);
          }
          long bytes = sent.addAndGet(file.size());
          int count = done.incrementAndGet();
          if (progress) {
            synchronized (this) {
              err().print("\rUploaded " + count + "/" + uploads.size() + " files, " + Output.bytes(bytes) + " / "
                  + Output.bytes(total) + "   ");
              err().flush();
            }
          }
          return null;
        }));
      }
      for (Future<?> future : futures) {
        try {
          future.get();
        } catch (ExecutionException e) {
          if (e.getCause() instanceof RuntimeException runtime) {
            throw runtime;
          }
          throw CliException.error("Upload failed: " + e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw CliException.error("Interrupted");
        }
      }
    } finally {
      pool.shutdownNow();
      if (progress) {
        err().println();
      }
    }
  }
}
