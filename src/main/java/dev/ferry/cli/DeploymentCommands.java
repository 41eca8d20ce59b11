package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** ls, inspect, logs, promote, rollback. */
final class DeploymentCommands {

  private DeploymentCommands() {}

  @Command(name = "ls", description = "List the deployments of the linked project, newest first.")
  static final class ListDeployments extends CliCommand {
    @Option(names = {"-p", "--project"}, paramLabel = "PROJECT", description = "Default: the linked project")
    String project;

    @Option(names = "--target", paramLabel = "TARGET", description = "production or preview")
    String target;

    @Option(names = "--state", paramLabel = "STATE", description = "QUEUED, BUILDING, READY, ERROR...")
    String state;

    @Option(names = {"-n", "--limit"}, paramLabel = "N", defaultValue = "20", description = "At most N (1-100)")
    int limit;

    @Override
    public Integer call() {
      String name = project(project);
      StringBuilder path = new StringBuilder("/api/v1/projects/" + Api.encode(name) + "/deployments?limit=" + limit);
      if (target != null) {
        path.append("&target=").append(Api.encode(target));
      }
      if (state != null) {
        path.append("&state=").append(Api.encode(state));
      }
      JsonNode page = api().get(path.toString());
      if (json()) {
        printJson(page);
        return Cli.EXIT_OK;
      }
      String production = api().get("/api/v1/projects/" + Api.encode(name)).path("productionDeploymentId").asText("");
      Output.Table table = new Output.Table("ID", "STATE", "TARGET", "CREATED", "URL");
      for (JsonNode deployment : page.path("items")) {
        String id = deployment.path("id").asText();
        table.row(id.equals(production) ? id + " *" : id, deployment.path("state").asText(),
            deployment.path("target").asText(), Output.time(deployment.path("createdAt")),
            deployment.path("url").asText());
      }
      table.print(out());
      if (!production.isEmpty()) {
        out().println("* serves production");
      }
      return Cli.EXIT_OK;
    }
  }

  @Command(name = "inspect", description = "Show one deployment.")
  static final class Inspect extends CliCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The deployment's id")
    String id;

    @Override
    public Integer call() {
      JsonNode deployment = api().get("/api/v1/deployments/" + Api.encode(id));
      if (json()) {
        printJson(deployment);
        return Cli.EXIT_OK;
      }
      describe(deployment).print(out());
      return Cli.EXIT_OK;
    }

    static Output.Table describe(JsonNode deployment) {
      JsonNode source = deployment.path("source");
      String sourceText = source.path("type").asText();
      if (source.path("ref").isTextual()) {
        sourceText += " " + source.path("ref").asText();
      }
      if (source.path("commitSha").isTextual()) {
        String sha = source.path("commitSha").asText();
        sourceText += " @ " + sha.substring(0, Math.min(7, sha.length()));
        if (source.path("commitMessage").isTextual()) {
          sourceText += " " + source.path("commitMessage").asText().lines().findFirst().orElse("");
        }
      }
      if (source.path("prebuilt").asBoolean(false)) {
        sourceText += " (prebuilt)";
      }
      Output.Table table = new Output.Table("id", deployment.path("id").asText());
      table.row("project", deployment.path("projectId").asText());
      table.row("state", deployment.path("state").asText());
      table.row("target", deployment.path("target").asText());
      table.row("source", sourceText);
      table.row("url", deployment.path("url").asText());
      List<String> aliases = ProjectCommands.textList(deployment.path("aliases"));
      if (!aliases.isEmpty()) {
        table.row("aliases", String.join(", ", aliases));
      }
      table.row("framework", Output.text(deployment.path("framework")));
      table.row("created", Output.time(deployment.path("createdAt")));
      if (deployment.has("buildingAt")) {
        table.row("building", Output.time(deployment.path("buildingAt")));
      }
      if (deployment.has("readyAt")) {
        table.row("ready", Output.time(deployment.path("readyAt")));
      }
      if (deployment.has("errorMessage")) {
        table.row("error", deployment.path("errorMessage").asText());
      }
      return table;
    }
  }

  @Command(name = "logs", description = "Print a deployment's build log.")
  static final class Logs extends CliCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The deployment's id")
    String id;

    @Option(names = {"-f", "--follow"}, description = "Keep printing until the build has finished")
    boolean follow;

    @Option(names = "--since", paramLabel = "SEQ", defaultValue = "0", description = "Only lines after SEQ")
    long since;

    @Override
    public Integer call() {
      new LogPrinter(api(), out(), json()).print(id, since, follow);
      return Cli.EXIT_OK;
    }
  }

  @Command(name = "promote", description = "Make a READY deployment production (no rebuild).")
  static final class Promote extends CliCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The deployment's id")
    String id;

    @Override
    public Integer call() {
      JsonNode deployment = api().get("/api/v1/deployments/" + Api.encode(id));
      JsonNode project = api().post("/api/v1/projects/" + Api.encode(deployment.path("projectId").asText())
          + "/promote", Json.object().put("deploymentId", id));
      if (json()) {
        printJson(project);
      } else {
        out().println("Promoted " + id + " to production of " + project.path("name").asText() + ": "
            + project.path("productionUrl").asText());
      }
      return Cli.EXIT_OK;
    }
  }

  @Command(name = "rollback", description = {"Serve an earlier production deployment again (no rebuild).",
      "Without ID: the one before the current production deployment."})
  static final class Rollback extends CliCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "A READY production deployment")
    String id;

    @Option(names = {"-p", "--project"}, paramLabel = "PROJECT", description = "Default: the deployment's project, "
        + "else the linked project")
    String project;

    @Override
    public Integer call() {
      ObjectNode body = Json.object();
      String target;
      if (id != null) {
        body.put("deploymentId", id);
        target = project != null ? project
            : api().get("/api/v1/deployments/" + Api.encode(id)).path("projectId").asText();
      } else {
        target = project(project);
      }
      JsonNode result = api().post("/api/v1/projects/" + Api.encode(target) + "/rollback", body);
      if (json()) {
        printJson(result);
      } else {
        out().println("Rolled " + result.path("name").asText() + " back to "
            + result.path("productionDeploymentId").asText() + ": " + result.path("productionUrl").asText());
      }
      return Cli.EXIT_OK;
    }
  }
}
