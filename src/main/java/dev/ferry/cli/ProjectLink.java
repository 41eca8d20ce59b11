package dev.ferry.cli;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code .ferry/project.json}: the project a directory deploys to, written by {@code ferry link}. Commands look for
 * it in the directory they work on and its parents, as Git looks for {@code .git}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ProjectLink(String projectId, String projectName) {

  public static final String DIRECTORY = ".ferry";
  public static final String FILE = "project.json";

  public static Optional<ProjectLink> find(Path start) {
    for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
      Path file = dir.resolve(DIRECTORY).resolve(FILE);
      if (Files.isRegularFile(file)) {
        try {
          return Optional.of(Json.MAPPER.readValue(file.toFile(), ProjectLink.class));
        } catch (IOException e) {
          throw CliException.error("Cannot read " + file + ": " + e.getMessage());
        }
      }
    }
    return Optional.empty();
  }

  public Path write(Path dir) {
    Path file = dir.resolve(DIRECTORY).resolve(FILE);
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(this));
      return file;
    } catch (IOException e) {
      throw CliException.error("Cannot write " + file + ": " + e.getMessage());
    }
  }
}
