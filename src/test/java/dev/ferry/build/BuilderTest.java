package dev.ferry.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.typesafe.config.ConfigFactory;
import dev.ferry.FerrySettings;
import dev.ferry.deployment.Deployment;
import dev.ferry.project.ProjectSettings;
import dev.ferry.sandbox.ProcessSandbox;
import dev.ferry.sandbox.Sandbox;
import dev.ferry.storage.FileSystemBlobStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build steps on a real Git checkout with the process sandbox: bad input ends in a {@link BuildFailure} whose
 * message says what to fix, and an unchanged lockfile is served from the build cache.
 */
class BuilderTest {

  private static final Sandbox sandbox = ProcessSandbox.detect();

  @TempDir
  Path temp;

  private Path repo;
  private Git git;
  private FileSystemBlobStore blobs;
  private final List<String> log = new ArrayList<>();

  @BeforeEach
  void repository() throws Exception {
    repo = Files.createDirectories(temp.resolve("repo"));
    git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call();
    blobs = new FileSystemBlobStore(temp.resolve("blobs"));
  }

  private Builder builder(String timeout) {
    FerrySettings settings = FerrySettings.from(ConfigFactory.parseMap(Map.of(
            "ferry.data-dir", temp.resolve("data").toString(),
            "ferry.git.allow-local-repositories", "true",
            "ferry.build.timeout", timeout))
        .withFallback(ConfigFactory.load()));
    BuildCache cache = new BuildCache(temp.resolve("data/build-cache"),
        BuildCache.Settings.from(ConfigFactory.load()), sandbox.description());
    return new Builder(settings, blobs, sandbox, cache);
  }

  private void commit(Map<String, String> files) throws Exception {
    for (var file : files.entrySet()) {
      Path path = repo.resolve(file.getKey());
      Files.createDirectories(path.getParent());
      Files.writeString(path, file.getValue());
    }
    git.add().addFilepattern(".").call();
    git.commit().setMessage("files").setSign(false).call();
  }

  private Builder.Outcome build(Builder builder, String id, String buildCommand, String outputDirectory)
      throws Exception {
    ProjectSettings project = new ProjectSettings(repo.toUri().toString(), "main", null, null, null, buildCommand,
        outputDirectory);
    Deployment.State deployment = new Deployment.State(id, Deployment.Status.BUILDING, "prj1", "site", 1, "production",
        Deployment.Source.branch("main"), project, null, "worker", Instant.now().plusSeconds(60), 1, null, null,
        Instant.now(), Instant.now(), null, null);
    Path workDir = Files.createDirectories(temp.resolve("work-" + id));
    return builder.build(deployment, Map.of(), Optional.empty(), workDir, (stream, text) -> log.add(text),
        () -> false, new Builder.Progress() {
          @Override
          public void sourceResolved(GitCheckout.Checkout checkout) {}

          @Override
          public void publishing() {}
        });
  }

  private String failure(String buildCommand, String outputDirectory, String timeout) {
    return assertThrows(BuildFailure.class, () -> build(builder(timeout), "d1", buildCommand, outputDirectory))
        .getMessage();
  }

  @Test
  void aMissingBuildScriptSaysToAddItOrChangeTheCommand() throws Exception {
    commit(Map.of("package.json", "{\"name\": \"site\", \"scripts\": {\"dev\": \"vite\"}}"));

    String message = failure("npm run build", "dist", "1 minute");

    assertEquals("package.json has no \"build\" script for the build command 'npm run build': add it to \"scripts\" "
        + "in package.json or change the project's build command", message);
  }

  @Test
  void anOutputDirectoryTheBuildDidNotMakeSaysWhichSetting() throws Exception {
    commit(Map.of("build.sh", "mkdir -p build && echo hi > build/index.html\n"));

    String message = failure("sh build.sh", "dist", "1 minute");

    assertEquals("Output directory 'dist' was not found after the build; set outputDirectory in the project settings",
        message);
  }

