package dev.ferry.project;

import dev.ferry.common.CborSerializable;
import dev.ferry.common.Initiator;
import dev.ferry.common.FerryEntity;
import dev.ferry.common.Rejection;
import dev.ferry.secrets.WrappedKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;

/**
 * A project: its name, owner, Git and build settings, its environment variables, and the pointer to its production
 * deployment. Promote and rollback only move that pointer; the routing projection turns the resulting events into
 * host routes.
 *
 * <p>Each project has a data key, held only wrapped by a master key ({@link WrappedKey}). Environment variable values
 * reach this entity already sealed under that key: no event, snapshot or reply ever holds a value in plaintext.
 */
public final class Project
    extends FerryEntity<Project.Command, Project.Event, Project.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "Project");

  /** How many former production deployments a project remembers for rollback. */
  static final int PRODUCTION_HISTORY = 20;

  /** How many environment variables a project may have. */
  public static final int MAX_ENV_VARS = 200;

  /** How many deploy hooks a project may have. */
  public static final int MAX_DEPLOY_HOOKS = 50;

  /** Credentials a project may hold, sealed under its data key (see {@link ProjectCredentials}). */
  public static final String GIT_ACCESS_TOKEN = "gitAccessToken";
  public static final String GITHUB_WEBHOOK_SECRET = "githubWebhookSecret";
  public static final Set<String> CREDENTIALS = Set.of(GIT_ACCESS_TOKEN, GITHUB_WEBHOOK_SECRET);

  public enum Status { NEW, ACTIVE, DELETED }

  public enum PromotionReason { AUTO, PROMOTE, ROLLBACK }

  // Commands

  public sealed interface Command extends CborSerializable {}

  /** {@code dataKey}: a fresh data key for the project's secrets, wrapped by the current master key. */
  public record Create(String name, String owner, ProjectSettings settings, WrappedKey dataKey, Initiator initiator,
      ActorRef<StatusReply<State>> replyTo) implements Command {}

  public record ChangeSettings(ProjectSettings settings, Initiator initiator,
      ActorRef<StatusReply<State>> replyTo) implements Command {}

  /** Records a new deployment and hands back what it needs to build: the project's name, number and settings. */
  public record RequestDeployment(String deploymentId, String target, Initiator initiator,
      ActorRef<StatusReply<DeploymentTicket>> replyTo) implements Command {}

  /** An explicit promotion of a READY deployment (checked by the caller); re-enables automatic promotion. */
  public record Promote(String deploymentId, long deploymentNumber, Initiator initiator,
      ActorRef<StatusReply<State>> replyTo) implements Command {}

  /** Sent when a production deployment becomes READY; ignored unless it is newer than what serves now. */
  public record AutoPromote(String deploymentId, long deploymentNumber, Initiator initiator,
      ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** Back to {@code deploymentId}, or to the previous production deployment when null; pauses auto-promotion. */
  public record Rollback(String deploymentId, long deploymentNumber, Initiator initiator,
      ActorRef<StatusReply<State>> replyTo) implements Command {}

  public record Delete(Initiator initiator, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /**
   * Adds a variable whose value the caller sealed under the project's data key (associated data
   * {@code SecretBox.context("env", projectId, id)}). Refused when a variable of the same key is already set for one
   * of the targets, or when the project has {@value #MAX_ENV_VARS} variables.
   */
  public record SetEnvVar(String id, String key, List<String> targets, String type, boolean buildTime,
      String sealedValue, Initiator initiator, ActorRef<StatusReply<EnvVar>> replyTo) implements Command {}

  public record RemoveEnvVar(String id, Initiator initiator, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /**
   * Replaces the wrapped data key with the same data key wrapped by another master key (master-key rotation), or
   * gives a project created before data keys existed its first one. A key already wrapped by the same master key
   * is acknowledged without change, so concurrent rotations agree.
   */
  public record RewrapDataKey(WrappedKey dataKey, Initiator initiator, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  public record Get(ActorRef<StatusReply<State>> replyTo) implements Command {}

  /**
   * Sets (or, with a null value, removes) one of the {@link #CREDENTIALS}; the caller sealed the value under the
   * project's data key ({@link ProjectCredentials}), so no plaintext reaches an event.
   */
  public record SetCredential(String name, String sealedValue, Initiator initiator,
      ActorRef<StatusReply<State>> replyTo) implements Command {}

  /**
   * A deploy hook: whoever presents its secret may deploy {@code ref}. Only the secret's SHA-256 is kept. A retried
   * command with the same id is answered with the hook it created.
   */
  public record AddDeployHook(String hookId, String name, String ref, String secretHash, Initiator initiator,
      ActorRef<StatusReply<DeployHook>> replyTo) implements Command {}

  public record RemoveDeployHook(String hookId, Initiator initiator, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /**
   * A branch's preview ended (its pull request was closed): its alias goes, and no deployment requested so far may
   * bring it back; a deployment requested later (a new push) does.
   */
  public record CloseBranch(String branch, Initiator initiator, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  @SuppressWarnings("unchecked")
  private static final Class<DomainCommand<?>> DOMAIN_COMMANDS = (Class<DomainCommand<?>>) (Class<?>) DomainCommand.class;

  /** Commands about custom domains; {@link ProjectDomains} decides them. */
  public sealed interface DomainCommand<T> extends Command {
    /** The domain the command is about (null for the account key). */
    String name();

    Initiator initiator();

    ActorRef<StatusReply<T>> replyTo();
  }

  /** {@code token}: the value the TXT record {@code _ferry-challenge.<name>} must hold. */
  public record AddDomain(String name, String token, boolean apex, Initiator initiator,
      ActorRef<StatusReply<Domain>> replyTo) implements DomainCommand<Domain> {}

  /** The caller found the domain's TXT record; also taken after verification gave up. */
  public record VerifyDomain(String name, Initiator initiator, ActorRef<StatusReply<Domain>> replyTo)
      implements DomainCommand<Domain> {}

  /** Checks of a pending domain gave up. */
  public record FailDomainVerification(String name, String reason, Initiator initiator,
      ActorRef<StatusReply<Domain>> replyTo) implements DomainCommand<Domain> {}

  /** A certificate for a verified domain, sealed by the caller; the first one is issued, later ones renew it. */
  public record RecordCertificate(String name, String sealedCertificate, Instant expiresAt, Initiator initiator,
      ActorRef<StatusReply<Domain>> replyTo) implements DomainCommand<Domain> {}

  public record FailCertificate(String name, String reason, Initiator initiator,
      ActorRef<StatusReply<Domain>> replyTo) implements DomainCommand<Domain> {}

  public record RemoveDomain(String name, Initiator initiator, ActorRef<StatusReply<Done>> replyTo)
      implements DomainCommand<Done> {}

  /** Sets the project's ACME account key unless it has one; answers the key that holds. */
  public record SetAcmeAccountKey(String sealedAccountKey, Initiator initiator,
      ActorRef<StatusReply<String>> replyTo) implements DomainCommand<String> {
    public String name() {
      return null;
    }
  }

  public record DeploymentTicket(String projectId, String projectName, long number, ProjectSettings settings)
      implements CborSerializable {}

  // Events

  public sealed interface Event extends CborSerializable {
    Initiator initiator();

    Instant at();
  }

  public record ProjectCreated(String projectId, String name, String owner, ProjectSettings settings,
      WrappedKey dataKey, Initiator initiator, Instant at) implements Event {}

  public record SettingsChanged(ProjectSettings settings, Initiator initiator, Instant at) implements Event {}

  public record DeploymentRequested(String deploymentId, String target, long number, Initiator initiator,
      Instant at) implements Event {}

  public record ProductionPromoted(String projectName, String deploymentId, long deploymentNumber,
      String previousDeploymentId, PromotionReason reason, Initiator initiator, Instant at) implements Event {}

  public record ProjectDeleted(String name, Initiator initiator, Instant at) implements Event {}

  /** {@code sealedValue} is the ciphertext; the plaintext never reaches the journal. */
  public record EnvVarSet(String envId, String key, List<String> targets, String type, boolean buildTime,
      String sealedValue, Initiator initiator, Instant at) implements Event {}

  public record EnvVarRemoved(String envId, String key, Initiator initiator, Instant at) implements Event {}

  /** {@code sealedValue} is the ciphertext; the plaintext never reaches the journal. */
  public record CredentialSet(String name, String sealedValue, Initiator initiator, Instant at) implements Event {}

  public record CredentialRemoved(String name, Initiator initiator, Instant at) implements Event {}

  /** {@code secretHash}: SHA-256 (hex) of the hook's secret; the secret itself is shown once and kept nowhere. */
  public record DeployHookAdded(String hookId, String name, String ref, String secretHash, Initiator initiator,
      Instant at) implements Event {}

  public record DeployHookRemoved(String hookId, Initiator initiator, Instant at) implements Event {}

  /** Deployments of {@code branch} numbered up to {@code throughNumber} no longer get its alias. */
  public record BranchClosed(String projectName, String branch, long throughNumber, Initiator initiator, Instant at)
      implements Event {}

  /** {@code previousMasterKeyId} is null when the project had no data key before. */
  public record DataKeyRewrapped(WrappedKey dataKey, String previousMasterKeyId, Initiator initiator, Instant at)
      implements Event {}

  public sealed interface DomainEvent extends Event {}

  public record DomainAdded(String name, String token, boolean apex, Initiator initiator, Instant at)
      implements DomainEvent {}

  /** {@code productionDeploymentId}: where the domain routes now (null before the first production deployment). */
  public record DomainVerified(String name, String productionDeploymentId, Initiator initiator, Instant at)
      implements DomainEvent {}

  public record DomainVerificationFailed(String name, String reason, Initiator initiator, Instant at)
      implements DomainEvent {}

  /** {@code sealedCertificate}: the private key and chain (PEM), sealed; the plaintext never reaches the journal. */
  public record CertificateIssued(String name, String sealedCertificate, Instant expiresAt, Initiator initiator,
      Instant at) implements DomainEvent {}

  public record CertificateRenewed(String name, String sealedCertificate, Instant expiresAt, Initiator initiator,
      Instant at) implements DomainEvent {}

  public record CertificateFailed(String name, String reason, int failures, Initiator initiator, Instant at)
      implements DomainEvent {}

  public record DomainRemoved(String name, Initiator initiator, Instant at) implements DomainEvent {}

  public record AcmeAccountKeySet(String sealedAccountKey, Initiator initiator, Instant at) implements DomainEvent {}

  // State

  /** One former or current production deployment. */
  public record ProductionEntry(String deploymentId, long number) implements CborSerializable {}

  public record State(
      String id,
      Status status,
      String name,
      String owner,
      ProjectSettings settings,
      long deploymentCount,
      ProductionEntry production,
      List<ProductionEntry> previousProductions,
      boolean autoPromote,
      Instant createdAt,
      Instant updatedAt,
      WrappedKey dataKey,
      List<EnvVar> envVars,
      List<DeployHook> deployHooks,
      Map<String, String> credentials,
      ProjectDomains domains) implements CborSerializable {

    /** A project without custom domains. */
    public State(String id, Status status, String name, String owner, ProjectSettings settings, long deploymentCount,
        ProductionEntry production, List<ProductionEntry> previousProductions, boolean autoPromote, Instant createdAt,
        Instant updatedAt, WrappedKey dataKey, List<EnvVar> envVars, List<DeployHook> deployHooks,
        Map<String, String> credentials) {
      this(id, status, name, owner, settings, deploymentCount, production, previousProductions, autoPromote,
          createdAt, updatedAt, dataKey, envVars, deployHooks, credentials, ProjectDomains.NONE);
    }

    public State {
      // Snapshots taken before a list field existed have none.
      previousProductions = previousProductions == null ? List.of() : previousProductions;
      envVars = envVars == null ? List.of() : envVars;
      deployHooks = deployHooks == null ? List.of() : deployHooks;
      credentials = credentials == null ? Map.of() : credentials;
      domains = domains == null ? ProjectDomains.NONE : domains;
    }

    static State empty(String id) {
      return new State(id, Status.NEW, null, null, null, 0, null, List.of(), true, null, null, null, List.of(),
          List.of(), Map.of(), ProjectDomains.NONE);
    }

    public Optional<DeployHook> deployHook(String hookId) {
      return deployHooks.stream().filter(h -> h.id().equals(hookId)).findFirst();
    }

    /** The sealed value of a credential, if it is set. */
    public Optional<String> credential(String name) {
      return Optional.ofNullable(credentials.get(name));
    }

    public String productionDeploymentId() {
      return production == null ? null : production.deploymentId();
    }

    public Optional<EnvVar> envVar(String envId) {
      return envVars.stream().filter(v -> v.id().equals(envId)).findFirst();
    }

    State withStatus(Status newStatus, Instant at) {
      return new State(id, newStatus, name, owner, settings, deploymentCount, production, previousProductions,
          autoPromote, createdAt, at, dataKey, envVars, deployHooks, credentials, domains);
    }

    State withSettings(ProjectSettings newSettings, Instant at) {
      return new State(id, status, name, owner, newSettings, deploymentCount, production, previousProductions,
          autoPromote, createdAt, at, dataKey, envVars, deployHooks, credentials, domains);
    }

    State withDeploymentCount(long count) {
      return new State(id, status, name, owner, settings, count, production, previousProductions, autoPromote,
          createdAt, updatedAt, dataKey, envVars, deployHooks, credentials, domains);
    }

    State withProduction(ProductionEntry entry, boolean rollback, Instant at) {
      List<ProductionEntry> history = new ArrayList<>(previousProductions);
      if (rollback) {
        // Rolling back walks down the history: what was rolled away from is not a rollback target any more.
        history.removeIf(p -> p.number() >= entry.number());
      } else if (production != null) {
        history.add(0, production);
        history.removeIf(p -> p.deploymentId().equals(entry.deploymentId()));
        if (history.size() > PRODUCTION_HISTORY) {
          history = history.subList(0, PRODUCTION_HISTORY);
        }
      }
      return new State(id, status, name, owner, settings, deploymentCount, entry, List.copyOf(history),
          !rollback, createdAt, at, dataKey, envVars, deployHooks, credentials, domains);
    }

    // Variables and keys are not project settings: updatedAt (which the projects read model mirrors) stays.
    State withEnvVars(List<EnvVar> newEnvVars) {
      return new State(id, status, name, owner, settings, deploymentCount, production, previousProductions,
          autoPromote, createdAt, updatedAt, dataKey, List.copyOf(newEnvVars), deployHooks, credentials, domains);
    }

    State withDeployHooks(List<DeployHook> newDeployHooks) {
      return new State(id, status, name, owner, settings, deploymentCount, production, previousProductions,
          autoPromote, createdAt, updatedAt, dataKey, envVars, List.copyOf(newDeployHooks), credentials,
          domains);
    }

    State withCredential(String credential, String sealedValue) {
      Map<String, String> newCredentials = new LinkedHashMap<>(credentials);
      if (sealedValue == null) {
        newCredentials.remove(credential);
      } else {
        newCredentials.put(credential, sealedValue);
      }
      return new State(id, status, name, owner, settings, deploymentCount, production, previousProductions,
          autoPromote, createdAt, updatedAt, dataKey, envVars, deployHooks, Map.copyOf(newCredentials), domains);
    }

    State withDomains(ProjectDomains newDomains) {
      return new State(id, status, name, owner, settings, deploymentCount, production, previousProductions,
          autoPromote, createdAt, updatedAt, dataKey, envVars, deployHooks, credentials, newDomains);
    }

    State withDataKey(WrappedKey newDataKey) {
      return new State(id, status, name, owner, settings, deploymentCount, production, previousProductions,
          autoPromote, createdAt, updatedAt, newDataKey, envVars, deployHooks, credentials, domains);
    }
  }

  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId())));
  }

  public static Behavior<Command> create(String projectId) {
    return new Project(projectId);
  }

  private Project(String projectId) {
    super(ENTITY_KEY, projectId);
  }

  @Override
  public State emptyState() {
    return State.empty(entityId);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    newProjectHandlers(builder);
    activeProjectHandlers(builder);
    deletedProjectHandlers(builder);
    return builder.build();
  }

  private void newProjectHandlers(CommandHandlerWithReplyBuilder<Command, Event, State> builder) {
    builder.forState(state -> state.status() == Status.NEW)
        .onCommand(Create.class, this::create)
        .onCommand(Get.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(ChangeSettings.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(RequestDeployment.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(Promote.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(AutoPromote.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(Rollback.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(Delete.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(SetEnvVar.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(RemoveEnvVar.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(RewrapDataKey.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()));
    rejectGitCommands(builder.forState(state -> state.status() == Status.NEW));
  }

  private void activeProjectHandlers(CommandHandlerWithReplyBuilder<Command, Event, State> builder) {
    builder.forState(state -> state.status() == Status.ACTIVE)
        .onCommand(Create.class, this::createExisting)
        .onCommand(Get.class, (state, cmd) -> Effect().reply(cmd.replyTo(), StatusReply.success(state)))
        .onCommand(ChangeSettings.class, (state, cmd) -> Effect()
            .persist(new SettingsChanged(cmd.settings(), cmd.initiator(), Instant.now()))
            .thenReply(cmd.replyTo(), StatusReply::success))
        .onCommand(RequestDeployment.class, this::requestDeployment)
        .onCommand(Promote.class, this::promote)
        .onCommand(AutoPromote.class, this::autoPromote)
        .onCommand(Rollback.class, this::rollback)
        .onCommand(Delete.class, (state, cmd) -> Effect()
            .persist(new ProjectDeleted(state.name(), cmd.initiator(), Instant.now()))
            .thenReply(cmd.replyTo(), s -> StatusReply.ack()))
        .onCommand(SetEnvVar.class, this::setEnvVar)
        .onCommand(RemoveEnvVar.class, this::removeEnvVar)
        .onCommand(RewrapDataKey.class, this::rewrapDataKey)
        .onCommand(SetCredential.class, this::setCredential)
        .onCommand(AddDeployHook.class, this::addDeployHook)
        .onCommand(RemoveDeployHook.class, this::removeDeployHook)
        .onCommand(DOMAIN_COMMANDS, this::domainCommand)
        .onCommand(CloseBranch.class, (state, cmd) -> Effect()
            .persist(new BranchClosed(state.name(), cmd.branch(), state.deploymentCount(), cmd.initiator(),
                Instant.now()))
            .thenReply(cmd.replyTo(), s -> StatusReply.ack()));
  }

  private void deletedProjectHandlers(CommandHandlerWithReplyBuilder<Command, Event, State> builder) {
    builder.forState(state -> state.status() == Status.DELETED)
        .onCommand(Create.class, (state, cmd) -> Effect().reply(cmd.replyTo(),
            Rejection.conflict("Project id " + entityId + " was deleted and cannot be reused")))
        .onCommand(Get.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(ChangeSettings.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(RequestDeployment.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(Promote.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(AutoPromote.class, (state, cmd) -> Effect().reply(cmd.replyTo(), StatusReply.ack()))
        .onCommand(Rollback.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(Delete.class, (state, cmd) -> Effect().reply(cmd.replyTo(), StatusReply.ack()))
        .onCommand(SetEnvVar.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(RemoveEnvVar.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(RewrapDataKey.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()));
    rejectGitCommands(builder.forState(state -> state.status() == Status.DELETED));
  }

  private void rejectGitCommands(
      org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReplyBuilderByState<Command, Event, State, State>
          forState) {
    forState
        .onCommand(SetCredential.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(AddDeployHook.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(RemoveDeployHook.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(CloseBranch.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(DOMAIN_COMMANDS, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()));
  }

  private static <T> StatusReply<T> notFound() {
    return Rejection.notFound("Project not found");
  }

  private ReplyEffect<Event, State> create(State state, Create cmd) {
    if (cmd.dataKey() == null) {
      return Effect().reply(cmd.replyTo(), Rejection.invalid("A project needs a data key"));
    }
    return Effect()
        .persist(new ProjectCreated(entityId, cmd.name(), cmd.owner(), cmd.settings(), cmd.dataKey(),
            cmd.initiator(), Instant.now()))
        .thenReply(cmd.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, State> createExisting(State state, Create cmd) {
    // A retried create (same name and owner) is answered with the project as it is.
    if (state.name().equals(cmd.name()) && state.owner().equals(cmd.owner())) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(state));
    }
    return Effect().reply(cmd.replyTo(), Rejection.conflict("Project " + entityId + " already exists"));
  }

  private ReplyEffect<Event, State> requestDeployment(State state, RequestDeployment cmd) {
    long number = state.deploymentCount() + 1;
    return Effect()
        .persist(new DeploymentRequested(cmd.deploymentId(), cmd.target(), number, cmd.initiator(), Instant.now()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(
            new DeploymentTicket(entityId, s.name(), number, s.settings())));
  }

  private ReplyEffect<Event, State> promote(State state, Promote cmd) {
    if (cmd.deploymentId().equals(state.productionDeploymentId()) && state.autoPromote()) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(state));
    }
    return Effect()
        .persist(promotion(state, cmd.deploymentId(), cmd.deploymentNumber(), PromotionReason.PROMOTE,
            cmd.initiator()))
        .thenReply(cmd.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, State> autoPromote(State state, AutoPromote cmd) {
    boolean newer = state.production() == null || cmd.deploymentNumber() > state.production().number();
    if (!state.autoPromote() || !newer) {
      return Effect().reply(cmd.replyTo(), StatusReply.ack());
    }
    return Effect()
        .persist(promotion(state, cmd.deploymentId(), cmd.deploymentNumber(), PromotionReason.AUTO,
            cmd.initiator()))
        .thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> rollback(State state, Rollback cmd) {
    ProductionEntry target;
    if (cmd.deploymentId() == null) {
      if (state.previousProductions().isEmpty()) {
        return Effect().reply(cmd.replyTo(),
            Rejection.conflict("There is no previous production deployment to roll back to"));
      }
      target = state.previousProductions().get(0);
    } else {
      target = new ProductionEntry(cmd.deploymentId(), cmd.deploymentNumber());
    }
    if (target.deploymentId().equals(state.productionDeploymentId())) {
      return Effect().reply(cmd.replyTo(),
          Rejection.conflict("Deployment " + target.deploymentId() + " is already in production"));
    }
    return Effect()
        .persist(promotion(state, target.deploymentId(), target.number(), PromotionReason.ROLLBACK,
            cmd.initiator()))
        .thenReply(cmd.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, State> setEnvVar(State state, SetEnvVar cmd) {
    Optional<EnvVar> sameId = state.envVar(cmd.id());
    if (sameId.isPresent()) {
      // The same request again (its reply was lost): answer what it created.
      return sameId.get().key().equals(cmd.key()) && sameId.get().targets().equals(cmd.targets())
          ? Effect().reply(cmd.replyTo(), StatusReply.success(sameId.get()))
          : Effect().reply(cmd.replyTo(), Rejection.conflict("Environment variable id " + cmd.id() + " is taken"));
    }
    Optional<EnvVar> clash = state.envVars().stream().filter(v -> v.overlaps(cmd.key(), cmd.targets())).findFirst();
    if (clash.isPresent()) {
      List<String> shared = cmd.targets().stream().filter(clash.get().targets()::contains).toList();
      return Effect().reply(cmd.replyTo(), Rejection.conflict("An environment variable " + cmd.key()
          + " already exists for " + String.join(", ", shared)));
    }
    if (state.envVars().size() >= MAX_ENV_VARS) {
      return Effect().reply(cmd.replyTo(), Rejection.invalid("A project can have at most " + MAX_ENV_VARS
          + " environment variables"));
    }
    if (!EnvVar.validKey(cmd.key()) || !EnvVar.validTargets(cmd.targets()) || !EnvVar.validType(cmd.type())
        || cmd.sealedValue() == null) {
      return Effect().reply(cmd.replyTo(), Rejection.invalid("Invalid environment variable " + cmd.key()));
    }
    if (state.dataKey() == null) {
      return Effect().reply(cmd.replyTo(), Rejection.conflict("The project has no data key yet"));
    }
    return Effect()
        .persist(new EnvVarSet(cmd.id(), cmd.key(), List.copyOf(cmd.targets()), cmd.type(), cmd.buildTime(),
            cmd.sealedValue(), cmd.initiator(), Instant.now()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(s.envVar(cmd.id()).orElseThrow()));
  }

  private ReplyEffect<Event, State> removeEnvVar(State state, RemoveEnvVar cmd) {
    Optional<EnvVar> existing = state.envVar(cmd.id());
    if (existing.isEmpty()) {
      return Effect().reply(cmd.replyTo(), Rejection.notFound("Environment variable not found"));
    }
    return Effect()
        .persist(new EnvVarRemoved(cmd.id(), existing.get().key(), cmd.initiator(), Instant.now()))
        .thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> rewrapDataKey(State state, RewrapDataKey cmd) {
    WrappedKey current = state.dataKey();
    if (current != null && current.masterKeyId().equals(cmd.dataKey().masterKeyId())) {
      return Effect().reply(cmd.replyTo(), StatusReply.ack());
    }
    return Effect()
        .persist(new DataKeyRewrapped(cmd.dataKey(), current == null ? null : current.masterKeyId(),
            cmd.initiator(), Instant.now()))
        .thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> setCredential(State state, SetCredential cmd) {
    if (!CREDENTIALS.contains(cmd.name())) {
      return Effect().reply(cmd.replyTo(), Rejection.invalid("Unknown credential " + cmd.name()));
    }
    if (cmd.sealedValue() == null) {
      if (state.credential(cmd.name()).isEmpty()) {
        return Effect().reply(cmd.replyTo(), StatusReply.success(state));
      }
      return Effect()
          .persist(new CredentialRemoved(cmd.name(), cmd.initiator(), Instant.now()))
          .thenReply(cmd.replyTo(), StatusReply::success);
    }
    if (state.dataKey() == null) {
      return Effect().reply(cmd.replyTo(), Rejection.conflict("The project has no data key yet"));
    }
    return Effect()
        .persist(new CredentialSet(cmd.name(), cmd.sealedValue(), cmd.initiator(), Instant.now()))
        .thenReply(cmd.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, State> addDeployHook(State state, AddDeployHook cmd) {
    Optional<DeployHook> sameId = state.deployHook(cmd.hookId());
    if (sameId.isPresent()) {
      return sameId.get().secretHash().equals(cmd.secretHash())
          ? Effect().reply(cmd.replyTo(), StatusReply.success(sameId.get()))
          : Effect().reply(cmd.replyTo(), Rejection.conflict("Deploy hook id " + cmd.hookId() + " is taken"));
    }
    if (!DeployHook.valid(cmd.name(), cmd.ref(), cmd.secretHash())) {
      return Effect().reply(cmd.replyTo(), Rejection.invalid("Invalid deploy hook " + cmd.name()));
    }
    if (state.deployHooks().size() >= MAX_DEPLOY_HOOKS) {
      return Effect().reply(cmd.replyTo(), Rejection.invalid("A project can have at most " + MAX_DEPLOY_HOOKS
          + " deploy hooks"));
    }
    return Effect()
        .persist(new DeployHookAdded(cmd.hookId(), cmd.name(), cmd.ref(), cmd.secretHash(), cmd.initiator(),
            Instant.now()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(s.deployHook(cmd.hookId()).orElseThrow()));
  }

  private ReplyEffect<Event, State> removeDeployHook(State state, RemoveDeployHook cmd) {
    if (state.deployHook(cmd.hookId()).isEmpty()) {
      return Effect().reply(cmd.replyTo(), Rejection.notFound("Deploy hook not found"));
    }
    return Effect()
        .persist(new DeployHookRemoved(cmd.hookId(), cmd.initiator(), Instant.now()))
        .thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> domainCommand(State state, DomainCommand<?> cmd) {
    return decideDomainCommand(state, cmd);
  }

  private <T> ReplyEffect<Event, State> decideDomainCommand(State state, DomainCommand<T> cmd) {
    ProjectDomains.Outcome outcome = state.domains().decide(state, cmd, Instant.now());
    if (outcome.rejection() != null) {
      return Effect().reply(cmd.replyTo(), StatusReply.error(outcome.rejection()));
    }
    if (outcome.event() == null) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(ProjectDomains.result(state, cmd)));
    }
    return Effect().persist(outcome.event()).thenReply(cmd.replyTo(), s -> StatusReply.success(ProjectDomains.result(s, cmd)));
  }

  private ProductionPromoted promotion(State state, String deploymentId, long number, PromotionReason reason,
      Initiator initiator) {
    return new ProductionPromoted(state.name(), deploymentId, number, state.productionDeploymentId(), reason,
        initiator, Instant.now());
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(ProjectCreated.class, (state, e) -> new State(entityId, Status.ACTIVE, e.name(), e.owner(),
            e.settings(), 0, null, List.of(), true, e.at(), e.at(), e.dataKey(), List.of(), List.of(), Map.of(),
            ProjectDomains.NONE))
        .onEvent(SettingsChanged.class, (state, e) -> state.withSettings(e.settings(), e.at()))
        .onEvent(DeploymentRequested.class, (state, e) -> state.withDeploymentCount(e.number()))
        .onEvent(ProductionPromoted.class, (state, e) -> state.withProduction(
            new ProductionEntry(e.deploymentId(), e.deploymentNumber()), e.reason() == PromotionReason.ROLLBACK,
            e.at()))
        .onEvent(ProjectDeleted.class, (state, e) -> state.withStatus(Status.DELETED, e.at()))
        .onEvent(EnvVarSet.class, (state, e) -> {
          List<EnvVar> envVars = new ArrayList<>(state.envVars());
          envVars.add(new EnvVar(e.envId(), e.key(), e.targets(), e.type(), e.buildTime(), e.sealedValue(), e.at(),
              e.initiator()));
          return state.withEnvVars(envVars);
        })
        .onEvent(EnvVarRemoved.class, (state, e) -> state.withEnvVars(
            state.envVars().stream().filter(v -> !v.id().equals(e.envId())).toList()))
        .onEvent(DataKeyRewrapped.class, (state, e) -> state.withDataKey(e.dataKey()))
        .onEvent(CredentialSet.class, (state, e) -> state.withCredential(e.name(), e.sealedValue()))
        .onEvent(CredentialRemoved.class, (state, e) -> state.withCredential(e.name(), null))
        .onEvent(DeployHookAdded.class, (state, e) -> {
          List<DeployHook> hooks = new ArrayList<>(state.deployHooks());
          hooks.add(new DeployHook(e.hookId(), e.name(), e.ref(), e.secretHash(), e.at(), e.initiator()));
          return state.withDeployHooks(hooks);
        })
        .onEvent(DeployHookRemoved.class, (state, e) -> state.withDeployHooks(
            state.deployHooks().stream().filter(h -> !h.id().equals(e.hookId())).toList()))
        .onEvent(BranchClosed.class, (state, e) -> state)
        .onEvent(DomainEvent.class, (state, e) -> state.withDomains(state.domains().apply(e)))
        .build();
  }
}
