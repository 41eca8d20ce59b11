package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** What every command shares: the root's options and environment, the API, output, prompts. */
abstract class CliCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  Cli root() {
    return (Cli) spec.root().userObject();
  }

  CliEnvironment env() {
    return root().env;
  }

  PrintStream out() {
    return env().out();
  }

  PrintStream err() {
    return env().err();
  }

  boolean json() {
    return root().json;
  }

  Api api() {
    return root().api();
  }

  Path workingDirectory() {
    return env().workingDirectory();
  }

  void printJson(JsonNode node) {
    out().println(Json.pretty(node));
  }

  /** A list in the API's envelope, for --json output of lists the CLI gathered page by page. */
  static ObjectNode listEnvelope(ArrayNode items) {
    ObjectNode envelope = Json.object();
    envelope.set("items", items);
    envelope.putNull("next");
    return envelope;
  }

  /** The project named by {@code option}, else the one the working directory is linked to. */
  String project(String option) {
    return project(option, workingDirectory());
  }

  String project(String option, Path directory) {
    if (option != null) {
      return option;
    }
    return ProjectLink.find(directory)
        .or(() -> ProjectLink.find(workingDirectory()))
        .map(link -> link.projectId() != null ? link.projectId() : link.projectName())
        .orElseThrow(() -> CliException.error("No project: run `ferry link <project>` in " + directory
            + ", or pass --project"));
  }

  /** A line typed by the user; without a terminal the option is required. */
  String prompt(String label, String option) {
    if (env().console() == null) {
      throw CliException.usage(option + " is required when not attached to a terminal");
    }
    String line = env().console().readLine("%s", label);
    if (line == null || line.isBlank()) {
      throw CliException.usage("Nothing entered for " + option);
    }
    return line.strip();
  }

  /** A secret typed without echo; without a terminal the option is required. */
  String promptSecret(String label, String option) {
    if (env().console() == null) {
      throw CliException.usage(option + " is required when not attached to a terminal");
    }
    char[] secret = env().console().readPassword("%s", label);
    if (secret == null || secret.length == 0) {
      throw CliException.usage("Nothing entered for " + option);
    }
    return new String(secret);
  }

  /** The first line of standard input, without its line break. */
  String readStdinLine() {
    try {
      BufferedReader reader = new BufferedReader(new InputStreamReader(env().in(), StandardCharsets.UTF_8));
      String line = reader.readLine();
      if (line == null) {
        throw CliException.usage("Standard input is empty");
      }
      return line;
    } catch (IOException e) {
      throw CliException.error("Cannot read standard input: " + e.getMessage());
    }
  }

  /** All of standard input (for values that may span lines), without one trailing line break. */
  String readStdin() {
    try {
      String text = new String(env().in().readAllBytes(), StandardCharsets.UTF_8);
      return text.endsWith("\n") ? text.substring(0, text.length() - (text.endsWith("\r\n") ? 2 : 1)) : text;
    } catch (IOException e) {
      throw CliException.error("Cannot read standard input: " + e.getMessage());
    }
  }
}
