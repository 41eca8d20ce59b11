package dev.ferry.functions;

import dev.ferry.deployment.Deployment;
import dev.ferry.project.EnvVar;
import dev.ferry.project.EnvVarValues;
import dev.ferry.project.Project;
import dev.ferry.secrets.LogMasker;
import dev.ferry.secrets.SecretBox;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * What an instance of a deployment's function runs with: the project's environment variables for the deployment's
 * target (every variable of that target is a runtime variable, as on Vercel), decrypted only now, when an instance
 * starts, and a masker for the values of all of the project's secret variables, for its runtime log.
 */
public final class RuntimeEnvironment {

  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);

  /** The variables of one deployment, and who it is. */
  public record Variables(String target, String projectName, Map<String, String> env, LogMasker masker) {}

  /** Finds the variables of a deployment. */
  @FunctionalInterface
  public interface Source {
    CompletionStage<Variables> variables(String deploymentId);
  }

  private RuntimeEnvironment() {}

  /** Asks the Deployment and Project entities, then decrypts. */
  public static Source of(ActorSystem<?> system, SecretBox secrets) {
    ClusterSharding sharding = ClusterSharding.get(system);
    return deploymentId -> sharding.entityRefFor(Deployment.ENTITY_KEY, deploymentId)
        .<Deployment.State>askWithStatus(Deployment.Get::new, ASK_TIMEOUT)
        .thenCompose(deployment -> sharding.entityRefFor(Project.ENTITY_KEY, deployment.projectId())
            .<Project.State>askWithStatus(Project.Get::new, ASK_TIMEOUT)
            .thenApply(project -> variables(secrets, project, deployment.target(), deployment.projectName())));
  }

  static Variables variables(SecretBox secrets, Project.State project, String target, String projectName) {
    Map<String, String> env = new LinkedHashMap<>();
    List<String> secretValues = new ArrayList<>();
    if (!project.envVars().isEmpty()) {
      try (EnvVarValues values = EnvVarValues.of(secrets, project)) {
        for (EnvVar envVar : project.envVars()) {
          if (!envVar.appliesTo(target) && !envVar.isSecret()) {
            continue;
          }
          String value = values.open(envVar);
          if (envVar.appliesTo(target)) {
            env.put(envVar.key(), value);
          }
          if (envVar.isSecret()) {
            secretValues.add(value);
          }
        }
      }
    }
    return new Variables(target, projectName, Map.copyOf(env), new LogMasker(secretValues));
  }
}
