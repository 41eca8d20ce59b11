package dev.ferry;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.ferry.account.AccessTokens;
import dev.ferry.account.Account;
import dev.ferry.api.AdminAccount;
import dev.ferry.api.AdminRoutes;
import dev.ferry.api.ApiContext;
import dev.ferry.api.ApiServer;
import dev.ferry.build.BuildCache;
import dev.ferry.build.BuildDispatchProjectionHandler;
import dev.ferry.build.BuildQueue;
import dev.ferry.build.BuildWorker;
import dev.ferry.build.Builder;
import dev.ferry.claim.Claim;
import dev.ferry.cluster.ClusterFormation;
import dev.ferry.cluster.GracefulShutdown;
import dev.ferry.db.Database;
import dev.ferry.db.Projections;
import dev.ferry.db.Sql;
import dev.ferry.deployment.Deployment;
import dev.ferry.domains.Domains;
import dev.ferry.edge.EdgeServer;
import dev.ferry.edge.tls.CertificateStore;
import dev.ferry.edge.tls.DevelopmentCertificate;
import dev.ferry.edge.tls.EdgeTls;
import dev.ferry.edge.tls.LocalCertificateStore;
import dev.ferry.functions.FunctionRuntime;
import dev.ferry.health.NodeHealth;
import dev.ferry.logs.BuildLogStore;
import dev.ferry.metrics.NodeMetrics;
import dev.ferry.project.AutoPromotionProjectionHandler;
import dev.ferry.project.DataKeyRewrapper;
import dev.ferry.project.Project;
import dev.ferry.retention.BlobCollector;
import dev.ferry.retention.Retention;
import dev.ferry.retention.RetentionScheduler;
import dev.ferry.retention.RetentionSettings;
import dev.ferry.routing.Hosts;
import dev.ferry.routing.ProductionRoutingProjectionHandler;
import dev.ferry.routing.RouteTable;
import dev.ferry.routing.RoutingProjectionHandler;
import dev.ferry.sandbox.Sandbox;
import dev.ferry.sandbox.Sandboxes;
import dev.ferry.secrets.MasterKeyring;
import dev.ferry.secrets.SecretBox;
import dev.ferry.storage.BlobStore;
import dev.ferry.storage.CachingBlobStore;
import dev.ferry.storage.FileSystemBlobStore;
import dev.ferry.storage.S3BlobStore;
import dev.ferry.views.DeploymentViewProjectionHandler;
import dev.ferry.views.ReadModelRebuild;
import dev.ferry.views.ProjectViewProjectionHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import dev.ferry.common.Listener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Ferry node: the actor system and its cluster membership, the entities, the projections, and — by role — the
 * API, the edge and a build worker.
 */
