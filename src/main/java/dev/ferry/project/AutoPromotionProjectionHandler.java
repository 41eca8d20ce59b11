package dev.ferry.project;

import dev.ferry.common.Initiator;
import dev.ferry.deployment.Deployment;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;
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
  private final Duration timeout;

  public AutoPromotionProjectionHandler(ActorSystem<?> system) {
    this(system, TIMEOUT);
  }

  AutoPromotionProjectionHandler(ActorSystem<?> system, Duration timeout) {
    this.sharding = ClusterSharding.get(system);
    this.timeout = timeout;
  }

  @Override
  public CompletionStage<Done> process(EventEnvelope<Deployment.Event> envelope) {
    if (envelope.event() instanceof Deployment.DeploymentReady ready
        && Deployment.PRODUCTION.equals(ready.target())) {
      String deploymentId = dev.ferry.db.Projections.entityId(envelope.persistenceId());
      return sharding.entityRefFor(Project.ENTITY_KEY, ready.projectId())
          .<Done>askWithStatus(replyTo -> new Project.AutoPromote(deploymentId, ready.number(), INITIATOR, replyTo),
              timeout)
          .exceptionally(AutoPromotionProjectionHandler::unlessRejected);
    }
    return CompletableFuture.completedFuture(Done.getInstance());
  }

  /**
   * A rejection (no such project) leaves nothing to promote. Any other failure — no answer in time, as while the
   * entity's node goes down — fails the envelope, so the projection retries it instead of losing the promotion.
   */
  private static Done unlessRejected(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    if (cause instanceof StatusReply.ErrorMessage) {
      return Done.getInstance();
    }
    throw failure instanceof CompletionException completion ? completion : new CompletionException(failure);
  }
}
