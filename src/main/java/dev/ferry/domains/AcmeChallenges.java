package dev.ferry.domains;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.UnaryOperator;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;

/**
 * Pending ACME HTTP-01 challenges, token → key authorization, replicated to every node through Distributed Data so
 * that whichever edge the CA reaches on port 80 can answer {@code /.well-known/acme-challenge/<token>}. A token is
 * written to all reachable nodes before the CA is told to validate, and removed once the challenge is done.
 */
public final class AcmeChallenges {

  private static final Key<LWWMap<String, String>> KEY = LWWMapKey.create("acme-challenges");
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(5);

  private final ActorSystem<?> system;
  private final SelfUniqueAddress self;
  private volatile Map<String, String> local = Map.of();

  public AcmeChallenges(ActorSystem<?> system) {
    this.system = system;
    this.self = DistributedData.get(system).selfUniqueAddress();
    system.systemActorOf(subscriber(), "acme-challenge-subscriber", Props.empty());
  }

  /** The key authorization for a token, from this node's copy. */
  public Optional<String> keyAuthorization(String token) {
    return Optional.ofNullable(local.get(token));
  }

  /** Publishes a token; completes once every reachable node has it. */
  public CompletionStage<Done> put(String token, String keyAuthorization) {
    return update(map -> map.put(self, token, keyAuthorization));
  }

  public CompletionStage<Done> remove(String token) {
    return update(map -> map.remove(self, token));
  }

  private CompletionStage<Done> update(UnaryOperator<LWWMap<String, String>> change) {
    return AskPattern.<Replicator.Command, Replicator.UpdateResponse<LWWMap<String, String>>>ask(
            DistributedData.get(system).replicator(),
            replyTo -> new Replicator.Update<>(KEY, LWWMap.create(), new Replicator.WriteAll(WRITE_TIMEOUT), replyTo,
                change::apply),
            WRITE_TIMEOUT.plusSeconds(1), system.scheduler())
        .thenApply(response -> {
          // A timeout means some node did not confirm in time; the local write stands and gossip spreads it.
          if (response instanceof Replicator.UpdateSuccess || response instanceof Replicator.UpdateTimeout) {
            return Done.getInstance();
          }
          throw new IllegalStateException("Could not publish an ACME challenge: " + response);
        });
  }

  private Behavior<Changed> subscriber() {
    return DistributedData.withReplicatorMessageAdapter(
        (ReplicatorMessageAdapter<Changed, LWWMap<String, String>> adapter) -> {
          adapter.subscribe(KEY, Changed::new);
          return Behaviors.receive(Changed.class)
              .onMessage(Changed.class, message -> {
                if (message.response() instanceof Replicator.Changed<LWWMap<String, String>> changed) {
                  local = Map.copyOf(changed.get(KEY).getEntries());
                }
                return Behaviors.same();
              })
              .build();
        });
  }

  private record Changed(Replicator.SubscribeResponse<LWWMap<String, String>> response) {}
}
