package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line itself: parsing, global options, where the API and token come from, exit codes, files. */
class CliArgumentsTest {

  @TempDir
  Path temp;

  private final Map<String, String> variables = new HashMap<>();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private CliEnvironment env() {
    variables.putIfAbsent("HOME", temp.resolve("home").toString());
    return new CliEnvironment(variables, temp.resolve("work"), new ByteArrayInputStream(new byte[0]),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), null);
  }

  /** The command object picocli filled in for the deepest subcommand. */
  private <T> T parse(Class<T> type, String... args) {
    CommandLine.ParseResult result = Cli.commandLine(env()).parseArgs(args);
    while (result.hasSubcommand()) {
      result = result.subcommand();
    }
    return type.cast(result.commandSpec().userObject());
  }

  private Cli rootOf(CliCommand command) {
    return command.root();
  }

  @Test
  void globalOptionsWorkBeforeAndAfterTheCommand() {
    DeploymentCommands.Inspect before = parse(DeploymentCommands.Inspect.class, "--json", "--api", "http://a:1",
        "inspect", "abc");
    assertTrue(rootOf(before).json);
    assertEquals("http://a:1", rootOf(before).apiUrl());
    assertEquals("abc", before.id);

    ProjectCommands.EnvList after = parse(ProjectCommands.EnvList.class, "env", "ls", "--json", "--token", "t",
        "-p", "site");
    assertTrue(rootOf(after).json);
    assertEquals("t", rootOf(after).tokenOrNull());
    assertEquals("site", after.project);
  }

  @Test
  void deployOptions() {
    DeployCommand deploy = parse(DeployCommand.class, "deploy", "public", "--prod", "--prebuilt", "--project", "site");
    assertEquals(Path.of("public"), deploy.directory);
    assertTrue(deploy.production && deploy.prebuilt);
    assertEquals("site", deploy.project);

    DeployCommand plain = parse(DeployCommand.class, "deploy");
    assertNull(plain.directory);
    assertFalse(plain.production || plain.prebuilt || plain.noWait);
  }

  @Test
  void envAddTakesTargetsRepeatedOrCommaSeparated() {
    ProjectCommands.EnvAdd add = parse(ProjectCommands.EnvAdd.class, "env", "add", "API_KEY", "v", "-t",
        "production,preview", "--target", "development", "--secret");
    assertEquals("API_KEY", add.key);
    assertEquals("v", add.value);
    assertEquals(List.of("production", "preview", "development"), add.targets);
    assertTrue(add.secret);
  }

  @Test
  void usageErrorsExitWith2AndSayWhy() {
    assertEquals(Cli.EXIT_USAGE, Cli.run(env(), "frobnicate"));
    assertTrue(err.toString().contains("frobnicate"), err.toString());

    err.reset();
    assertEquals(Cli.EXIT_USAGE, Cli.run(env(), "inspect"));
    assertTrue(err.toString().contains("Missing required parameter"), err.toString());

    err.reset();
    assertEquals(Cli.EXIT_USAGE, Cli.run(env()));
    assertTrue(err.toString().contains("Usage: ferry"), err.toString());

    err.reset();
    assertEquals(Cli.EXIT_USAGE, Cli.run(env(), "ls", "--limit", "many"));
    assertTrue(err.toString().contains("many"), err.toString());
  }

  @Test
  void helpAndVersionExitWith0() {
    assertEquals(Cli.EXIT_OK, Cli.run(env(), "--help"));
    assertTrue(out.toString().contains("deploy"), out.toString());
    out.reset();
    assertEquals(Cli.EXIT_OK, Cli.run(env(), "env", "add", "--help"));
    assertTrue(out.toString().contains("--secret"), out.toString());
    out.reset();
    assertEquals(Cli.EXIT_OK, Cli.run(env(), "--version"));
    assertTrue(out.toString().startsWith("ferry "), out.toString());
  }

  @Test
  void withoutCredentialsCommandsExitWith1AndSayHowToLogIn() {
    assertEquals(Cli.EXIT_ERROR, Cli.run(env(), "whoami"));
    assertTrue(err.toString().contains("ferry login"), err.toString());
  }

  @Test
  void promptsNeedATerminalOtherwiseTheOptionIsRequired() {
    assertEquals(Cli.EXIT_USAGE, Cli.run(env(), "login", "--api", "http://127.0.0.1:9"));
    assertTrue(err.toString().contains("--email is required when not attached to a terminal"), err.toString());
  }

  @Test
  void withoutALinkDeployAndLsNameTheFix() throws Exception {
    Files.createDirectories(temp.resolve("work"));
    variables.put("FERRY_TOKEN", "ferry_pat_x");
    assertEquals(Cli.EXIT_ERROR, Cli.run(env(), "ls"));
    assertTrue(err.toString().contains("ferry link <project>"), err.toString());
  }

  @Test
  void apiComesFromTheOptionThenTheEnvironmentThenTheSavedLoginThenTheDefault() {
    assertEquals(Cli.DEFAULT_API, parse(AccountCommands.Whoami.class, "whoami").root().apiUrl());

    new CliConfig("https://saved.example/", "a@example.com", "ferry_pat_saved", "tok_1", "cli@host").save(env());
    assertEquals("https://saved.example", parse(AccountCommands.Whoami.class, "whoami").root().apiUrl());

    variables.put("FERRY_API", "https://env.example");
    assertEquals("https://env.example", parse(AccountCommands.Whoami.class, "whoami").root().apiUrl());

    assertEquals("https://option.example",
        parse(AccountCommands.Whoami.class, "whoami", "--api", "https://option.example/").root().apiUrl());
  }

  @Test
  void theSavedTokenIsOnlySentToTheApiItWasSavedFor() {
    new CliConfig("https://saved.example", "a@example.com", "ferry_pat_saved", "tok_1", "cli@host").save(env());
    assertEquals("ferry_pat_saved", parse(AccountCommands.Whoami.class, "whoami").root().tokenOrNull());
    assertNull(parse(AccountCommands.Whoami.class, "whoami", "--api", "https://elsewhere.example").root()
        .tokenOrNull());

    variables.put("FERRY_TOKEN", "ferry_pat_env");
    assertEquals("ferry_pat_env", parse(AccountCommands.Whoami.class, "whoami").root().tokenOrNull());
    assertEquals("ferry_pat_option",
        parse(AccountCommands.Whoami.class, "whoami", "--token", "ferry_pat_option").root().tokenOrNull());
  }

  @Test
  void theConfigFileRespectsXdgConfigHomeAndIsReadableOnlyByItsOwner() throws Exception {
    assertEquals(temp.resolve("home/.config/ferry/config.json"), CliConfig.path(env()));
    variables.put("XDG_CONFIG_HOME", temp.resolve("xdg").toString());
    assertEquals(temp.resolve("xdg/ferry/config.json"), CliConfig.path(env()));
    variables.put("XDG_CONFIG_HOME", "relative/is/ignored");
    assertEquals(temp.resolve("home/.config/ferry/config.json"), CliConfig.path(env()));
    variables.put("XDG_CONFIG_HOME", temp.resolve("xdg").toString());

    CliConfig config = new CliConfig("http://localhost:9000", "a@example.com", "ferry_pat_secret", "tok_1", "cli@h");
    config.save(env());
    Path file = CliConfig.path(env());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
    assertEquals(config, CliConfig.load(env()).orElseThrow());

    assertTrue(CliConfig.delete(env()));
    assertTrue(CliConfig.load(env()).isEmpty());
  }

  @Test
  void aProjectLinkIsFoundFromSubfolders() {
    Path project = temp.resolve("site");
    new ProjectLink("prj_1", "site").write(project);
    assertEquals(new ProjectLink("prj_1", "site"), ProjectLink.find(project.resolve("src/pages")).orElseThrow());
    assertTrue(ProjectLink.find(temp.resolve("elsewhere")).isEmpty());
  }

  @Test
  void problemsBecomeTheirDetailWithFieldErrors() {
    Api.Response response = new Api.Response(400, """
        {"type": "x", "title": "Bad Request", "status": 400, "detail": "The request has invalid fields",
         "errors": [{"field": "name", "message": "Must be a DNS label"}]}""");
    CliException error = Api.problem(response);
    assertEquals("The request has invalid fields\n  name: Must be a DNS label", error.getMessage());
    assertEquals(Cli.EXIT_ERROR, error.exitCode());

    assertTrue(Api.problem(new Api.Response(401, "{\"detail\": \"Invalid API token\"}")).getMessage()
        .contains("ferry login"));
    assertEquals("HTTP 502: Bad gateway", Api.problem(new Api.Response(502, "Bad gateway")).getMessage());
  }

  @Test
  void sizesAndTables() {
    assertEquals("999 B", Output.bytes(999));
    assertEquals("1.5 kB", Output.bytes(1500));
    assertEquals("104.9 MB", Output.bytes(100L << 20));
    ByteArrayOutputStream table = new ByteArrayOutputStream();
    new Output.Table("ID", "STATE").row("abc", "READY").row("a", null).print(new PrintStream(table, true));
    assertEquals("ID   STATE\nabc  READY\na    -\n", table.toString());
  }

  @Test
  void unreachableApiIsAnErrorNamingTheAddress() {
    variables.put("FERRY_TOKEN", "ferry_pat_x");
    assertEquals(Cli.EXIT_ERROR, Cli.run(env(), "whoami", "--api", "http://127.0.0.1:9"));
    assertTrue(err.toString().contains("Cannot reach the Ferry API at http://127.0.0.1:9"), err.toString());
    assertThrows(CliException.class, () -> new Api("http://127.0.0.1:9", null).get("/x"));
  }
}
