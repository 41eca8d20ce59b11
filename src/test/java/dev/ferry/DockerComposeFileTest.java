package dev.ferry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import dev.ferry.cluster.ClusterFormation;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * No container engine runs here, so {@code docker/docker-compose.yml} is kept correct by reading it: every
 * {@code FERRY_*} variable it sets must change Ferry's configuration (a misspelt name would be silently ignored by a
 * node), the values must be ones Ferry accepts, and the three nodes must agree on what they share — seed nodes that
 * are the nodes themselves, one database, one bucket that MinIO's setup creates, the same keys.
 */
class DockerComposeFileTest {

  private static final Path COMPOSE = Path.of("docker/docker-compose.yml");
  private static final Path DOCKERFILE = Path.of("docker/Dockerfile");

  private static Map<String, Object> services;
  /** The Ferry nodes' services by name, each with its environment after YAML merge keys. */
  private static Map<String, Map<String, String>> nodes;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void readComposeFile() throws Exception {
    try (InputStream in = Files.newInputStream(COMPOSE)) {
      Map<String, Object> compose = new Yaml().load(in);
      services = (Map<String, Object>) compose.get("services");
    }
    nodes = new LinkedHashMap<>();
    services.forEach((name, service) -> {
      Map<String, Object> definition = (Map<String, Object>) service;
      if ("ferry:latest".equals(definition.get("image"))) {
        Map<String, String> env = new HashMap<>();
        ((Map<String, Object>) definition.get("environment"))
            .forEach((key, value) -> env.put(key, String.valueOf(value)));
        nodes.put(name, env);
      }
    });
  }

  @Test
  void threeFerryNodesBuiltFromTheDockerfile() throws Exception {
    assertEquals(List.of("ferry-1", "ferry-2", "ferry-3"), List.copyOf(nodes.keySet()));
    for (String node : nodes.keySet()) {
      Map<String, Object> build = map(service(node).get("build"));
      assertEquals("docker/Dockerfile", build.get("dockerfile"));
      assertTrue(Files.isRegularFile(COMPOSE.getParent().resolve(String.valueOf(build.get("context")))
          .resolve(String.valueOf(build.get("dockerfile")))));
    }
    String dockerfile = Files.readString(DOCKERFILE);
    assertTrue(dockerfile.contains("COPY target/ferry.jar"), "the image holds the packaged jar");
    assertTrue(dockerfile.contains("CMD [\"server\"]"), "the image starts a node");
  }

  @Test
  void everyFerryVariableIsOneFerryReads() {
    Config application = ConfigFactory.parseResourcesAnySyntax("application");
    String defaults = rendered(application);
    Set<String> variables = new TreeSet<>();
    nodes.values().forEach(env -> env.keySet().stream().filter(k -> k.startsWith("FERRY_")).forEach(variables::add));
    assertTrue(variables.size() > 15, variables.toString());
    for (String variable : variables) {
      // A variable Ferry reads is a substitution in its configuration: setting it must change the resolved values.
      Config overridden = ConfigFactory.parseMap(Map.of(variable, "compose-check-" + variable))
          .withFallback(application);
      assertFalse(defaults.equals(rendered(overridden)), variable + " is not a configuration override Ferry reads");
    }
  }

  @Test
  void eachNodesConfigurationIsValid() {
    for (Map.Entry<String, Map<String, String>> node : nodes.entrySet()) {
      Config config = configuration(node.getValue());
      FerrySettings settings = FerrySettings.from(config);
      assertTrue(settings.dbUrl().startsWith("jdbc:postgresql://postgres:5432/"), node.getKey());
      assertTrue(settings.s3().enabled() && settings.s3().pathStyleAccess(), node.getKey());
      assertEquals(node.getKey(), config.getString("pekko.remote.artery.canonical.hostname"), node.getKey());
      assertEquals(settings.cluster().roles(), config.getStringList("pekko.cluster.roles"));
      Duration grace = Duration.parse("PT" + service(node.getKey()).get("stop_grace_period").toString().toUpperCase());
      assertTrue(grace.compareTo(config.getDuration("ferry.shutdown.drain-deadline").plusSeconds(10)) >= 0,
          node.getKey() + ": the container must be given longer to stop than the drain deadline");
      ClusterFormation.derived(config);
    }
  }