  @Test
  void aBuildThatPrintsTenMebibytesFailsOnTheLogLimit() throws Exception {
    commit(Map.of("build.sh", "mkdir -p dist && echo ok > dist/index.html\n"
        + "yes 'a line of build output that goes on and on' | head -c 10485760\n"));

    String message = failure("sh build.sh", "dist", "1 minute");

    assertTrue(message.startsWith("Build command printed more than 5.2 MB of output, the log limit"), message);
    assertTrue(message.contains("make it print less"), message);
    assertTrue(log.stream().anyMatch(line -> line.startsWith("Log truncated")), "the log says it was cut");
  }

  @Test
  void aBuildThatHangsPastTheTimeLimitIsStopped() throws Exception {
    commit(Map.of("build.sh", "echo working; sleep 600\n"));
    long start = System.nanoTime();

    String message = failure("sh build.sh", "dist", "3 s");

    assertEquals("Build command timed out after 3s (the build's time limit); make it faster or ask for a longer "
        + "FERRY_BUILD_TIMEOUT", message);
    assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 30);
  }

  @Test
  void aBuildCommandThatIsNotInstalledSaysSo() throws Exception {
    commit(Map.of("hugo.toml", "baseURL = '/'\n", "content/_index.md", "# Home\n"));
    assumeFalse(Files.isExecutable(Path.of("/usr/bin/hugo")) || Files.isExecutable(Path.of("/usr/local/bin/hugo")),
        "hugo is installed here; this checks the message a build server without it gives");

    String message = failure(null, null, "1 minute");

    assertEquals("Build command failed with exit code 127: hugo --gc --minify (a program it runs is not installed in "
        + "the build environment)", message);
  }

  @Test
  void aVercelJsonThatIsNotJsonNamesTheFile() throws Exception {
    commit(Map.of("public/index.html", "<h1>hi</h1>", "vercel.json", "{\"cleanUrls\": true,"));

    String message = failure(null, null, "1 minute");

    assertTrue(message.startsWith("Invalid vercel.json: "), message);
  }

  @Test
  void aVercelJsonThatBreaksTheSchemaNamesTheField() throws Exception {
    commit(Map.of("public/index.html", "<h1>hi</h1>", "vercel.json", "{\"redirects\": \"/old -> /new\"}"));

    String message = failure(null, null, "1 minute");

    assertTrue(message.startsWith("Invalid vercel.json: "), message);
    assertTrue(message.contains("redirects"), message);
  }

  @Test
  void anUnchangedLockfileRestoresNodeModulesAndSkipsTheInstall() throws Exception {
    commit(Map.of(
        "package.json", """
            {"name": "site", "version": "1.0.0", "scripts": {"build": "node build.js"},
             "dependencies": {"greeting": "file:./greeting"}}""",
        "greeting/package.json", "{\"name\": \"greeting\", \"version\": \"1.0.0\", \"main\": \"index.js\"}",
        "greeting/index.js", "module.exports = 'Hello from a dependency';\n",
        "build.js", """
            const fs = require('fs');
            fs.mkdirSync('dist', {recursive: true});
            fs.writeFileSync('dist/index.html', '<h1>' + require('greeting') + '</h1>');
            """));
    Process lock = new ProcessBuilder("npm", "install", "--package-lock-only", "--no-audit", "--no-fund")
        .directory(repo.toFile()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    assertEquals(0, lock.waitFor());
    commit(Map.of());
    Builder builder = builder("2 minutes");

    Builder.Outcome first = build(builder, "d1", null, null);
    assertTrue(log.contains("Build cache: none for this lockfile yet"), log.toString());
    assertTrue(log.contains("Running install command: npm ci"), log.toString());
    assertTrue(log.stream().anyMatch(line -> line.startsWith("Install finished in ")), log.toString());
    assertTrue(log.stream().anyMatch(line -> line.startsWith("Build cache saved: [node_modules]")), log.toString());
    log.clear();

    Builder.Outcome second = build(builder, "d2", null, null);

    assertTrue(log.stream().anyMatch(line -> line.startsWith("Build cache: restored node_modules")), log.toString());
    assertTrue(log.contains("Skipping the install command: dependencies restored from the build cache"));
    assertFalse(log.contains("Running install command: npm ci"), log.toString());
    assertTrue(log.stream().anyMatch(line -> line.startsWith("Build finished in ")), log.toString());
    assertEquals(first.fileCount(), second.fileCount());
    assertEquals(1, second.fileCount());
  }
}
