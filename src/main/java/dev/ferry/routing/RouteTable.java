package dev.ferry.routing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import scala.Option;

/**
 * The cluster's host → deployment table, replicated to every node through Distributed Data and split over
 * {@link #KEY_COUNT} keys so that no single replicated value grows with the number of hosts. Each node keeps a
 * local copy so the edge resolves a host in O(1) without asking anyone. One per actor system ({@link #get}).
 *
 * <p>Every entry carries the version of what it says: the time of the event that pointed the host at the deployment
 * (the {@code updated_at} of its row in the routes table). It is the entry's last-writer-wins clock, and a write of
 * an older version is ignored, so writers that race (the API pushing a promote at once, the routing projection
 * confirming it from the journal, a node warming the table from the routes table) all end at the newest event
 * whatever the order their writes arrive in, and rewriting what is already there changes nothing.
 */
public final class RouteTable implements RouteLookup, Extension {

  private static final int KEY_BITS = 8;
  static final int KEY_COUNT = 1 << KEY_BITS;
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(3);
  /** Between the deployment id and the version in a replicated value: {@code k3x9a2mq7z@1764331200000}. */
  private static final char VERSION_SEPARATOR = '@';

  private static final ExtensionId<RouteTable> ID = new ExtensionId<>() {
    @Override
    public RouteTable createExtension(ActorSystem<?> system) {
      return new RouteTable(system);
    }
  };

  private final ActorSystem<?> system;
  private final SelfUniqueAddress self;
  private final AtomicReferenceArray<Map<String, String>> local = new AtomicReferenceArray<>(KEY_COUNT);

  /** The actor system's route table (the first call starts mirroring the replicated one). */
  public static RouteTable get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  private RouteTable(ActorSystem<?> system) {
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

  /**
   * Points {@code host} at {@code deploymentId} as of {@code version} (the time of the event that says so), unless
   * the table already holds that or a newer version. WriteAll sends it to every node at once instead of waiting for
   * gossip; a node that misses it gets it by gossip.
   */
  public void put(String host, String deploymentId, Instant version) {
    String value = deploymentId + VERSION_SEPARATOR + version.toEpochMilli();
    replicator().tell(new Replicator.Update<>(key(slot(host)), LWWMap.create(),
        new Replicator.WriteAll(WRITE_TIMEOUT), system.ignoreRef(), map -> putIfNewer(map, host, value)));
  }

  public void remove(String host) {
    replicator().tell(new Replicator.Update<>(key(slot(host)), LWWMap.create(),
        new Replicator.WriteAll(WRITE_TIMEOUT), system.ignoreRef(), map -> map.remove(self, host)));
  }

  /**
   * Loads the persisted routes (the routes table) into the replicated table in bulk: one local update per key with
   * all of its routes, spread by gossip. Routes the table already holds at that version are left alone, so a node
   * that joins a running cluster changes nothing.
   */
  public void warm(List<Route> routes) {
    Map<Integer, List<Route>> bySlot = new HashMap<>();
    for (Route route : routes) {
      bySlot.computeIfAbsent(slot(route.host()), i -> new ArrayList<>()).add(route);
    }
    bySlot.forEach((slot, entries) -> replicator().tell(new Replicator.Update<>(key(slot), LWWMap.create(),
        Replicator.writeLocal(), system.ignoreRef(), map -> {
          LWWMap<String, String> result = map;
          for (Route route : entries) {
            result = putIfNewer(result, route.host(),
                route.deploymentId() + VERSION_SEPARATOR + route.version().toEpochMilli());
          }
          return result;
        })));
  }

  /** A row of the routes table: {@code version} is its {@code updated_at}. */
  public record Route(String host, String deploymentId, Instant version) {}

  private LWWMap<String, String> putIfNewer(LWWMap<String, String> map, String host, String value) {
    Option<String> current = map.get(host);
    long version = version(value);
    if (current.isDefined() && (current.get().equals(value) || version(current.get()) > version)) {
      return map;
    }
    return map.put(self, host, value, (currentTimestamp, v) -> version);
  }

  private static long version(String value) {
    int at = value.lastIndexOf(VERSION_SEPARATOR);
    // A value without a version (written before versions existed) is older than any versioned one.
    return at < 0 ? 0 : Long.parseLong(value, at + 1, value.length(), 10);
  }

  private static String deploymentId(String value) {
    int at = value.lastIndexOf(VERSION_SEPARATOR);
    return at < 0 ? value : value.substring(0, at);
  }

  private ActorRef<Replicator.Command> replicator() {
    return DistributedData.get(system).replicator();
  }

  /** Multiplicative hashing: {@code hashCode() mod KEY_COUNT} alone would bunch similar names into one key. */
  static int slot(String host) {
    return (host.hashCode() * 0x9E3779B9) >>> (Integer.SIZE - KEY_BITS);
  }

  private static Key<LWWMap<String, String>> key(int slot) {
    return LWWMapKey.create("routes-" + slot);
  }

  /** Mirrors every key of the replicated table into {@link #local}, without the versions. */
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
                  Map<String, String> entries = changed.get(changed.key()).getEntries();
                  Map<String, String> mirror = new HashMap<>(entries.size() * 2);
                  entries.forEach((host, value) -> mirror.put(host, deploymentId(value)));
                  local.set(slot, Map.copyOf(mirror));
                }
                return Behaviors.same();
              })
              .build();
        });
  }

  private record KeyChanged(Replicator.SubscribeResponse<LWWMap<String, String>> response) {}
}
