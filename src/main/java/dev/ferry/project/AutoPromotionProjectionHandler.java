package dev.ferry.project;

import dev.ferry.common.Initiator;
import dev.ferry.deployment.Deployment;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.javadsl.Handler;

/**
 * A production deployment that becomes READY becomes production, unless something newer already serves or the
 * project was rolled back (the Project entity decides, so replays are harmless).
 */
public final class AutoPromotionProjectionHandler extends Handler<EventEnvelope<Deployment.Event>> {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final Initiator INITIATOR = Initiator.system("auto-promotion");

  private final ClusterSharding sharding;

  public AutoPromotionProjectionHandler(ActorSystem<?> system) {
    this.sharding = ClusterSharding.get(system);
  }

  @Override
  public CompletionStage<Done> process(EventEnvelope<Deployment.Event> envelope) {
    if (envelope.event() instanceof Deployment.DeploymentReady ready
        && Deployment.PRODUCTION.equals(ready.target())) {
      String deploymentId = dev.ferry.db.Projections.entityId(envelope.persistenceId());
      return sharding.entityRefFor(Project.ENTITY_KEY, ready.projectId())
          .<Done>askWithStatus(replyTo -> new Project.AutoPromote(deploymentId, ready.number(), INITIATOR, replyTo),
              TIMEOUT)
          // A project deleted meanwhile has nothing to promote.
          .exceptionally(failure -> Done.getInstance());
    }
    return CompletableFuture.completedFuture(Done.getInstance());
  }
}
