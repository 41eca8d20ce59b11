package dev.ferry.build;

import dev.ferry.project.EnvVar;
import dev.ferry.project.EnvVarValues;
import dev.ferry.project.Project;
import dev.ferry.project.ProjectCredentials;
import dev.ferry.secrets.LogMasker;
import dev.ferry.secrets.SecretBox;
import dev.ferry.secrets.SecretBoxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a build gets from its project's environment variables and credentials: the decrypted build-time variables of
 * the deployment's target, the Git access token if the project has one, and a masker for the values of every secret
 * variable of the project (all targets, so a secret meant for production is masked in a preview build's log too) and
 * for the access token.
 */
public record BuildVariables(Map<String, String> env, LogMasker masker, Optional<String> gitAccessToken) {

  public static final BuildVariables NONE = new BuildVariables(Map.of(), LogMasker.NONE, Optional.empty());

  public BuildVariables(Map<String, String> env, LogMasker masker) {
    this(env, masker, Optional.empty());
  }

  /** Fails the build when a value does not decrypt; the message names the variable, never its value. */
  public static BuildVariables of(SecretBox secrets, Project.State project, String target) throws BuildFailure {
    Optional<String> token;
    try {
      token = ProjectCredentials.open(secrets, project, Project.GIT_ACCESS_TOKEN);
    } catch (SecretBoxException e) {
      throw new BuildFailure("The project's Git access token cannot be decrypted: " + e.getMessage());
    }
    if (project.envVars().isEmpty()) {
      return token.isEmpty() ? NONE : new BuildVariables(Map.of(), new LogMasker(List.of(token.get())), token);
    }
    Map<String, String> env = new LinkedHashMap<>();
    List<String> secretValues = new ArrayList<>();
    token.ifPresent(secretValues::add);
    EnvVarValues values;
    try {
      values = EnvVarValues.of(secrets, project);
    } catch (SecretBoxException e) {
      throw new BuildFailure("The project's environment variables cannot be decrypted: " + e.getMessage());
    }
    try (values) {
      for (EnvVar envVar : project.envVars()) {
        boolean injected = envVar.buildTime() && envVar.appliesTo(target);
        if (!injected && !envVar.isSecret()) {
          continue;
        }
        String value;
        try {
          value = values.open(envVar);
        } catch (SecretBoxException e) {
          throw new BuildFailure("Environment variable " + envVar.key() + " cannot be decrypted: " + e.getMessage());
        }
        if (injected) {
          env.put(envVar.key(), value);
        }
        if (envVar.isSecret()) {
          secretValues.add(value);
        }
      }
    }
    return new BuildVariables(Map.copyOf(env), new LogMasker(secretValues), token);
  }
}
