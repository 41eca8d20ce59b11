package dev.ferry.cli;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * What {@code ferry login} keeps: the API it logged in to, and an API token created for this machine (never the
 * password, never a refresh token). The file is {@code $XDG_CONFIG_HOME/ferry/config.json} (default
 * {@code ~/.config/ferry/config.json}), readable only by its owner.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CliConfig(String api, String email, String token, String tokenId, String tokenName) {

  public static Path path(CliEnvironment env) {
    String xdg = env.variable("XDG_CONFIG_HOME");
    Path base = xdg != null && Path.of(xdg).isAbsolute() ? Path.of(xdg) : env.home().resolve(".config");
    return base.resolve("ferry").resolve("config.json");
  }

  public static Optional<CliConfig> load(CliEnvironment env) {
    Path path = path(env);
    if (!Files.isRegularFile(path)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Json.MAPPER.readValue(path.toFile(), CliConfig.class));
    } catch (IOException e) {
      throw CliException.error("Cannot read " + path + ": " + e.getMessage() + " (run `ferry logout` to remove it)");
    }
  }

  /** Writes the file with mode 0600 (its directory 0700) before any secret is in it, then moves it in place. */
  public void save(CliEnvironment env) {
    Path path = path(env);
    try {
      Path dir = path.getParent();
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      Path temp = Files.createTempFile(dir, ".config-", ".tmp",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try {
        Files.write(temp, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(this));
        try {
          Files.move(temp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(temp, path, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(temp);
      }
    } catch (IOException e) {
      throw CliException.error("Cannot write " + path + ": " + e.getMessage());
    }
  }

  public static boolean delete(CliEnvironment env) {
    try {
      return Files.deleteIfExists(path(env));
    } catch (IOException e) {
      throw CliException.error("Cannot delete " + path(env) + ": " + e.getMessage());
    }
  }
}
