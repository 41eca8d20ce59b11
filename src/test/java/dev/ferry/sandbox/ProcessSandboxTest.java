package dev.ferry.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.sandbox.Sandbox.Result;
import dev.ferry.sandbox.Sandbox.Spec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessSandboxTest {

  private static final Sandbox.Cancellation NEVER = () -> false;

  @TempDir Path workDir;

  private static final ProcessSandbox sandbox = ProcessSandbox.detect();

  private Spec spec(List<String> command) {
    return spec(command, Map.of(), Duration.ofSeconds(30), 1_000_000);
  }

  private Spec spec(List<String> command, Map<String, String> env, Duration timeout, long maxLogBytes) {
    return new Spec(command, workDir, env, timeout, maxLogBytes);
  }

  private static List<String> sh(String script) {
    return List.of("sh", "-c", script);
  }

  @Test
  void capturesEachStreamLineByLineInOrder() throws Exception {
    CapturingSink sink = new CapturingSink();

    Result result = sandbox.run(
        spec(sh("i=1; while [ $i -le 300 ]; do echo out$i; echo err$i >&2; i=$((i+1)); done")), sink, NEVER);

    assertEquals(0, result.exitCode());
    assertTrue(result.succeeded());
    assertEquals(numbered("out", 300), sink.texts("stdout"));
    assertEquals(numbered("err", 300), sink.texts("stderr"));
  }

  @Test
  void decodesUtf8AndStripsCarriageReturns() throws Exception {
    CapturingSink sink = new CapturingSink();

    sandbox.run(spec(sh("printf 'héllo → wörld\\r\\nlast line without newline'")), sink, NEVER);

    assertEquals(List.of("héllo → wörld", "last line without newline"), sink.texts("stdout"));
  }

  @Test
  void splitsOverlongLines() throws Exception {
    CapturingSink sink = new CapturingSink();
    int length = LinePump.MAX_LINE_CHARS * 2 + 10;

    sandbox.run(spec(sh("head -c " + length + " /dev/zero | tr '\\0' x")), sink, NEVER);

    List<String> lines = sink.texts("stdout");
    assertEquals(List.of(LinePump.MAX_LINE_CHARS, LinePump.MAX_LINE_CHARS, 10),
        lines.stream().map(String::length).toList());
    assertTrue(lines.stream().allMatch(line -> line.chars().allMatch(c -> c == 'x')));
  }

  @Test
  void reportsExitCodes() throws Exception {
    assertEquals(0, sandbox.run(spec(List.of("true")), new CapturingSink(), NEVER).exitCode());

    Result failed = sandbox.run(spec(sh("exit 3")), new CapturingSink(), NEVER);

    assertEquals(3, failed.exitCode());
    assertFalse(failed.succeeded());
    assertFalse(failed.timedOut());
    assertFalse(failed.canceled());
  }

  @Test
  void scrubsTheEnvironmentDownToWhatTheSpecAllows() throws Exception {
    CapturingSink sink = new CapturingSink();

    sandbox.run(spec(List.of("env"), Map.of("NODE_ENV", "production"), Duration.ofSeconds(30), 100_000), sink, NEVER);

    Map<String, String> env = parseEnv(sink.texts("stdout"));
    // bubblewrap's --chdir sets PWD to the work directory; that reveals nothing of the parent's environment.
    env.remove("PWD");
    assertEquals(Set.of("PATH", "HOME", "LANG", "CI", "NODE_ENV"), env.keySet());
    assertEquals("production", env.get("NODE_ENV"));
    assertEquals("C.UTF-8", env.get("LANG"));
    assertEquals("1", env.get("CI"));
    assertEquals(workDir.resolve(".home").toString(), env.get("HOME"));
    assertTrue(Files.isDirectory(workDir.resolve(".home")));
    assertFalse(env.get("HOME").equals(System.getenv("HOME")), "the host HOME must not leak");
  }

  @Test
  void specEnvironmentOverridesTheDefaults() throws Exception {
    CapturingSink sink = new CapturingSink();

    sandbox.run(spec(List.of("env"), Map.of("LANG", "en_US.UTF-8", "CI", "true"), Duration.ofSeconds(30), 100_000),
        sink, NEVER);

    Map<String, String> env = parseEnv(sink.texts("stdout"));
    assertEquals("en_US.UTF-8", env.get("LANG"));
    assertEquals("true", env.get("CI"));
  }

  @Test
  void runsCommandsRelativeToTheWorkDirectory() throws Exception {
    Path script = workDir.resolve("build.sh");
    Files.writeString(script, "#!/bin/sh\npwd\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    CapturingSink sink = new CapturingSink();

    Result result = sandbox.run(spec(List.of("./build.sh")), sink, NEVER);

    assertEquals(0, result.exitCode());
    assertEquals(List.of(workDir.toString()), sink.texts("stdout"));
  }

  @Test
  void killsACommandThatRunsPastItsTimeout() throws Exception {
    CapturingSink sink = new CapturingSink();
    long start = System.nanoTime();

    Result result = sandbox.run(spec(List.of("sleep", "30"), Map.of(), Duration.ofSeconds(1), 10_000), sink, NEVER);

    assertTrue(result.timedOut());
    assertFalse(result.succeeded());
    assertTrue(elapsed(start).compareTo(Duration.ofSeconds(10)) < 0, "took " + elapsed(start));
    assertEquals(List.of("Command timed out after 1s"), sink.texts("system"));
  }

  @Test
  void killsTheProcessesTheCommandSpawnedOnTimeout() throws Exception {
    CapturingSink sink = new CapturingSink();
    long start = System.nanoTime();

    // A plain process, so that the printed PID is the host's PID (bubblewrap gives the command its own PID space).
    Result result = new ProcessSandbox(false).run(
        spec(sh("sleep 30 & echo $!; wait"), Map.of(), Duration.ofSeconds(1), 10_000), sink, NEVER);

    assertTrue(result.timedOut());
    assertTrue(elapsed(start).compareTo(Duration.ofSeconds(10)) < 0, "took " + elapsed(start));
    long childPid = Long.parseLong(sink.texts("stdout").get(0));
    assertFalse(ProcessHandle.of(childPid).map(ProcessHandle::isAlive).orElse(false), "child still running");
  }

  @Test
  void stopsWhenCanceled() throws Exception {
    AtomicBoolean canceled = new AtomicBoolean();
    CapturingSink sink = new CapturingSink((stream, text) -> {
      if (text.equals("started")) {
        canceled.set(true);
      }
    });
    long start = System.nanoTime();

    Result result = sandbox.run(spec(sh("echo started; sleep 30 & wait")), sink, canceled::get);

    assertTrue(result.canceled());
    assertFalse(result.timedOut());
    assertFalse(result.succeeded());
    assertTrue(elapsed(start).compareTo(Duration.ofSeconds(10)) < 0, "took " + elapsed(start));
    assertEquals(List.of("Command canceled"), sink.texts("system"));
  }

  @Test
  void dropsOutputBeyondTheLogLimitAndSaysSoOnce() throws Exception {
    CapturingSink sink = new CapturingSink();

    Result result = sandbox.run(
        spec(sh("i=0; while [ $i -lt 1000 ]; do echo line$i; echo err$i >&2; i=$((i+1)); done"),
            Map.of(), Duration.ofSeconds(30), 100),
        sink, NEVER);

    assertEquals(0, result.exitCode());
    assertTrue(result.logTruncated());
    List<String> system = sink.texts("system");
    assertEquals(1, system.size());
    assertTrue(system.get(0).contains("truncated"), system.get(0));
    int outputBytes = sink.all().stream()
        .filter(line -> !line.stream().equals("system"))
        .mapToInt(line -> line.text().length() + 1)
        .sum();
    assertTrue(outputBytes <= 100, "delivered " + outputBytes + " bytes");
    assertEquals("system", sink.all().get(sink.all().size() - 1).stream());
  }

  @Test
  void aMissingCommandExitsWith127() throws Exception {
    CapturingSink sink = new CapturingSink();

    Result result = sandbox.run(spec(List.of("ferry-no-such-command")), sink, NEVER);

    assertEquals(127, result.exitCode());
    assertEquals(List.of("Command not found: ferry-no-such-command"), sink.texts("system"));
  }

  @Test
  void anEmptyCommandExitsWith127() throws Exception {
    CapturingSink sink = new CapturingSink();

    assertEquals(127, sandbox.run(spec(List.of()), sink, NEVER).exitCode());
    assertEquals(List.of("No command to run"), sink.texts("system"));
  }

  @Test
  void usesBubblewrapExactlyWhenAskedAndInstalled() throws Exception {
    ProcessSandbox asked = new ProcessSandbox(true);
    ProcessSandbox plain = new ProcessSandbox(false);

    assertEquals(Files.isExecutable(ProcessSandbox.BWRAP), asked.usesBubblewrap());
    assertFalse(plain.usesBubblewrap());
    assertEquals(0, asked.run(spec(List.of("true")), new CapturingSink(), NEVER).exitCode());
    assertEquals(0, plain.run(spec(List.of("true")), new CapturingSink(), NEVER).exitCode());
  }

  @Test
  void bubblewrapHidesFerrysDataDirectoryButNotTheWorkDirectoryInsideIt() throws Exception {
    assumeTrue(sandbox.usesBubblewrap(), "bubblewrap is not usable here (CI installs it)");
    Path dataDir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "ferry-data")
        .toAbsolutePath();
    Files.writeString(dataDir.resolve("master.key"), "top secret");
    Path buildDir = Files.createDirectories(dataDir.resolve("builds/b1"));
    ProcessSandbox hiding = new ProcessSandbox(true, List.of(dataDir));
    CapturingSink sink = new CapturingSink();

    Result result = hiding.run(new Sandbox.Spec(sh("cat " + dataDir + "/master.key; echo built > out.txt"), buildDir,
        Map.of(), Duration.ofSeconds(20), 0), sink, NEVER);

    assertEquals(0, result.exitCode());
    assertFalse(String.join("\n", sink.texts("stdout")).contains("top secret"));
    assertEquals("built\n", Files.readString(buildDir.resolve("out.txt")));
  }

  @Test
  void wrapsTheCommandWithBubblewrapFlagsInAWorkingOrder() {
    List<String> command = ProcessSandbox.bubblewrapCommand(spec(List.of("npm", "run", "build")), List.of());

    String joined = String.join(" ", command);
    String dir = workDir.toString();
    assertEquals("/usr/bin/bwrap", command.get(0));
    assertEquals(List.of("--", "npm", "run", "build"), command.subList(command.size() - 4, command.size()));
    assertTrue(joined.contains("--ro-bind / /"));
    assertTrue(joined.contains("--dev /dev"));
    assertTrue(joined.contains("--proc /proc"));
    assertTrue(joined.contains("--unshare-pid"));
    assertTrue(joined.contains("--die-with-parent"));
    assertTrue(joined.contains("--chdir " + dir));
    assertTrue(joined.indexOf("--tmpfs /tmp") < joined.indexOf("--bind " + dir + " " + dir),
        "the work directory must be bound after /tmp is replaced");
    String hidden = String.join(" ", ProcessSandbox.bubblewrapCommand(spec(List.of("true")), List.of(Path.of("/srv/ferry"))));
    assertTrue(hidden.indexOf("--tmpfs /srv/ferry") < hidden.indexOf("--bind " + dir),
        "hidden paths are covered before the work directory is bound");
  }

  @Test
  void bubblewrapKeepsTheRootReadOnlyAndTheWorkDirectoryWritable() throws Exception {
    assumeTrue(sandbox.usesBubblewrap(), "bubblewrap is not usable here");
    // Not under /tmp: bubblewrap hides the host's /tmp anyway, which would prove nothing about the read-only root.
    Path outside = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "ferry-outside")
        .toAbsolutePath();
    try {
      CapturingSink sink = new CapturingSink();
      Result result = sandbox.run(spec(sh("echo ok > inside.txt && touch " + outside + "/escaped; true")), sink, NEVER);

      assertEquals(0, result.exitCode());
      assertTrue(Files.exists(workDir.resolve("inside.txt")));
      assertFalse(Files.exists(outside.resolve("escaped")));
    } finally {
      Files.deleteIfExists(outside.resolve("escaped"));
      Files.delete(outside);
    }
  }

  @Test
  void formatsDurationsTheWayPeopleWriteThem() {
    assertEquals("15m", ProcessSandbox.format(Duration.ofMinutes(15)));
    assertEquals("2h", ProcessSandbox.format(Duration.ofHours(2)));
    assertEquals("90s", ProcessSandbox.format(Duration.ofSeconds(90)));
    assertEquals("1500ms", ProcessSandbox.format(Duration.ofMillis(1500)));
  }

  private static List<String> numbered(String prefix, int count) {
    return IntStream.rangeClosed(1, count).mapToObj(i -> prefix + i).collect(Collectors.toList());
  }

  private static Map<String, String> parseEnv(List<String> lines) {
    Map<String, String> env = new TreeMap<>();
    for (String line : lines) {
      int eq = line.indexOf('=');
      env.put(line.substring(0, eq), line.substring(eq + 1));
    }
    return env;
  }

  private static Duration elapsed(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }
}
