package dev.ferry.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.project.Domain;
import dev.ferry.project.Project;
import dev.ferry.project.ProjectDomains;
import dev.ferry.testing.ProjectionTests;
import java.time.Instant;
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
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.UniqueAddress;
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
  private static final RouteTable table = RouteTable.get(kit.system());
  private static final AtomicInteger tests = new AtomicInteger();
  private static final Instant T0 = Instant.parse("2026-11-28T12:00:00Z");
  private static final int HOSTS_SPREAD = 20 * RouteTable.KEY_COUNT;

  private final String prefix = "t" + tests.incrementAndGet() + "-";

  @AfterAll
  static void shutdown() {
    kit.close();
  }

  @Test
  void putMovesAndRemoveDropsAHost() {
    String host = prefix + "blog.localhost";
    assertEquals(Optional.empty(), table.deploymentFor(host));

    table.put(host, "dpl_1", T0);
    kit.awaitAssert(() -> assertEquals(Optional.of("dpl_1"), table.deploymentFor(host)));

    table.put(host, "dpl_2", T0.plusMillis(1));
    kit.awaitAssert(() -> assertEquals(Optional.of("dpl_2"), table.deploymentFor(host)));

    table.remove(host);
    kit.awaitAssert(() -> assertEquals(Optional.empty(), table.deploymentFor(host)));
  }

  @Test
  void warmLoadsEveryPersistedRoute() {
    List<RouteTable.Route> routes = IntStream.range(0, 40)
        .mapToObj(i -> new RouteTable.Route(prefix + "app" + i + ".localhost", "dpl_" + i, T0))
        .toList();

    table.warm(routes);

    kit.awaitAssert(() -> routes.forEach(route ->
        assertEquals(Optional.of(route.deploymentId()), table.deploymentFor(route.host()), route.host())));
  }

  @Test
  void anOlderVersionNeverUndoesANewerOne() {
    // The API pushes a promote (v2) before the routing projection confirms the one before it (v1) from the journal.
    String host = prefix + "shop.localhost";
    table.put(host, "dpl_v2", T0.plusSeconds(2));
    kit.awaitAssert(() -> assertEquals(Optional.of("dpl_v2"), table.deploymentFor(host)));

    table.put(host, "dpl_v1", T0.plusSeconds(1));
    table.warm(List.of(new RouteTable.Route(host, "dpl_v0", T0)));
    // A marker written after both shows that they were handled (the replicator applies updates in order).
    String marker = prefix + "marker.localhost";
    table.put(marker, "dpl_m", T0);
    kit.awaitAssert(() -> assertEquals(Optional.of("dpl_m"), table.deploymentFor(marker)));
    assertEquals(Optional.of("dpl_v2"), table.deploymentFor(host));
    assertEquals("dpl_v2@" + T0.plusSeconds(2).toEpochMilli(), replicated(RouteTable.slot(host)).get(host),
        "the replicated value keeps its version");

    table.put(host, "dpl_v3", T0.plusSeconds(3));
    kit.awaitAssert(() -> assertEquals(Optional.of("dpl_v3"), table.deploymentFor(host)));
  }

  @Test
  void aNewerVersionFromAnotherNodeWinsAndAnOlderOneLosesWhenMerged() {
    // Writes that reach this node through Distributed Data carry their version as the last-writer-wins clock, so the
    // merged value is the newest event's whatever order the writes happened in.
    String host = prefix + "merged.localhost";
    LWWMap<String, String> newer = LWWMap.<String, String>create().put(other(), host,
        "dpl_new@" + T0.plusSeconds(5).toEpochMilli(), (current, value) -> T0.plusSeconds(5).toEpochMilli());
    table.put(host, "dpl_old", T0.plusSeconds(4));
    kit.awaitAssert(() -> assertEquals(Optional.of("dpl_old"), table.deploymentFor(host)));

    replicate(host, map -> map.merge(newer));
    kit.awaitAssert(() -> assertEquals(Optional.of("dpl_new"), table.deploymentFor(host)));
    table.put(host, "dpl_old", T0.plusSeconds(4));
    String marker = prefix + "marker.localhost";
    table.put(marker, "dpl_m", T0);
    kit.awaitAssert(() -> assertEquals(Optional.of("dpl_m"), table.deploymentFor(marker)));
    assertEquals(Optional.of("dpl_new"), table.deploymentFor(host));
  }

  @Test
  void aPromoteIsPushedToTheProductionHostAndTheVerifiedDomainsAtItsVersion() {
    Hosts hosts = new Hosts("localhost", "http", 8080);
    String name = prefix + "shop";
    Domain verified = new Domain(prefix + "shop.example", "token", true, T0, Domain.VERIFIED, T0, null,
        Domain.PENDING, null, null, null, null, 0);
    Domain pending = new Domain(prefix + "pending.example", "token", false, T0, Domain.PENDING, null, null,
        Domain.PENDING, null, null, null, null, 0);
    Project.State promoted = new Project.State("prj_push", Project.Status.ACTIVE, name, "owner", null, 2,
        new Project.ProductionEntry("dpl_b", 2), List.of(), false, T0, T0.plusSeconds(10), null, List.of(),
        List.of(), Map.of(), new ProjectDomains(List.of(verified, pending), null));

    new ProductionPush(table, hosts).push(promoted);

    kit.awaitAssert(() -> {
      assertEquals(Optional.of("dpl_b"), table.deploymentFor(hosts.production(name)));
      assertEquals(Optional.of("dpl_b"), table.deploymentFor(verified.name()));
    });
    assertEquals(Optional.empty(), table.deploymentFor(pending.name()), "only verified domains follow production");
    // The projection's confirmation of the promote before (an older event) arrives late and changes nothing.
    table.put(hosts.production(name), "dpl_a", T0.plusSeconds(9));
    String marker = prefix + "marker.localhost";
    table.put(marker, "dpl_m", T0);
    kit.awaitAssert(() -> assertEquals(Optional.of("dpl_m"), table.deploymentFor(marker)));
    assertEquals(Optional.of("dpl_b"), table.deploymentFor(hosts.production(name)));
  }

  @Test
  void sizeCountsTheHostsOfEveryKey() {
    int before = table.size();
    List<String> hosts = IntStream.range(0, 20).mapToObj(i -> prefix + "site" + i + ".localhost").toList();

    hosts.forEach(host -> table.put(host, "dpl_1", T0));
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
  void manyHostsSpreadOverTheKeys() {
    // Deployment hosts as Ferry hands them out: a few projects, each with many deployments whose ids are random
    // (from a fixed seed here, so the spread is the same on every run).
    Random random = new Random(42);
    Hosts hosts = new Hosts("localhost", "http", 8080);
    List<RouteTable.Route> routes = new ArrayList<>();
    for (int i = 0; i < HOSTS_SPREAD; i++) {
      String deploymentId = randomId(random);
      routes.add(new RouteTable.Route(hosts.deployment(prefix + "project" + (i % 8), deploymentId), deploymentId,
          T0));
    }
    table.warm(routes);
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
      // 20 hosts per key on average: no key is empty and none holds a large share.
      assertTrue(inSlot > 0 && inSlot < 60, () -> "key " + key + " holds " + inSlot + " of " + HOSTS_SPREAD);
      total += inSlot;
    }
    assertEquals(HOSTS_SPREAD, total);
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

  /** Another node's address, as a write replicated from it carries. */
  private static SelfUniqueAddress other() {
    return new SelfUniqueAddress(new UniqueAddress(new Address("pekko", "ferry", "127.0.0.1", 1), 1L));
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
