package dev.ferry;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.ferry.account.AccessTokens;
import dev.ferry.account.Account;
import dev.ferry.api.AdminAccount;
import dev.ferry.api.ApiContext;
import dev.ferry.api.ApiServer;
import dev.ferry.build.BuildDispatchProjectionHandler;
import dev.ferry.build.BuildQueue;
import dev.ferry.build.BuildWorker;
import dev.ferry.build.Builder;
import dev.ferry.claim.Claim;
import dev.ferry.db.Database;
import dev.ferry.db.Projections;
import dev.ferry.db.Sql;
import dev.ferry.deployment.Deployment;
import dev.ferry.edge.EdgeServer;
import dev.ferry.logs.BuildLogStore;
import dev.ferry.metrics.NodeMetrics;
import dev.ferry.project.AutoPromotionProjectionHandler;
import dev.ferry.project.DataKeyRewrapper;
import dev.ferry.project.Project;
import dev.ferry.routing.Hosts;
import dev.ferry.routing.ProductionRoutingProjectionHandler;
import dev.ferry.routing.RouteTable;
import dev.ferry.routing.RoutingProjectionHandler;
import dev.ferry.sandbox.ProcessSandbox;
import dev.ferry.secrets.MasterKeyring;
import dev.ferry.secrets.SecretBox;
import dev.ferry.storage.BlobStore;
import dev.ferry.storage.FileSystemBlobStore;
import dev.ferry.views.DeploymentViewProjectionHandler;
import dev.ferry.views.ProjectViewProjectionHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Ferry node: the actor system and its cluster membership, the entities, the projections, and — by role — the
 * API, the edge and a build worker.
 */
