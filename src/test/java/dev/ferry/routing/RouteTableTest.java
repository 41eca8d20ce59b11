package dev.ferry.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.ProjectionTests;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The replicated host → deployment table on a single-node cluster. The table is one per actor system, so every
 * test uses hosts of its own and waits until the local copy shows its last change before it ends.
 */
class RouteTableTest {

  private static final ProjectionTests kit = ProjectionTests.start(RouteTableTest.class);
  private static final RouteTable table = new RouteTable(kit.system());
  private static final AtomicInteger tests = new AtomicInteger();

  private final String prefix = "t" + tests.incrementAndGet() + "-";

  @AfterAll
  static void shutdown() {
    kit.close();
  }

  @Test
  void putMovesAndRemoveDropsAHost() {
    String host = prefix + "blog.localhost";
    assertEquals(Optional.empty(), table.deploymentFor(host));

    table.put(host, "dpl_1");
    kit.awaitAssert(() -> assertEquals(Optional.of("dpl_1"), table.deploymentFor(host)));

    table.put(host, "dpl_2");
    kit.awaitAssert(() -> assertEquals(Optional.of("dpl_2"), table.deploymentFor(host)));

    table.remove(host);
    kit.awaitAssert(() -> assertEquals(Optional.empty(), table.deploymentFor(host)));
  }

  @Test
  void warmLoadsEveryPersistedRoute() {
    List<RouteTable.Route> routes = IntStream.range(0, 40)
        .mapToObj(i -> new RouteTable.Route(prefix + "app" + i + ".localhost", "dpl_" + i))
        .toList();

    table.warm(routes);

    kit.awaitAssert(() -> routes.forEach(route ->
        assertEquals(Optional.of(route.deploymentId()), table.deploymentFor(route.host()), route.host())));
  }

  @Test
  void sizeCountsTheHostsOfEveryKey() {
    int before = table.size();
    List<String> hosts = IntStream.range(0, 20).mapToObj(i -> prefix + "site" + i + ".localhost").toList();

    hosts.forEach(host -> table.put(host, "dpl_1"));
    kit.awaitAssert(() -> assertEquals(before + 20, table.size()));

    hosts.subList(0, 5).forEach(table::remove);
    kit.awaitAssert(() -> assertEquals(before + 15, table.size()));
  }

  @Test
  void lookupsAnswerFromTheLocalCopyOfTheReplicatedData() {
    // A change that reaches this node through Distributed Data alone (as one written by another node does) is
    // mirrored into the local copy the lookups read.
    String host = prefix + "remote.localhost";
    assertEquals(Optional.empty(), table.deploymentFor(host));

    replicate(host, map -> map.put(self(), host, "dpl_remote"));
    kit.awaitAssert(() -> assertEquals(Optional.of("dpl_remote"), table.deploymentFor(host)));

    replicate(host, map -> map.remove(self(), host));
    kit.awaitAssert(() -> assertEquals(Optional.empty(), table.deploymentFor(host)));
  }

  @Test
  void manyHostsSpreadOverTheSixteenKeys() {
    // Deployment hosts as Ferry hands them out: a few projects, each with many deployments whose ids are random
    // (from a fixed seed here, so the spread is the same on every run).
    Random random = new Random(42);
    Hosts hosts = new Hosts("localhost", "http", 8080);
    List<RouteTable.Route> routes = new ArrayList<>();
    for (int i = 0; i < 320; i++) {
      String deploymentId = randomId(random);
      routes.add(new RouteTable.Route(hosts.deployment(prefix + "project" + (i % 8), deploymentId), deploymentId));
    }
    routes.forEach(route -> table.put(route.host(), route.deploymentId()));
    kit.awaitAssert(() -> routes.forEach(route ->
        assertEquals(Optional.of(route.deploymentId()), table.deploymentFor(route.host()), route.host())));

    Set<String> ours = new HashSet<>(routes.stream().map(RouteTable.Route::host).toList());
    int total = 0;
    for (int slot = 0; slot < RouteTable.KEY_COUNT; slot++) {
      Map<String, String> entries = replicated(slot);
      for (String host : entries.keySet()) {
        assertEquals(slot, RouteTable.slot(host), () -> host + " is stored under the wrong key");
      }
      long inSlot = entries.keySet().stream().filter(ours::contains).count();
      int key = slot;
      // 320 hosts over 16 keys: 20 each on average; no key is empty and none holds a large share.
      assertTrue(inSlot > 0 && inSlot < 60, () -> "key " + key + " holds " + inSlot + " of 320 hosts");
      total += inSlot;
    }
    assertEquals(320, total);
  }

  /** Like {@code Ids.deploymentId()}, from {@code random}. */
  private static String randomId(Random random) {
    String alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
    StringBuilder id = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      id.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return id.toString();
  }

  /** The key RouteTable uses for {@code slot}. */
  private static Key<LWWMap<String, String>> key(int slot) {
    return LWWMapKey.create("routes-" + slot);
  }

  private static SelfUniqueAddress self() {
    return DistributedData.get(kit.system()).selfUniqueAddress();
  }

  private static void replicate(String host,
      java.util.function.Function<LWWMap<String, String>, LWWMap<String, String>> change) {
    TestProbe<Replicator.UpdateResponse<LWWMap<String, String>>> probe = kit.testKit().createTestProbe();
    DistributedData.get(kit.system()).replicator().tell(new Replicator.Update<>(key(RouteTable.slot(host)),
        LWWMap.create(), Replicator.writeLocal(), probe.ref(), change));
    probe.expectMessageClass(Replicator.UpdateSuccess.class);
  }

  private static Map<String, String> replicated(int slot) {
    TestProbe<Replicator.GetResponse<LWWMap<String, String>>> probe = kit.testKit().createTestProbe();
    DistributedData.get(kit.system()).replicator().tell(
        new Replicator.Get<>(key(slot), Replicator.readLocal(), probe.ref()));
    @SuppressWarnings("unchecked")
    Replicator.GetSuccess<LWWMap<String, String>> success = probe.expectMessageClass(Replicator.GetSuccess.class);
    return success.get(key(slot)).getEntries();
  }
}