  @Test
  void theNodesAgreeOnSeedsDatabaseBucketAndKeys() {
    for (String shared : List.of("FERRY_SEED_NODES", "FERRY_DB_URL", "FERRY_DB_USER", "FERRY_DB_PASSWORD",
        "FERRY_S3_BUCKET", "FERRY_S3_ENDPOINT", "FERRY_S3_ACCESS_KEY", "FERRY_S3_SECRET_KEY", "FERRY_JWT_KEY",
        "FERRY_MASTER_KEY", "FERRY_BASE_DOMAIN")) {
      assertEquals(1, nodes.values().stream().map(env -> env.get(shared)).distinct().count(), shared);
      assertFalse(nodes.get("ferry-1").get(shared) == null, shared);
    }
    // Every seed is one of the nodes, at that node's own cluster host and port.
    List<String> seeds = FerrySettings.from(configuration(nodes.get("ferry-1"))).cluster().seedNodes();
    assertFalse(seeds.isEmpty());
    for (String seed : seeds) {
      URI address = URI.create(seed);
      Map<String, String> node = nodes.get(address.getHost());
      assertTrue(node != null, seed + " names no Ferry node");
      assertEquals(address.getPort(), configuration(node).getInt("pekko.remote.artery.canonical.port"), seed);
    }
    Set<String> roles = new HashSet<>();
    nodes.values().forEach(env -> roles.addAll(FerrySettings.from(configuration(env)).cluster().roles()));
    assertEquals(Set.of("api", "edge", "build"), roles, "someone serves the API, the edge and builds");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theNodesUseTheComposeFilesPostgresAndMinio() {
    Map<String, String> node = nodes.get("ferry-1");
    Map<String, Object> postgres = map(service("postgres").get("environment"));
    assertTrue(node.get("FERRY_DB_URL").endsWith("/" + postgres.get("POSTGRES_DB")));
    assertEquals(postgres.get("POSTGRES_USER"), node.get("FERRY_DB_USER"));
    assertEquals(postgres.get("POSTGRES_PASSWORD"), node.get("FERRY_DB_PASSWORD"));
    Map<String, Object> minio = map(service("minio").get("environment"));
    assertEquals("http://minio:9000", node.get("FERRY_S3_ENDPOINT"));
    assertEquals(minio.get("MINIO_ROOT_USER"), node.get("FERRY_S3_ACCESS_KEY"));
    assertEquals(minio.get("MINIO_ROOT_PASSWORD"), node.get("FERRY_S3_SECRET_KEY"));
    String makeBucket = String.join(" ", (List<String>) service("minio-bucket").get("entrypoint"));
    assertTrue(makeBucket.contains("mc mb --ignore-existing local/" + node.get("FERRY_S3_BUCKET")), makeBucket);
    for (String dependency : List.of("postgres", "minio-bucket")) {
      assertTrue(map(service("ferry-1").get("depends_on")).containsKey(dependency), dependency);
    }
  }

  @Test
  void everyNodePublishesItsOwnApiAndEdgePorts() {
    Set<String> published = new HashSet<>();
    for (Map.Entry<String, Map<String, String>> node : nodes.entrySet()) {
      FerrySettings settings = FerrySettings.from(configuration(node.getValue()));
      @SuppressWarnings("unchecked")
      List<String> ports = (List<String>) service(node.getKey()).get("ports");
      Set<Integer> containerPorts = new HashSet<>();
      for (String mapping : ports) {
        String[] parts = mapping.split(":");
        assertTrue(published.add(parts[0]), "host port " + parts[0] + " is published twice");
        containerPorts.add(Integer.parseInt(parts[1]));
      }
      assertEquals(Set.of(settings.apiPort(), settings.edgePort()), containerPorts, node.getKey());
    }
  }

  /** The node's configuration as {@link FerryNode#configuration()} makes it with these environment variables set. */
  private static Config configuration(Map<String, String> env) {
    Map<String, String> ferryVariables = new HashMap<>();
    env.forEach((key, value) -> {
      if (key.startsWith("FERRY_")) {
        // Compose fills ${NAME:-default} and ${NAME:?error} from the shell; here each takes a stand-in value.
        ferryVariables.put(key, value.startsWith("${") ? "c2V0LWJ5LWNvbXBvc2Utc2V0LWJ5LWNvbXBvc2UtMzI=" : value);
      }
    });
    return FerryNode.configuration(ConfigFactory.parseMap(ferryVariables)
        .withFallback(ConfigFactory.parseResourcesAnySyntax("application")));
  }

  private static String rendered(Config config) {
    Config resolved = config.resolve();
    return resolved.getConfig("ferry").root().render(ConfigRenderOptions.concise()) + "\n"
        + resolved.getConfig("pekko").root().render(ConfigRenderOptions.concise());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> service(String name) {
    return (Map<String, Object>) services.get(name);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return (Map<String, Object>) value;
  }
}
