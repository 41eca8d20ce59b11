package dev.ferry.routing;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;

/**
 * The cluster's host → deployment table, replicated to every node through Distributed Data and split over
 * {@link #KEY_COUNT} keys so that no single replicated value grows with the number of hosts. Each node keeps a
 * local copy so the edge resolves a host in O(1) without asking anyone.
 */
public final class RouteTable implements RouteLookup {

  private static final int KEY_BITS = 4;
  static final int KEY_COUNT = 1 << KEY_BITS;
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(3);

  private final ActorSystem<?> system;
  private final SelfUniqueAddress self;
  private final AtomicReferenceArray<Map<String, String>> local = new AtomicReferenceArray<>(KEY_COUNT);

  public RouteTable(ActorSystem<?> system) {
    this.system = system;
    this.self = DistributedData.get(system).selfUniqueAddress();
    for (int i = 0; i < KEY_COUNT; i++) {
      local.set(i, Map.of());
    }
    system.systemActorOf(subscriber(), "route-table-subscriber", Props.empty());
  }

  @Override
  public Optional<String> deploymentFor(String host) {
    return Optional.ofNullable(local.get(slot(host)).get(host));
  }

  public int size() {
    int size = 0;
    for (int i = 0; i < KEY_COUNT; i++) {
      size += local.get(i).size();
    }
    return size;
  }

  public void put(String host, String deploymentId) {
    update(host, map -> map.put(self, host, deploymentId));
  }

  public void remove(String host) {
    update(host, map -> map.remove(self, host));
  }

  /** Loads the persisted routes (the routes table) into the replicated table, one update per key. */
  public void warm(List<Route> routes) {
    Map<Integer, Map<String, String>> bySlot = new HashMap<>();
    for (Route route : routes) {
      bySlot.computeIfAbsent(slot(route.host()), i -> new HashMap<>()).put(route.host(), route.deploymentId());
    }
    bySlot.forEach((slot, entries) -> replicator().tell(new Replicator.Update<>(key(slot), LWWMap.create(),
        Replicator.writeLocal(), system.ignoreRef(), map -> {
          LWWMap<String, String> result = map;
          for (Map.Entry<String, String> entry : entries.entrySet()) {
            result = result.put(self, entry.getKey(), entry.getValue());
          }
          return result;
        })));
  }

  public record Route(String host, String deploymentId) {}

  private void update(String host, java.util.function.Function<LWWMap<String, String>, LWWMap<String, String>> f) {
    // WriteAll pushes the change to every edge at once instead of waiting for gossip.
    replicator().tell(new Replicator.Update<>(key(slot(host)), LWWMap.create(),
        new Replicator.WriteAll(WRITE_TIMEOUT), system.ignoreRef(), f));
  }

  private ActorRef<Replicator.Command> replicator() {
    return DistributedData.get(system).replicator();
  }

  /** Multiplicative hashing: {@code hashCode() mod 16} alone would bunch similar names into one key. */
  static int slot(String host) {
    return (host.hashCode() * 0x9E3779B9) >>> (Integer.SIZE - KEY_BITS);
  }

  private static Key<LWWMap<String, String>> key(int slot) {
    return LWWMapKey.create("routes-" + slot);
  }

  /** Mirrors every key of the replicated table into {@link #local}. */
  private Behavior<KeyChanged> subscriber() {
    return DistributedData.withReplicatorMessageAdapter(
        (ReplicatorMessageAdapter<KeyChanged, LWWMap<String, String>> adapter) -> {
          for (int i = 0; i < KEY_COUNT; i++) {
            adapter.subscribe(key(i), KeyChanged::new);
          }
          return Behaviors.receive(KeyChanged.class)
              .onMessage(KeyChanged.class, message -> {
                if (message.response() instanceof Replicator.Changed<LWWMap<String, String>> changed) {
                  String id = changed.key().id();
                  int slot = Integer.parseInt(id.substring(id.indexOf('-') + 1));
                  local.set(slot, Map.copyOf(changed.get(changed.key()).getEntries()));
                }
                return Behaviors.same();
              })
              .build();
        });
  }

  private record KeyChanged(Replicator.SubscribeResponse<LWWMap<String, String>> response) {}
}