public final class FerryNode implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FerryNode.class);
  /** pekko-persistence-jdbc's database, shared by the journal, the snapshots and the read journal. */
  private static final String SHARED_DATABASE = "pekko-persistence-jdbc.shared-databases.ferry";

  private final ActorSystem<Void> system;
  private final FerrySettings settings;
  private final Database database;
  private final Listener api;
  private final Listener edge;
  private final Listener edgeTls;
  private final Listener healthOnly;

  private FerryNode(ActorSystem<Void> system, FerrySettings settings, Database database, Listener api,
      Listener edge, Listener edgeTls, Listener healthOnly) {
    this.system = system;
    this.settings = settings;
    this.database = database;
    this.api = api;
    this.edge = edge;
    this.edgeTls = edgeTls;
    this.healthOnly = healthOnly;
  }

  /**
   * The node's configuration: {@code application.conf} and the environment, with what follows from them filled in —
   * the embedded default's H2 URL when no database is configured, the Slick profile, JDBC driver and projection
   * dialect of the database the URL names, and the cluster roles and seed nodes from {@code FERRY_ROLES} and
   * {@code FERRY_SEED_NODES}.
   */
  public static Config configuration() {
    return configuration(ConfigFactory.parseResourcesAnySyntax("application"));
  }

  /** {@link #configuration()} for an unresolved {@code application} configuration. */
  public static Config configuration(Config application) {
    FerrySettings settings = FerrySettings.from(ConfigFactory.load(application));
    String url = settings.dbUrl().isBlank() ? Database.embeddedUrl(settings.dataDir()) : settings.dbUrl().trim();
    Database.Vendor vendor = Database.Vendor.of(url);
    Config derived = ConfigFactory.empty()
        .withValue("ferry.db.url", ConfigValueFactory.fromAnyRef(url))
        .withValue(SHARED_DATABASE + ".profile", ConfigValueFactory.fromAnyRef(vendor.slickProfile()))
        .withValue(SHARED_DATABASE + ".db.driver", ConfigValueFactory.fromAnyRef(vendor.driver()))
        .withValue("pekko.projection.jdbc.dialect", ConfigValueFactory.fromAnyRef(vendor.projectionDialect()));
    if (!settings.cluster().roles().isEmpty()) {
      derived = derived.withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(settings.cluster().roles()));
    }
    if (!settings.cluster().seedNodes().isEmpty()) {
      derived = derived.withValue("pekko.cluster.seed-nodes",
          ConfigValueFactory.fromIterable(settings.cluster().seedNodes()));
    }
    Config loaded = ConfigFactory.load(derived.withFallback(application));
    return ClusterFormation.derived(loaded).withFallback(loaded);
  }

  public static FerryNode start(Config config) throws Exception {
    return start(config, Clock.systemUTC());
  }

  /** A node whose retention tells the time by {@code clock} (tests move it forward). */
  public static FerryNode start(Config config, Clock clock) throws Exception {
    FerrySettings settings = FerrySettings.from(config);
    Files.createDirectories(settings.dataDir());
    Database database = Database.open(settings.dbUrl(), settings.dbUser(), settings.dbPassword(), 10);
    ActorSystem<Void> system = null;
    try {
      database.migrate();
      int keyed = ProjectViewProjectionHandler.backfillRepositoryKeys(database.dataSource());
      if (keyed > 0) {
        log.info("Added the repository key of {} projects (webhooks find them by it)", keyed);
      }
      system = ActorSystem.create(Behaviors.empty(), "ferry", config);
      return start(config, settings, database, system, clock);
    } catch (Exception | Error e) {
      // A node that cannot start stops whatever it started, or its threads would keep the JVM alive.
      if (system != null) {
        system.terminate();
      }
      database.close();
      throw e;
    }
  }

  private static FerryNode start(Config config, FerrySettings settings, Database database, ActorSystem<Void> system,
      Clock clock) throws Exception {
    Cluster cluster = Cluster.get(system);
    ClusterFormation.join(system, config);
    Duration drainDeadline = config.getDuration("ferry.shutdown.drain-deadline");

    Account.init(system);
    Project.init(system);
    Deployment.init(system);
    Claim.init(system);

    Hosts hosts = new Hosts(settings.baseDomain(), settings.publicScheme(), settings.publicPort());
    RouteTable routeTable = RouteTable.get(system);
    NodeMetrics metrics = new NodeMetrics(database.dataSource());
    metrics.gauge("ferry_route_table_hosts", "Hosts in this node's copy of the route table", routeTable,
        RouteTable::size);
    metrics.gauge("ferry_cluster_members_up", "Up members of the cluster as this node sees it", cluster,
        c -> java.util.stream.StreamSupport.stream(c.state().getMembers().spliterator(), false)
            .filter(member -> member.status().equals(org.apache.pekko.cluster.MemberStatus.up())).count());
    metrics.gauge("ferry_cluster_members_unreachable", "Members this node cannot reach", cluster,
        c -> c.state().getUnreachable().size());
    routeTable.warm(Sql.query(database.dataSource(), "SELECT host, deployment_id, updated_at FROM routes",
        row -> new RouteTable.Route(row.getString(1), row.getString(2), Sql.instant(row, "updated_at"))));

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

    // S3's blobs reach the edge through a bounded cache of verified local copies.
    BlobStore blobs = settings.s3().enabled()
        ? new CachingBlobStore(S3BlobStore.open(system, settings.s3(), settings.blobCacheDir().resolve(".staging"),
                RetentionSettings.from(config).gcGrace().dividedBy(4)),
            settings.blobCacheDir(), config.getBytes("ferry.storage.cache.max-size"))
        : new FileSystemBlobStore(settings.blobDir());
    MasterKeyring keyring = MasterKeyring.loadOrCreate(settings.dataDir(), nonBlank(settings.masterKey()),
        settings.retiredMasterKeys());
    SecretBox secrets = new SecretBox(keyring);
    BuildLogStore logs = new BuildLogStore(database.dataSource());
    RetentionSettings retentionSettings = RetentionSettings.from(config);
    ActorRef<RetentionScheduler.Command> retention = RetentionScheduler.init(system, new Retention(system,
        database.dataSource(), retentionSettings, new BlobCollector(system, database.dataSource(), blobs,
            retentionSettings.gcGrace(), metrics.registry()), clock, metrics.registry()));
    ReadModelRebuild readModels = new ReadModelRebuild(system, database.dataSource(),
        config.getDuration("ferry.read-models.rebuild-timeout"));
    Domains domains = Domains.start(system, database.dataSource(), secrets, routeTable, projections);
    var roles = cluster.selfMember().getRoles();

    // Nodes without the API answer health probes on the edge port (hosts that name no deployment), or on the API
    // port when they have no edge either.
    NodeHealth health = new NodeHealth(system, database.dataSource());
    Listener edge = null;
    Listener edgeTls = null;
    if (roles.contains("edge")) {
      CertificateStore certificates = CertificateStore.firstOf(
          LocalCertificateStore.open(settings.dataDir().resolve("certs/hosts")), domains.edgeCertificates());
      EdgeServer edgeServer = new EdgeServer(system, routeTable, blobs,
          EdgeServer.Options.defaults().withCertificates(certificates));
      metrics.bindEdge(edgeServer.metrics());
      domains.answerChallengesOn(edgeServer);
      if (!roles.contains("api")) {
        edgeServer.answerUnroutedHostsWith(health::handle);
      }
      FunctionRuntime functions = FunctionRuntime.forNode(system, config, settings.dataDir(), blobs, secrets,
          database.dataSource(), metrics.registry());
      edgeServer.runFunctionsWith(functions);
      CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
          "stop-function-instances", () -> {
            functions.close();
            return java.util.concurrent.CompletableFuture.completedFuture(org.apache.pekko.Done.getInstance());
          });
      edge = GracefulShutdown.drainOnShutdown(await(edgeServer.start(settings.edgeInterface(), settings.edgePort())),
          system, drainDeadline, "The edge");
      int tlsPort = config.getInt("ferry.edge.tls-port");
      if (tlsPort > 0) {
        edgeTls = GracefulShutdown.drainOnShutdown(await(edgeServer.startTls(settings.edgeInterface(), tlsPort,
            EdgeTls.serverContext(certificates,
                DevelopmentCertificate.loadOrCreate(settings.dataDir().resolve("certs"))))),
            system, drainDeadline, "The edge (HTTPS)");
      }
    }
    Listener api = null;
    if (roles.contains("api")) {
      AccessTokens accessTokens = new AccessTokens(
          AccessTokens.loadOrCreateKey(settings.dataDir(), nonBlank(settings.auth().jwtKey())),
          settings.auth().accessTokenTtl());
      ApiContext context = new ApiContext(system, settings, database.dataSource(), hosts, logs, accessTokens,
          secrets);
      AdminAccount.ensure(context);
      api = GracefulShutdown.drainOnShutdown(
          await(new ApiServer(context, metrics, blobs)
              .withAdmin(support -> new AdminRoutes(context, support, retention, readModels))
              .start(settings.apiInterface(), settings.apiPort())), system,
          drainDeadline, "The API");
      GracefulShutdown.afterRequestsDrained(system, "api-context", context::close);
    }
    if (roles.contains("build")) {
      BuildWorker worker = new BuildWorker(system, settings, new BuildQueue(database.dataSource()), logs,
          builder(system, settings, blobs), hosts, secrets,
          cluster.selfMember().address().hostPort() + "/" + UUID.randomUUID().toString().substring(0, 8));
      worker.start();
      GracefulShutdown.afterRequestsDrained(system, "build-worker", worker::close);
    }
    Listener healthOnly = null;
    if (api == null && edge == null) {
      healthOnly = GracefulShutdown.drainOnShutdown(await(health.start(settings.apiInterface(), settings.apiPort())),
          system, drainDeadline, "Health");
    }
    new DataKeyRewrapper(system, database.dataSource(), secrets, keyring).startInBackground();
    FerryNode node = new FerryNode(system, settings, database, api, edge, edgeTls, healthOnly);
    log.info("Ferry node started: roles {}, database {}, blobs {}, data in {}", roles, database.vendor().id(),
        settings.s3().enabled() ? "in S3 bucket " + settings.s3().bucket() : "in the data directory",
        settings.dataDir());
    return node;
  }

  /** The build steps with the configured sandbox and the build cache keyed to it (build.conf). */
  private static Builder builder(ActorSystem<?> system, FerrySettings settings, BlobStore blobs) {
    Sandbox sandbox = Sandboxes.fromConfig(system.settings().config(), java.util.List.of(settings.dataDir()));
    BuildCache cache = new BuildCache(settings.dataDir().resolve("build-cache"),
        BuildCache.Settings.from(system.settings().config()), sandbox.description());
    return new Builder(settings, blobs, sandbox, cache);
  }

  private static Optional<String> nonBlank(String value) {
    return Optional.ofNullable(value).filter(v -> !v.isBlank());
  }

  private static <T> T await(java.util.concurrent.CompletionStage<T> binding) throws Exception {
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
      text.append("  Dashboard: http://localhost:").append(api.localAddress().getPort()).append("/\n");
      text.append("  API:  http://localhost:").append(api.localAddress().getPort()).append("/api/v1/projects\n");
    }
    if (edge != null) {
      text.append("  Edge: http://<project>.").append(settings.baseDomain()).append(':')
          .append(edge.localAddress().getPort()).append("/\n");
    }
    if (edgeTls != null) {
      text.append("  Edge: https://<project>.").append(settings.baseDomain()).append(':')
          .append(edgeTls.localAddress().getPort()).append("/ (self-signed development certificate)\n");
    }
    if (healthOnly != null) {
      text.append("  Health: http://localhost:").append(healthOnly.localAddress().getPort())
          .append("/health/ready\n");
    }
    text.append("  Data: ").append(settings.dataDir());
    return text.toString();
  }

  /**
   * Stops the node by coordinated shutdown: the servers unbind and drain their requests in flight, the shards move to
   * other nodes, the node leaves the cluster, then the database pool closes.
   */
  @Override
  public void close() throws IOException, SQLException {
    system.terminate();
    try {
      Duration drain = system.settings().config().getDuration("ferry.shutdown.drain-deadline");
      system.getWhenTerminated().toCompletableFuture().get(drain.plusSeconds(30).toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("The actor system did not stop in time: {}", e.toString());
    }
    database.close();
  }
}
