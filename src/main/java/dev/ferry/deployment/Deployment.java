package dev.ferry.deployment;

import com.fasterxml.jackson.annotation.JsonCreator;
import dev.ferry.common.CborSerializable;
import dev.ferry.common.Initiator;
import dev.ferry.common.FerryEntity;
import dev.ferry.common.Rejection;
import dev.ferry.project.ProjectSettings;
import java.time.Instant;
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
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReplyBuilderByState;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;

/**
 * One deployment: its source, what it is built with, and its lifecycle
 * {@code QUEUED → BUILDING → DEPLOYING → READY | ERROR | CANCELED}. A build worker holds a lease while it works;
 * a lease that runs out lets another worker take the build over, so nothing stays BUILDING forever.
 */
public final class Deployment
    extends FerryEntity<Deployment.Command, Deployment.Event, Deployment.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "Deployment");

  public enum Status {
    NEW, QUEUED, BUILDING, DEPLOYING, READY, ERROR, CANCELED,
    /** Removed from serving by retention (see {@link Expire}); its journal stays, its files may be collected. */
    EXPIRED;

    public boolean isFinished() {
      return this == READY || this == ERROR || this == CANCELED || this == EXPIRED;
    }

    public boolean isInProgress() {
      return this == BUILDING || this == DEPLOYING;
    }
  }

  public static final String PRODUCTION = "production";
  public static final String PREVIEW = "preview";

  /**
   * Where the files come from: {@code type} is "git" (with {@code ref}) or "files" (uploaded: {@code files} is the
   * digest of the stored {@link dev.ferry.storage.SourceManifest}; {@code prebuilt} files are published without an
   * install or build step). {@code branch} is set when the deployment is known to build a branch (pushes, pull
   * requests, deploy hooks, the production branch): its READY deployments get the branch alias. A {@code commitSha}
   * known up front (a webhook's) is what the build checks out.
   */
  public record Source(String type, String ref, String commitSha, String commitMessage, String commitAuthor,
      String branch, String files, boolean prebuilt) implements CborSerializable {

    public static final String GIT = "git";
    public static final String FILES = "files";

    @JsonCreator
    public Source {
      // the canonical constructor is the one Jackson uses
    }

    /** A Git source (of a known branch, or null). */
    public Source(String type, String ref, String commitSha, String commitMessage, String commitAuthor,
        String branch) {
      this(type, ref, commitSha, commitMessage, commitAuthor, branch, null, false);
    }

    public static Source git(String ref) {
      return new Source(GIT, ref, null, null, null, null);
    }

    /** A branch at whatever commit it has when the build starts. */
    public static Source branch(String branch) {
      return new Source(GIT, branch, null, null, null, branch);
    }

    /** One commit of a branch, as a push or pull request announced it. */
    public static Source commit(String branch, String sha, String message, String author) {
      return new Source(GIT, branch, sha, message, author, branch);
    }

    public static Source files(String manifestDigest, boolean prebuilt) {
      return new Source(FILES, null, null, null, null, null, manifestDigest, prebuilt);
    }

    /** Uploaded files rather than Git (not named isFiles: Jackson would take that for the files property). */
    public boolean uploaded() {
      return FILES.equals(type);
    }

    Source resolved(String sha, String message, String author) {
      return new Source(type, ref, sha, message, author, branch, files, prebuilt);
    }
  }

  // Commands

  public sealed interface Command extends CborSerializable {}

  public record Create(String projectId, String projectName, long number, String target, Source source,
      ProjectSettings settings, Initiator initiator, ActorRef<StatusReply<State>> replyTo) implements Command {}

  /**
   * A worker takes the build: granted when QUEUED, or when BUILDING/DEPLOYING under a lease that ran out (the
   * worker died). After {@code maxAttempts} lost leases the deployment fails instead.
   */
  public record StartBuild(String worker, Instant leaseUntil, int maxAttempts,
      ActorRef<StatusReply<State>> replyTo) implements Command {}

  public record RenewLease(String worker, Instant leaseUntil, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  public record RecordSource(String worker, String commitSha, String commitMessage, String commitAuthor,
      ActorRef<StatusReply<Done>> replyTo) implements Command {}

  public record StartPublishing(String worker, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  public record MarkReady(String worker, String framework, long fileCount, long totalBytes,
      ActorRef<StatusReply<State>> replyTo) implements Command {}

  public record MarkFailed(String worker, String message, ActorRef<StatusReply<State>> replyTo)
      implements Command {}

  public record Cancel(Initiator initiator, ActorRef<StatusReply<State>> replyTo) implements Command {}

  /**
   * Cancels the deployment only while it is still QUEUED, because a newer deployment of the same branch
   * ({@code supersededBy}) was requested. Answers whether it was canceled; a build already under way goes on.
   */
  public record Supersede(String supersededBy, Initiator initiator, ActorRef<StatusReply<Boolean>> replyTo)
      implements Command {}

  public record Get(ActorRef<StatusReply<State>> replyTo) implements Command {}

  /**
   * Retention takes a READY deployment out of serving ({@code reason} says which rule); its hosts are dropped by the
   * routing projection and its files may then be garbage collected. Expiring an expired deployment is acknowledged
   * without change; any other state is refused.
   */
  public record Expire(String reason, Initiator initiator, ActorRef<StatusReply<State>> replyTo)
      implements Command {}

  // Events

  public sealed interface Event extends CborSerializable {
    Instant at();
  }

  public record DeploymentQueued(String deploymentId, String projectId, String projectName, long number,
      String target, Source source, ProjectSettings settings, Initiator initiator, Instant at) implements Event {}

  public record BuildStarted(String worker, Instant leaseUntil, int attempt, Instant at) implements Event {}

  public record LeaseRenewed(Instant leaseUntil, Instant at) implements Event {}

  public record SourceResolved(String commitSha, String commitMessage, String commitAuthor, Instant at)
      implements Event {}

  public record PublishingStarted(Instant at) implements Event {}

  /** Carries what the routing and promotion projections need, so they never read the entity. */
  public record DeploymentReady(String projectId, String projectName, String target, long number,
      String framework, long fileCount, long totalBytes, String branch, Instant at) implements Event {}

  public record DeploymentFailed(String projectId, String message, Instant at) implements Event {}

  /** {@code supersededBy}: the newer deployment of the same branch that made this queued one unnecessary. */
  public record DeploymentCanceled(String projectId, Initiator initiator, String supersededBy, Instant at)
      implements Event {}

  public record DeploymentExpired(String projectId, String reason, Initiator initiator, Instant at)
      implements Event {}

  // State

  public record State(
      String id,
      Status status,
      String projectId,
      String projectName,
      long number,
      String target,
      Source source,
      ProjectSettings settings,
      Initiator initiator,
      String worker,
      Instant leaseUntil,
      int attempts,
      String framework,
      String errorMessage,
      Instant createdAt,
      Instant buildingAt,
      Instant readyAt,
      Instant finishedAt) implements CborSerializable {

    static State empty(String id) {
      return new State(id, Status.NEW, null, null, 0, null, null, null, null, null, null, 0, null, null, null,
          null, null, null);
    }

    boolean leaseExpired(Instant now) {
      return leaseUntil == null || now.isAfter(leaseUntil);
    }

    boolean heldBy(String candidate) {
      return candidate.equals(worker);
    }

    State building(String newWorker, Instant lease, int attempt, Instant at) {
      return new State(id, Status.BUILDING, projectId, projectName, number, target, source, settings, initiator,
          newWorker, lease, attempt, framework, errorMessage, createdAt, at, readyAt, finishedAt);
    }

    State withLease(Instant lease) {
      return new State(id, status, projectId, projectName, number, target, source, settings, initiator, worker,
          lease, attempts, framework, errorMessage, createdAt, buildingAt, readyAt, finishedAt);
    }

    State withSource(Source newSource) {
      return new State(id, status, projectId, projectName, number, target, newSource, settings, initiator, worker,
          leaseUntil, attempts, framework, errorMessage, createdAt, buildingAt, readyAt, finishedAt);
    }

    State withStatus(Status newStatus) {
      return new State(id, newStatus, projectId, projectName, number, target, source, settings, initiator, worker,
          leaseUntil, attempts, framework, errorMessage, createdAt, buildingAt, readyAt, finishedAt);
    }

    State ready(String detectedFramework, Instant at) {
      return new State(id, Status.READY, projectId, projectName, number, target, source, settings, initiator,
          null, null, attempts, detectedFramework, null, createdAt, buildingAt, at, at);
    }

    State finished(Status finalStatus, String error, Instant at) {
      return new State(id, finalStatus, projectId, projectName, number, target, source, settings, initiator,
          null, null, attempts, framework, error, createdAt, buildingAt, readyAt, at);
    }
  }

  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId())));
  }

  public static Behavior<Command> create(String deploymentId) {
    return new Deployment(deploymentId);
  }

  private Deployment(String deploymentId) {
    super(ENTITY_KEY, deploymentId);
  }

  @Override
  public State emptyState() {
    return State.empty(entityId);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    newDeploymentHandlers(builder);
    queuedHandlers(builder);
    inProgressHandlers(builder);
    finishedHandlers(builder);
    return builder.build();
  }

  private void newDeploymentHandlers(CommandHandlerWithReplyBuilder<Command, Event, State> builder) {
    builder.forState(state -> state.status() == Status.NEW)
        .onCommand(Create.class, (state, cmd) -> Effect()
            .persist(new DeploymentQueued(entityId, cmd.projectId(), cmd.projectName(), cmd.number(),
                cmd.target(), cmd.source(), cmd.settings(), cmd.initiator(), Instant.now()))
            .thenReply(cmd.replyTo(), StatusReply::success))
        .onCommand(Get.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(StartBuild.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(Cancel.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(Supersede.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(Expire.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()));
    rejectWorkerCommands(builder.forState(state -> state.status() == Status.NEW), "not found");
  }

  private void queuedHandlers(CommandHandlerWithReplyBuilder<Command, Event, State> builder) {
    builder.forState(state -> state.status() == Status.QUEUED)
        .onCommand(StartBuild.class, (state, cmd) -> Effect()
            .persist(new BuildStarted(cmd.worker(), cmd.leaseUntil(), state.attempts() + 1, Instant.now()))
            .thenReply(cmd.replyTo(), StatusReply::success))
        .onCommand(Cancel.class, this::cancel)
        .onCommand(Supersede.class, (state, cmd) -> Effect()
            .persist(new DeploymentCanceled(state.projectId(), cmd.initiator(), cmd.supersededBy(), Instant.now()))
            .thenReply(cmd.replyTo(), s -> StatusReply.success(true)));
    rejectWorkerCommands(builder.forState(state -> state.status() == Status.QUEUED), "not started");
  }

  private void inProgressHandlers(CommandHandlerWithReplyBuilder<Command, Event, State> builder) {
    builder.forState(state -> state.status().isInProgress())
        .onCommand(StartBuild.class, this::takeOver)
        .onCommand(RenewLease.class, (state, cmd) -> whileHeld(state, cmd.worker(), cmd.replyTo(), () -> Effect()
            .persist(new LeaseRenewed(cmd.leaseUntil(), Instant.now()))
            .thenReply(cmd.replyTo(), s -> StatusReply.ack())))
        .onCommand(RecordSource.class, (state, cmd) -> whileHeld(state, cmd.worker(), cmd.replyTo(), () -> Effect()
            .persist(new SourceResolved(cmd.commitSha(), cmd.commitMessage(), cmd.commitAuthor(), Instant.now()))
            .thenReply(cmd.replyTo(), s -> StatusReply.ack())))
        .onCommand(StartPublishing.class, (state, cmd) -> whileHeld(state, cmd.worker(), cmd.replyTo(),
            () -> Effect()
                .persist(new PublishingStarted(Instant.now()))
                .thenReply(cmd.replyTo(), s -> StatusReply.ack())))
        .onCommand(MarkReady.class, (state, cmd) -> whileHeld(state, cmd.worker(), cmd.replyTo(), () -> Effect()
            .persist(new DeploymentReady(state.projectId(), state.projectName(), state.target(), state.number(),
                cmd.framework(), cmd.fileCount(), cmd.totalBytes(), state.source().branch(), Instant.now()))
            .thenReply(cmd.replyTo(), StatusReply::success)))
        .onCommand(MarkFailed.class, (state, cmd) -> whileHeld(state, cmd.worker(), cmd.replyTo(), () -> Effect()
            .persist(new DeploymentFailed(state.projectId(), cmd.message(), Instant.now()))
            .thenReply(cmd.replyTo(), StatusReply::success)))
        .onCommand(Cancel.class, this::cancel);
  }

  private void finishedHandlers(CommandHandlerWithReplyBuilder<Command, Event, State> builder) {
    builder.forState(state -> state.status().isFinished())
        .onCommand(StartBuild.class, (state, cmd) -> Effect().reply(cmd.replyTo(), alreadyFinished(state)))
        .onCommand(Cancel.class, (state, cmd) -> Effect().reply(cmd.replyTo(), alreadyFinished(state)));
    rejectWorkerCommands(builder.forState(state -> state.status().isFinished()), "finished");
    builder.forAnyState()
        .onCommand(Supersede.class, (state, cmd) -> Effect().reply(cmd.replyTo(), StatusReply.success(false)))
        .onCommand(Create.class, this::createExisting)
        .onCommand(Expire.class, this::expire)
        .onCommand(Get.class, (state, cmd) -> Effect().reply(cmd.replyTo(), StatusReply.success(state)));
  }

  /** Commands only the lease holder may send; outside a build they tell the worker to stop. */
  private void rejectWorkerCommands(
      CommandHandlerWithReplyBuilderByState<Command, Event, State, State> forState, String why) {
    String message = "Deployment " + entityId + " is " + why;
    forState
        .onCommand(RenewLease.class, (state, cmd) -> Effect().reply(cmd.replyTo(), Rejection.conflict(message)))
        .onCommand(RecordSource.class, (state, cmd) -> Effect().reply(cmd.replyTo(), Rejection.conflict(message)))
        .onCommand(StartPublishing.class,
            (state, cmd) -> Effect().reply(cmd.replyTo(), Rejection.conflict(message)))
        .onCommand(MarkReady.class, (state, cmd) -> Effect().reply(cmd.replyTo(), Rejection.conflict(message)))
        .onCommand(MarkFailed.class, (state, cmd) -> Effect().reply(cmd.replyTo(), Rejection.conflict(message)));
  }

  private static <T> StatusReply<T> notFound() {
    return Rejection.notFound("Deployment not found");
  }

  private static <T> StatusReply<T> alreadyFinished(State state) {
    return Rejection.conflict("Deployment is already " + state.status());
  }

  private ReplyEffect<Event, State> createExisting(State state, Create cmd) {
    return Effect().reply(cmd.replyTo(), Rejection.conflict("Deployment " + entityId + " already exists"));
  }

  private ReplyEffect<Event, State> takeOver(State state, StartBuild cmd) {
    Instant now = Instant.now();
    if (!state.leaseExpired(now)) {
      return Effect().reply(cmd.replyTo(), Rejection.conflict("Build is leased by " + state.worker()));
    }
    if (state.attempts() >= cmd.maxAttempts()) {
      return Effect()
          .persist(new DeploymentFailed(state.projectId(),
              "The build was lost " + state.attempts() + " times (its worker stopped answering)", now))
          .thenReply(cmd.replyTo(), s -> Rejection.conflict("Deployment is already " + s.status()));
    }
    return Effect()
        .persist(new BuildStarted(cmd.worker(), cmd.leaseUntil(), state.attempts() + 1, now))
        .thenReply(cmd.replyTo(), StatusReply::success);
  }

  private <T> ReplyEffect<Event, State> whileHeld(State state, String worker, ActorRef<StatusReply<T>> replyTo,
      java.util.function.Supplier<ReplyEffect<Event, State>> effect) {
    if (!state.heldBy(worker)) {
      return Effect().reply(replyTo, Rejection.conflict("Build lease is held by " + state.worker()));
    }
    return effect.get();
  }

  private ReplyEffect<Event, State> expire(State state, Expire cmd) {
    if (state.status() == Status.EXPIRED) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(state));
    }
    if (state.status() != Status.READY) {
      return Effect().reply(cmd.replyTo(), Rejection.conflict("Only READY deployments expire; " + entityId + " is "
          + state.status()));
    }
    return Effect()
        .persist(new DeploymentExpired(state.projectId(), cmd.reason(), cmd.initiator(), Instant.now()))
        .thenReply(cmd.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, State> cancel(State state, Cancel cmd) {
    return Effect()
        .persist(new DeploymentCanceled(state.projectId(), cmd.initiator(), null, Instant.now()))
        .thenReply(cmd.replyTo(), StatusReply::success);
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(DeploymentQueued.class, (state, e) -> new State(entityId, Status.QUEUED, e.projectId(),
            e.projectName(), e.number(), e.target(), e.source(), e.settings(), e.initiator(), null, null, 0, null,
            null, e.at(), null, null, null))
        .onEvent(BuildStarted.class, (state, e) -> state.building(e.worker(), e.leaseUntil(), e.attempt(),
            state.buildingAt() == null ? e.at() : state.buildingAt()))
        .onEvent(LeaseRenewed.class, (state, e) -> state.withLease(e.leaseUntil()))
        .onEvent(SourceResolved.class, (state, e) -> state.withSource(
            state.source().resolved(e.commitSha(), e.commitMessage(), e.commitAuthor())))
        .onEvent(PublishingStarted.class, (state, e) -> state.withStatus(Status.DEPLOYING))
        .onEvent(DeploymentReady.class, (state, e) -> state.ready(e.framework(), e.at()))
        .onEvent(DeploymentFailed.class, (state, e) -> state.finished(Status.ERROR, e.message(), e.at()))
        .onEvent(DeploymentCanceled.class, (state, e) -> state.finished(Status.CANCELED, null, e.at()))
        .onEvent(DeploymentExpired.class, (state, e) -> state.withStatus(Status.EXPIRED))
        .build();
  }
}