public final class FerryNode implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FerryNode.class);

  private final ActorSystem<Void> system;
  private final FerrySettings settings;
  private final Database database;
  private final ServerBinding api;
  private final ServerBinding edge;

  private FerryNode(ActorSystem<Void> system, FerrySettings settings, Database database, ServerBinding api,
      ServerBinding edge) {
    this.system = system;
    this.settings = settings;
    this.database = database;
    this.api = api;
    this.edge = edge;
  }

  /** The configuration with the embedded default's database URL filled in when none is configured. */
  public static Config configuration() {
    Config config = ConfigFactory.load();
    if (config.getString("ferry.db.url").isBlank()) {
      FerrySettings settings = FerrySettings.from(config);
      config = ConfigFactory.load(ConfigFactory.parseResourcesAnySyntax("application")
          .withValue("ferry.db.url", ConfigValueFactory.fromAnyRef(Database.embeddedUrl(settings.dataDir()))));
    }
    return config;
  }

  public static FerryNode start(Config config) throws Exception {
    FerrySettings settings = FerrySettings.from(config);
    Files.createDirectories(settings.dataDir());
    Database database = Database.open(settings.dbUrl(), settings.dbUser(), settings.dbPassword(), 10);
    database.migrate();

    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "ferry", config);
    Cluster cluster = Cluster.get(system);
    if (config.getStringList("pekko.cluster.seed-nodes").isEmpty()) {
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }

    Account.init(system);
    Project.init(system);
    Deployment.init(system);
    Claim.init(system);

    Hosts hosts = new Hosts(settings.baseDomain(), settings.publicScheme(), settings.publicPort());
    RouteTable routeTable = new RouteTable(system);
    NodeMetrics metrics = new NodeMetrics(database.dataSource());
    metrics.gauge("ferry_route_table_hosts", "Hosts in this node's copy of the route table", routeTable,
        RouteTable::size);
    routeTable.warm(Sql.query(database.dataSource(), "SELECT host, deployment_id FROM routes",
        row -> new RouteTable.Route(row.getString(1), row.getString(2))));

    Projections projections = new Projections(system, database.dataSource());
    projections.exactlyOnce("project-views", Project.ENTITY_KEY.name(), ProjectViewProjectionHandler::new);
    projections.exactlyOnce("deployment-views", Deployment.ENTITY_KEY.name(), DeploymentViewProjectionHandler::new);
    projections.exactlyOnce("deployment-routes", Deployment.ENTITY_KEY.name(),
        () -> new RoutingProjectionHandler(hosts, routeTable));
    projections.exactlyOnce("production-routes", Project.ENTITY_KEY.name(),
        () -> new ProductionRoutingProjectionHandler(hosts, routeTable));
    projections.exactlyOnce("build-dispatch", Deployment.ENTITY_KEY.name(), BuildDispatchProjectionHandler::new);
    projections.atLeastOnce("auto-promotion", Deployment.ENTITY_KEY.name(),
        () -> new AutoPromotionProjectionHandler(system));

    BlobStore blobs = new FileSystemBlobStore(settings.blobDir());
    MasterKeyring keyring = MasterKeyring.loadOrCreate(settings.dataDir(), nonBlank(settings.masterKey()),
        settings.retiredMasterKeys());
    SecretBox secrets = new SecretBox(keyring);
    BuildLogStore logs = new BuildLogStore(database.dataSource());
    var roles = cluster.selfMember().getRoles();

    ServerBinding edge = null;
    if (roles.contains("edge")) {
      edge = await(new EdgeServer(system, routeTable, blobs).start(settings.edgeInterface(), settings.edgePort()));
    }
    ServerBinding api = null;
    if (roles.contains("api")) {
      AccessTokens accessTokens = new AccessTokens(
          AccessTokens.loadOrCreateKey(settings.dataDir(), nonBlank(settings.auth().jwtKey())),
          settings.auth().accessTokenTtl());
      ApiContext context = new ApiContext(system, settings, database.dataSource(), hosts, logs, accessTokens,
          secrets);
      AdminAccount.ensure(context);
      api = await(new ApiServer(context, metrics, blobs).start(settings.apiInterface(), settings.apiPort()));
      CoordinatedShutdown.get(system).addJvmShutdownHook(context::close);
    }
    if (roles.contains("build")) {
      BuildWorker worker = new BuildWorker(system, settings, new BuildQueue(database.dataSource()), logs,
          new Builder(settings, blobs, ProcessSandbox.detect(java.util.List.of(settings.dataDir()))), hosts, secrets,
          cluster.selfMember().address().hostPort() + "/" + UUID.randomUUID().toString().substring(0, 8));
      worker.start();
      CoordinatedShutdown.get(system).addJvmShutdownHook(worker::close);
    }
    new DataKeyRewrapper(system, database.dataSource(), secrets, keyring).startInBackground();
    FerryNode node = new FerryNode(system, settings, database, api, edge);
    log.info("Ferry node started: roles {}, data in {}", roles, settings.dataDir());
    return node;
  }

  private static Optional<String> nonBlank(String value) {
    return Optional.ofNullable(value).filter(v -> !v.isBlank());
  }

  private static ServerBinding await(java.util.concurrent.CompletionStage<ServerBinding> binding) throws Exception {
    return binding.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  public FerrySettings settings() {
    return settings;
  }

  public ActorSystem<Void> system() {
    return system;
  }

  /** Where a person should go: printed once the node is up. */
  public String welcome() {
    StringBuilder text = new StringBuilder("Ferry is running.\n");
    if (api != null) {
      text.append("  API:  http://localhost:").append(api.localAddress().getPort()).append("/api/v1/projects\n");
    }
    if (edge != null) {
      text.append("  Edge: http://<project>.").append(settings.baseDomain()).append(':')
          .append(edge.localAddress().getPort()).append("/\n");
    }
    text.append("  Data: ").append(settings.dataDir());
    return text.toString();
  }

  @Override
  public void close() throws IOException, SQLException {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(Duration.ofSeconds(30).toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("The actor system did not stop in time: {}", e.toString());
    }
    database.close();
  }
}
