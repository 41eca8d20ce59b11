package dev.ferry.api;

import dev.ferry.FerrySettings;
import dev.ferry.account.AccessTokens;
import dev.ferry.account.Account;
import dev.ferry.claim.Claim;
import dev.ferry.deployment.Deployment;
import dev.ferry.logs.BuildLogStore;
import dev.ferry.project.Project;
import dev.ferry.routing.Hosts;
import dev.ferry.secrets.SecretBox;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;

/** What the API's routes share: the cluster's entities, the read-model database and the host naming. */
public final class ApiContext implements AutoCloseable {

  static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final FerrySettings settings;
  private final DataSource dataSource;
  private final Hosts hosts;
  private final BuildLogStore logs;
  private final AccessTokens accessTokens;
  private final SecretBox secrets;
  private final RateLimiter authPerAddress;
  private final RateLimiter authPerAccount;
  private final RateLimiter apiPerPrincipal;
  private final ExecutorService blocking = Executors.newFixedThreadPool(8, runnable -> {
    Thread thread = new Thread(runnable, "ferry-api-jdbc");
    thread.setDaemon(true);
    return thread;
  });

  public ApiContext(ActorSystem<?> system, FerrySettings settings, DataSource dataSource, Hosts hosts,
      BuildLogStore logs, AccessTokens accessTokens, SecretBox secrets) {
    this.system = system;
    this.accessTokens = accessTokens;
    this.secrets = secrets;
    this.authPerAddress = new RateLimiter(settings.rateLimits().authPerAddressPerMinute());
    this.authPerAccount = new RateLimiter(settings.rateLimits().authPerAccountPerMinute());
    this.apiPerPrincipal = new RateLimiter(settings.rateLimits().apiPerPrincipalPerMinute());
    this.sharding = ClusterSharding.get(system);
    this.settings = settings;
    this.dataSource = dataSource;
    this.hosts = hosts;
    this.logs = logs;
  }

  public ActorSystem<?> system() {
    return system;
  }

  public FerrySettings settings() {
    return settings;
  }

  public DataSource dataSource() {
    return dataSource;
  }

  public Hosts hosts() {
    return hosts;
  }

  public BuildLogStore logs() {
    return logs;
  }

  public AccessTokens accessTokens() {
    return accessTokens;
  }

  public SecretBox secrets() {
    return secrets;
  }

  public RateLimiter authPerAddress() {
    return authPerAddress;
  }

  public RateLimiter authPerAccount() {
    return authPerAccount;
  }

  public RateLimiter apiPerPrincipal() {
    return apiPerPrincipal;
  }

  /** JDBC calls run here, never on the HTTP dispatcher. */
  public Executor blocking() {
    return blocking;
  }

  public <T> CompletionStage<T> askProject(String projectId,
      Function<ActorRef<StatusReply<T>>, Project.Command> command) {
    return sharding.entityRefFor(Project.ENTITY_KEY, projectId).askWithStatus(command::apply, ASK_TIMEOUT);
  }

  public <T> CompletionStage<T> askDeployment(String deploymentId,
      Function<ActorRef<StatusReply<T>>, Deployment.Command> command) {
    return sharding.entityRefFor(Deployment.ENTITY_KEY, deploymentId).askWithStatus(command::apply, ASK_TIMEOUT);
  }

  public <T> CompletionStage<T> askAccount(String accountId,
      Function<ActorRef<StatusReply<T>>, Account.Command> command) {
    return sharding.entityRefFor(Account.ENTITY_KEY, accountId).askWithStatus(command::apply, ASK_TIMEOUT);
  }

  public <T> CompletionStage<T> askClaim(String claimId, Function<ActorRef<StatusReply<T>>, Claim.Command> command) {
    return sharding.entityRefFor(Claim.ENTITY_KEY, claimId).askWithStatus(command::apply, ASK_TIMEOUT);
  }

  @Override
  public void close() {
    blocking.shutdownNow();
  }
}
