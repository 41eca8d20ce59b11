package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.PrintStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** domains ls|add|verify|rm. */
final class DomainCommands {

  private DomainCommands() {}

  @Command(name = "domains", description = "Custom domains of a project: add, verify, list, remove.",
      subcommands = {DomainsList.class, DomainsAdd.class, DomainsVerify.class, DomainsRemove.class})
  static final class Domains extends CliCommand {
    @Override
    public Integer call() {
      spec.commandLine().usage(err());
      return Cli.EXIT_USAGE;
    }
  }

  /** What every domain command shares: the project option and the domains path. */
  abstract static class DomainCommand extends CliCommand {
    @Option(names = {"-p", "--project"}, paramLabel = "PROJECT", description = "Default: the linked project")
    String project;

    String domainsPath() {
      return "/api/v1/projects/" + Api.encode(project(project)) + "/domains";
    }
  }

  /** A command about one domain. */
  abstract static class OneDomainCommand extends DomainCommand {
    @Parameters(index = "0", paramLabel = "DOMAIN", description = "e.g. www.example.com")
    String name;

    String domainPath() {
      return domainsPath() + "/" + Api.encode(name);
    }
  }

  @Command(name = "ls", description = "List the project's domains, their verification and certificates.")
  static final class DomainsList extends DomainCommand {
    @Override
    public Integer call() {
      ArrayNode domains = api().list(domainsPath() + "?limit=100");
      if (json()) {
        printJson(listEnvelope(domains));
        return Cli.EXIT_OK;
      }
      Output.Table table = new Output.Table("DOMAIN", "VERIFIED", "CERTIFICATE", "EXPIRES", "ADDED");
      for (JsonNode domain : domains) {
        table.row(domain.path("name").asText(), domain.path("verificationStatus").asText(),
            domain.path("certificate").path("status").asText(),
            Output.time(domain.path("certificate").path("expiresAt")), Output.time(domain.path("createdAt")));
      }
      table.print(out());
      return Cli.EXIT_OK;
    }
  }

  @Command(name = "add", description = "Add a domain and print the DNS records to set.")
  static final class DomainsAdd extends OneDomainCommand {
    @Override
    public Integer call() {
      JsonNode domain = api().post(domainsPath(), Json.object().put("name", name));
      if (json()) {
        printJson(domain);
      } else {
        out().println("Added " + domain.path("name").asText() + ". Set these DNS records, then run "
            + "`ferry domains verify " + domain.path("name").asText() + "` (Ferry also checks by itself):");
        printRecords(out(), domain);
      }
      return Cli.EXIT_OK;
    }
  }

  @Command(name = "verify", description = "Check the domain's DNS records now.")
  static final class DomainsVerify extends OneDomainCommand {
    @Override
    public Integer call() {
      JsonNode domain = api().post(domainPath() + "/verify", Json.object());
      if (json()) {
        printJson(domain);
        return domain.path("verified").asBoolean() ? Cli.EXIT_OK : Cli.EXIT_ERROR;
      }
      if (domain.path("verified").asBoolean()) {
        out().println(domain.path("name").asText() + " is verified; certificate: "
            + domain.path("certificate").path("status").asText() + ".");
        return Cli.EXIT_OK;
      }
      err().println(domain.path("name").asText() + " is not verified yet: "
          + domain.path("verificationReason").asText("no matching TXT record") + ". Expected:");
      printRecords(err(), domain);
      return Cli.EXIT_ERROR;
    }
  }

  @Command(name = "rm", description = "Remove a domain: Ferry stops serving it and releases the name.")
  static final class DomainsRemove extends OneDomainCommand {
    @Override
    public Integer call() {
      api().delete(domainPath());
      if (json()) {
        printJson(Json.object().put("removed", name));
      } else {
        out().println("Removed " + name + ".");
      }
      return Cli.EXIT_OK;
    }
  }

  private static void printRecords(PrintStream stream, JsonNode domain) {
    Output.Table table = new Output.Table("TYPE", "NAME", "VALUE");
    for (JsonNode record : domain.path("verification")) {
      table.row(record.path("type").asText(), record.path("name").asText(), record.path("value").asText());
    }
    table.print(stream);
  }
}
