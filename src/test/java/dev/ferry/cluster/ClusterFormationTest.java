package dev.ferry.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ferry.FerryNode;
import dev.ferry.it.FerryProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;

class ClusterFormationTest {

  @Test
  void bootstrapEndpointsAreHostAndPortWithTheManagementPortAsDefault() {
    assertEquals(List.of(Map.of("host", "10.0.0.5", "port", 8558), Map.of("host", "ferry-b", "port", 9101)),
        ClusterFormation.endpoints(" 10.0.0.5 , ferry-b:9101,"));
    assertEquals(List.of(), ClusterFormation.endpoints(""));
    for (String bad : List.of("ferry-b:http", ":8558", "ferry-b:0", "ferry-b:70000", "http://ferry-b:8558")) {
      IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
          () -> ClusterFormation.endpoints(bad), bad);
      assertTrue(error.getMessage().contains("FERRY_BOOTSTRAP_ENDPOINTS"), error.getMessage());
    }
  }

  @Test
  void theConfigurationListsTheEndpointsForConfigDiscoveryAndGivesTheDrainItsTime() {
    Config config = FerryNode.configuration(ConfigFactory.parseMap(Map.of(
        "ferry.cluster.bootstrap-endpoints", "ferry-a:8558,ferry-b:8558",
        "ferry.shutdown.drain-deadline", "12 s",
        "pekko.management.cluster.bootstrap.contact-point-discovery.service-name", "my-ferry"))
        .withFallback(ConfigFactory.parseResourcesAnySyntax("application")));
    List<? extends Config> endpoints = config.getConfigList("pekko.discovery.config.services.my-ferry.endpoints");
    assertEquals(List.of("ferry-a", "ferry-b"), endpoints.stream().map(e -> e.getString("host")).toList());
    assertEquals(8558, endpoints.get(0).getInt("port"));
    assertEquals(Duration.ofSeconds(17),
        config.getDuration("pekko.coordinated-shutdown.phases.service-requests-done.timeout"));
    assertEquals("keep-majority", config.getString("pekko.cluster.split-brain-resolver.active-strategy"));
  }

  @Test
  void bootstrapAndSeedNodesExcludeEachOther() {
    Config application = ConfigFactory.parseMap(Map.of("ferry.cluster.bootstrap", true,
        "ferry.cluster.seed-nodes", "pekko://ferry@127.0.0.1:25520"))
        .withFallback(ConfigFactory.parseResourcesAnySyntax("application"));
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> FerryNode.configuration(application));
    assertTrue(error.getMessage().contains("FERRY_SEED_NODES"), error.getMessage());
  }

  /** A real bootstrap: the management endpoint answers, configuration discovery finds it, the node forms a cluster. */
  @Test
  void aNodeFormsTheClusterByBootstrapThroughConfigurationDiscovery() throws Exception {
    int managementPort = FerryProcess.freePort();
    Config config = FerryNode.configuration(ConfigFactory.parseMap(Map.of(
        "ferry.cluster.bootstrap", true,
        "ferry.cluster.bootstrap-endpoints", "127.0.0.1:" + managementPort,
        "pekko.management.http.port", managementPort,
        "pekko.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr", 1,
        "pekko.management.cluster.bootstrap.contact-point-discovery.stable-margin", "1 s",
        "pekko.remote.artery.canonical.port", FerryProcess.freePort()))
        .withFallback(ConfigFactory.parseResourcesAnySyntax("application")));
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "ferry", config);
    try {
      ClusterFormation.join(system, config);
      Cluster cluster = Cluster.get(system);
      Instant deadline = Instant.now().plusSeconds(60);
      while (cluster.selfMember().status() != MemberStatus.up() && Instant.now().isBefore(deadline)) {
        Thread.sleep(100);
      }
      assertEquals(MemberStatus.up(), cluster.selfMember().status(), "formed a cluster of one by bootstrap");
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
