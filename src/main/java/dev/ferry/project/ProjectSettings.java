package dev.ferry.project;

import dev.ferry.common.CborSerializable;

/** Where the source comes from and how it is built; null fields mean "detect" or "none". */
public record ProjectSettings(
    String gitRepoUrl,
    String gitBranch,
    String rootDirectory,
    String framework,
    String installCommand,
    String buildCommand,
    String outputDirectory) implements CborSerializable {

  public static final String DEFAULT_BRANCH = "main";
}
