package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** projects, link, env, audit. */
final class ProjectCommands {

  private ProjectCommands() {}

  @Command(name = "projects", description = "List, create and delete projects.",
      subcommands = {ProjectsList.class, ProjectsAdd.class, ProjectsRemove.class})
  static final class Projects extends CliCommand {
    @Override
    public Integer call() {
      spec.commandLine().usage(err());
      return Cli.EXIT_USAGE;
    }
  }

  @Command(name = "ls", description = "List your projects.")
  static final class ProjectsList extends CliCommand {
    @Override
    public Integer call() {
      ArrayNode projects = api().list("/api/v1/projects?limit=100");
      if (json()) {
        printJson(listEnvelope(projects));
        return Cli.EXIT_OK;
      }
      Output.Table table = new Output.Table("NAME", "PRODUCTION", "GIT", "CREATED");
      for (JsonNode project : projects) {
        table.row(project.path("name").asText(), Output.text(project.path("productionUrl")),
            Output.text(project.path("gitRepoUrl")), Output.time(project.path("createdAt")));
      }
      table.print(out());
      return Cli.EXIT_OK;
    }
  }

  @Command(name = "add", description = "Create a project (deploy it from Git, or from a folder with `ferry deploy`).")
  static final class ProjectsAdd extends CliCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "A DNS label: lower-case letters, digits and '-'")
    String name;

    @Option(names = "--git", paramLabel = "URL", description = "The Git repository (https://)")
    String git;

    @Option(names = "--branch", paramLabel = "BRANCH", description = "The production branch (default: main)")
    String branch;

    @Option(names = "--root-directory", paramLabel = "DIR", description = "Where the app is in the repository")
    String rootDirectory;

    @Option(names = "--framework", paramLabel = "SLUG", description = "Override framework detection")
    String framework;

    @Option(names = "--install-command", paramLabel = "CMD", description = "Override the install command")
    String installCommand;

    @Option(names = "--build-command", paramLabel = "CMD", description = "Override the build command")
    String buildCommand;

    @Option(names = "--output-directory", paramLabel = "DIR", description = "Override the output directory")
    String outputDirectory;

    @Override
    public Integer call() {
      ObjectNode body = Json.object().put("name", name);
      putIfSet(body, "gitRepoUrl", git);
      putIfSet(body, "gitBranch", branch);
      putIfSet(body, "rootDirectory", rootDirectory);
      putIfSet(body, "framework", framework);
      putIfSet(body, "installCommand", installCommand);
      putIfSet(body, "buildCommand", buildCommand);
      putIfSet(body, "outputDirectory", outputDirectory);
      JsonNode project = api().post("/api/v1/projects", body);
      if (json()) {
        printJson(project);
      } else {
        out().println("Created project " + project.path("name").asText() + " (" + project.path("id").asText()
            + ").");
      }
      return Cli.EXIT_OK;
    }

    private static void putIfSet(ObjectNode body, String field, String value) {
      if (value != null) {
        body.put(field, value);
      }
    }
  }

  @Command(name = "rm", description = "Delete a project and stop serving it.")
  static final class ProjectsRemove extends CliCommand {
    @Parameters(index = "0", paramLabel = "PROJECT", description = "The project's name or id")
    String project;

    @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation")
    boolean yes;

    @Override
    public Integer call() {
      if (!yes) {
        if (env().console() == null) {
          throw CliException.usage("Deleting a project needs --yes when not attached to a terminal");
        }
        String typed = env().console().readLine("Delete project %s and stop serving it? Type its name: ", project);
        if (typed == null || !typed.strip().equals(project)) {
          err().println("Not deleted.");
          return Cli.EXIT_ERROR;
        }
      }
      api().delete("/api/v1/projects/" + Api.encode(project));
      if (json()) {
        printJson(Json.object().put("project", project).put("deleted", true));
      } else {
        out().println("Deleted project " + project + ".");
      }
      return Cli.EXIT_OK;
    }
  }

  @Command(name = "link", description = "Link the current folder to a project (writes .ferry/project.json).")
  static final class Link extends CliCommand {
    @Parameters(index = "0", paramLabel = "PROJECT", description = "The project's name or id")
    String project;

    @Override
    public Integer call() {
      JsonNode found = api().get("/api/v1/projects/" + Api.encode(project));
      ProjectLink link = new ProjectLink(found.path("id").asText(), found.path("name").asText());
      Path file = link.write(workingDirectory());
      if (json()) {
        printJson(Json.MAPPER.valueToTree(link));
      } else {
        out().println("Linked " + workingDirectory() + " to project " + link.projectName() + " (" + file + ").");
      }
      return Cli.EXIT_OK;
    }
  }

  @Command(name = "env", description = "List, add and remove a project's environment variables.",
      subcommands = {EnvList.class, EnvAdd.class, EnvRemove.class})
  static final class Env extends CliCommand {
    @Override
    public Integer call() {
      spec.commandLine().usage(err());
      return Cli.EXIT_USAGE;
    }
  }

  @Command(name = "ls", description = "List the environment variables (values are not shown).")
  static final class EnvList extends CliCommand {
    @Option(names = {"-p", "--project"}, paramLabel = "PROJECT", description = "Default: the linked project")
    String project;

    @Override
    public Integer call() {
      ArrayNode variables = api().list("/api/v1/projects/" + Api.encode(project(project)) + "/env?limit=100");
      if (json()) {
        printJson(listEnvelope(variables));
        return Cli.EXIT_OK;
      }
      Output.Table table = new Output.Table("KEY", "TARGETS", "TYPE", "BUILD", "ID");
      for (JsonNode variable : variables) {
        List<String> targets = new ArrayList<>();
        variable.path("targets").forEach(target -> targets.add(target.asText()));
        table.row(variable.path("key").asText(), String.join(",", targets), variable.path("type").asText(),
            variable.path("buildTime").asBoolean() ? "yes" : "no", variable.path("id").asText());
      }
      table.print(out());
      return Cli.EXIT_OK;
    }
  }

  @Command(name = "add", description = {"Add an environment variable.",
      "Without VALUE it is read from standard input, or asked for on a terminal (without echo for --secret)."})
  static final class EnvAdd extends CliCommand {
    @Parameters(index = "0", paramLabel = "KEY", description = "The variable's name")
    String key;

    @Parameters(index = "1", arity = "0..1", paramLabel = "VALUE", description = "The value ('-': standard input)")
    String value;

    @Option(names = {"-t", "--target"}, paramLabel = "TARGET", split = ",",
        description = "production, preview, development (repeatable; default: all three)")
    List<String> targets;

    @Option(names = "--secret", description = "A secret: never shown again, masked in build logs")
    boolean secret;

    @Option(names = "--no-build-time", negatable = false,
        description = "Not available to the build (runtime only)")
    boolean noBuildTime;

    @Option(names = {"-p", "--project"}, paramLabel = "PROJECT", description = "Default: the linked project")
    String project;

    @Override
    public Integer call() {
      String resolved = value;
      if (resolved == null || resolved.equals("-")) {
        resolved = env().console() != null && resolved == null
            ? (secret ? promptSecret("Value of " + key + ": ", "VALUE") : prompt("Value of " + key + ": ", "VALUE"))
            : readStdin();
      }
      ObjectNode body = Json.object().put("key", key).put("value", resolved)
          .put("type", secret ? "secret" : "plain").put("buildTime", !noBuildTime);
      ArrayNode targetArray = body.putArray("targets");
      (targets == null || targets.isEmpty() ? List.of("production", "preview", "development") : targets)
          .forEach(targetArray::add);
      JsonNode created = api().post("/api/v1/projects/" + Api.encode(project(project)) + "/env", body);
      if (json()) {
        printJson(created);
      } else {
        out().println("Added " + key + " (" + created.path("type").asText() + ") for "
            + String.join(", ", textList(created.path("targets"))) + ".");
      }
      return Cli.EXIT_OK;
    }
  }

  @Command(name = "rm", description = "Remove an environment variable, by key (every target, or --target) or id.")
  static final class EnvRemove extends CliCommand {
    @Parameters(index = "0", paramLabel = "KEY|ID", description = "The variable's key or id")
    String keyOrId;

    @Option(names = {"-t", "--target"}, paramLabel = "TARGET",
        description = "Only the variable of this key that applies to this target")
    String target;

    @Option(names = {"-p", "--project"}, paramLabel = "PROJECT", description = "Default: the linked project")
    String project;

    @Override
    public Integer call() {
      String base = "/api/v1/projects/" + Api.encode(project(project)) + "/env";
      List<JsonNode> matching = new ArrayList<>();
      for (JsonNode variable : api().list(base + "?limit=100")) {
        boolean named = variable.path("id").asText().equals(keyOrId) || variable.path("key").asText().equals(keyOrId);
        if (named && (target == null || textList(variable.path("targets")).contains(target))) {
          matching.add(variable);
        }
      }
      if (matching.isEmpty()) {
        throw CliException.error("No environment variable " + keyOrId + (target == null ? "" : " for " + target));
      }
      ArrayNode removed = Json.MAPPER.createArrayNode();
      for (JsonNode variable : matching) {
        api().delete(base + "/" + Api.encode(variable.path("id").asText()));
        removed.add(variable);
      }
      if (json()) {
        printJson(listEnvelope(removed));
      } else {
        for (JsonNode variable : removed) {
          out().println("Removed " + variable.path("key").asText() + " ("
              + String.join(", ", textList(variable.path("targets"))) + ").");
        }
      }
      return Cli.EXIT_OK;
    }
  }

  @Command(name = "audit", description = "Show a project's audit trail: who changed what, when (or one deployment's).")
  static final class Audit extends CliCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "PROJECT", description = "Default: the linked project")
    String project;

    @Option(names = {"-d", "--deployment"}, paramLabel = "ID", description = "One deployment's events instead")
    String deployment;

    @Override
    public Integer call() {
      String path = deployment != null
          ? "/api/v1/deployments/" + Api.encode(deployment) + "/events"
          : "/api/v1/projects/" + Api.encode(project(project)) + "/events";
      ArrayNode events = Json.MAPPER.createArrayNode();
      String from = null;
      do {
        JsonNode page = api().get(path + "?limit=100" + (from == null ? "" : "&fromSeq=" + Api.encode(from)));
        page.path("items").forEach(events::add);
        from = page.path("next").isNull() || page.path("next").isMissingNode() ? null : page.path("next").asText();
      } while (from != null);
      if (json()) {
        printJson(listEnvelope(events));
        return Cli.EXIT_OK;
      }
      Output.Table table = new Output.Table("SEQ", "AT", "EVENT", "BY");
      for (JsonNode event : events) {
        JsonNode actor = event.path("actor");
        String by = actor.isObject()
            ? actor.path("kind").asText("?").toLowerCase() + (actor.path("id").isTextual() ? " " + actor.path("id").asText() : "")
            : Output.text(actor);
        table.row(event.path("seq").asText(), Output.time(event.path("at")), event.path("type").asText(), by);
      }
      table.print(out());
      return Cli.EXIT_OK;
    }
  }

  static List<String> textList(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(value -> values.add(value.asText()));
    return values;
  }
}
