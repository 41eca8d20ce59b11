package dev.ferry.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code ferry}: the command line for Ferry's HTTP API, in the same jar as the server
 * ({@code java -jar ferry.jar <command>}, or {@code bin/ferry <command>}).
 *
 * <p>Exit codes: 0 done, 1 the API refused or something else went wrong (the problem's detail is on stderr),
 * 2 the command line is wrong, 3 the deployment failed. Results go to stdout (with {@code --json} the API's JSON);
 * progress, build logs and errors go to stderr.
 */
@Command(name = "ferry", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
    description = "Deploy folders to Ferry, follow builds, and manage projects, environment variables and tokens.",
    subcommands = {
        AccountCommands.Login.class, AccountCommands.Logout.class, AccountCommands.Whoami.class,
        ProjectCommands.Projects.class, ProjectCommands.Link.class,
        DeployCommand.class,
        DeploymentCommands.ListDeployments.class, DeploymentCommands.Inspect.class, DeploymentCommands.Logs.class,
        DeploymentCommands.Promote.class, DeploymentCommands.Rollback.class,
        ProjectCommands.Env.class, AccountCommands.Tokens.class, ProjectCommands.Audit.class,
        AdminCommands.Admin.class,
        DomainCommands.Domains.class,
        CommandLine.HelpCommand.class},
    footer = {"",
        "The API and token come from --api/--token, else FERRY_API/FERRY_TOKEN, else what `ferry login` saved.",
        "Exit codes: 0 ok, 1 API or other error, 2 usage error, 3 deployment failed.",
        "Node commands of the same jar: server (start a Ferry node), rotate-master-key."})
public final class Cli implements Callable<Integer> {

  public static final int EXIT_OK = 0;
  public static final int EXIT_ERROR = 1;
  public static final int EXIT_USAGE = 2;
  public static final int EXIT_DEPLOYMENT_FAILED = 3;
  public static final String DEFAULT_API = "http://localhost:9000";

  @Option(names = "--api", scope = ScopeType.INHERIT, paramLabel = "URL",
      description = "The Ferry API (default: $FERRY_API, else the API you logged in to, else " + DEFAULT_API + ")")
  String api;

  @Option(names = "--token", scope = ScopeType.INHERIT, paramLabel = "TOKEN",
      description = "An API token (default: $FERRY_TOKEN, else the one `ferry login` saved)")
  String token;

  @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print the API's JSON instead of text")
  boolean json;

  @Spec
  CommandSpec spec;

  final CliEnvironment env;

  Cli(CliEnvironment env) {
    this.env = env;
  }

  public static void main(String[] args) {
    System.exit(run(CliEnvironment.system(), args));
  }

  /** Runs one command line and answers its exit code. */
  public static int run(CliEnvironment env, String... args) {
    CommandLine commandLine = commandLine(env);
    int exit = commandLine.execute(args);
    commandLine.getOut().flush();
    commandLine.getErr().flush();
    env.out().flush();
    env.err().flush();
    return exit;
  }

  static CommandLine commandLine(CliEnvironment env) {
    CommandLine commandLine = new CommandLine(new Cli(env));
    addHelpOptions(commandLine);
    commandLine.setOut(new PrintWriter(new OutputStreamWriter(env.out(), StandardCharsets.UTF_8), true));
    commandLine.setErr(new PrintWriter(new OutputStreamWriter(env.err(), StandardCharsets.UTF_8), true));
    commandLine.setExecutionExceptionHandler((failure, line, parsed) -> {
      if (failure instanceof CliException cli) {
        env.err().println("Error: " + cli.getMessage());
        if (cli.exitCode() == EXIT_USAGE) {
          env.err().println("See `" + line.getCommandSpec().qualifiedName() + " --help`.");
        }
        return cli.exitCode();
      }
      env.err().println("Error: " + failure);
      return EXIT_ERROR;
    });
    return commandLine;
  }

  /** -h/--help (and -V/--version) on every subcommand, at every depth. */
  private static void addHelpOptions(CommandLine commandLine) {
    for (CommandLine sub : commandLine.getSubcommands().values()) {
      if (!(sub.getCommand() instanceof CommandLine.HelpCommand)) {
        sub.getCommandSpec().mixinStandardHelpOptions(true);
        addHelpOptions(sub);
      }
    }
  }

  /** Without a command: the usage, as a usage error. */
  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return EXIT_USAGE;
  }

  /** --api, else FERRY_API, else the API of the saved login, else the default; without a trailing slash. */
  String apiUrl() {
    String url = api != null ? api : env.variable("FERRY_API");
    if (url == null) {
      url = CliConfig.load(env).map(CliConfig::api).orElse(DEFAULT_API);
    }
    return trimSlash(url);
  }

  /**
   * --token, else FERRY_TOKEN, else the saved token — only for the API it was saved for, so that pointing the CLI
   * at another server never sends it there.
   */
  String tokenOrNull() {
    if (token != null) {
      return token;
    }
    if (env.variable("FERRY_TOKEN") != null) {
      return env.variable("FERRY_TOKEN");
    }
    String url = apiUrl();
    return CliConfig.load(env)
        .filter(config -> config.api() != null && trimSlash(config.api()).equals(url))
        .map(CliConfig::token)
        .orElse(null);
  }

  /** The API with credentials; without any, the command cannot run. */
  Api api() {
    String credentials = tokenOrNull();
    if (credentials == null) {
      throw CliException.error("Not logged in to " + apiUrl() + ": run `ferry login`, or pass --token or FERRY_TOKEN");
    }
    return new Api(apiUrl(), credentials);
  }

  Api anonymousApi() {
    return new Api(apiUrl(), null);
  }

  static String trimSlash(String url) {
    String trimmed = url.strip();
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    return trimmed;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Cli.class.getPackage().getImplementationVersion();
      return new String[] {"ferry " + (version == null ? "0.1.0-SNAPSHOT" : version)};
    }
  }
}
