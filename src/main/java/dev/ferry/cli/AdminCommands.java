package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** admin retention, admin rebuild-read-model: the administrator's operations (FERRY_ADMIN_EMAIL's account). */
final class AdminCommands {

  private AdminCommands() {}

  @Command(name = "admin", description = "Operations for the installation's administrator.",
      subcommands = {Retention.class, RebuildReadModel.class})
  static final class Admin extends CliCommand {
    @Override
    public Integer call() {
      spec.commandLine().usage(err());
      return Cli.EXIT_USAGE;
    }
  }

  @Command(name = "retention", description = {"Run retention now: expire old previews and production deployments",
      "outside the rollback window, then garbage collect unreferenced files."})
  static final class Retention extends CliCommand {
    @Override
    public Integer call() {
      JsonNode report = api().post("/api/v1/admin/retention", Json.object());
      if (json()) {
        printJson(report);
        return Cli.EXIT_OK;
      }
      out().println("Expired " + report.path("expired").size() + " deployments in "
          + report.path("durationMs").asLong() + " ms");
      report.path("expired").forEach(id -> out().println("  " + id.asText()));
      JsonNode gc = report.path("garbageCollection");
      if (gc.isObject()) {
        out().println("Deleted " + gc.path("manifestsDeleted").asLong() + " manifests and "
            + gc.path("blobsDeleted").asLong() + " files (" + gc.path("bytesFreed").asLong() + " bytes); kept "
            + gc.path("blobsKept").asLong() + " files");
      } else {
        out().println("Files were not garbage collected: the node's blob store keeps no inventory");
      }
      return Cli.EXIT_OK;
    }
  }

  @Command(name = "rebuild-read-model", description = {"Drop a read model and replay the journal into it.",
      "NAME: project-views or deployment-views."})
  static final class RebuildReadModel extends CliCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "The read model's projection")
    String name;

    @Override
    public Integer call() {
      JsonNode rebuilt = api().post("/api/v1/admin/read-models/" + Api.encode(name) + "/rebuild", Json.object());
      if (json()) {
        printJson(rebuilt);
        return Cli.EXIT_OK;
      }
      out().println("Rebuilt " + rebuilt.path("projection").asText() + " from " + rebuilt.path("events").asLong()
          + " events in " + rebuilt.path("durationMs").asLong() + " ms");
      return Cli.EXIT_OK;
    }
  }
}
