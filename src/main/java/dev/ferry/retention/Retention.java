package dev.ferry.retention;

import dev.ferry.common.CborSerializable;
import dev.ferry.common.Initiator;
import dev.ferry.db.Sql;
import dev.ferry.deployment.Deployment;
import dev.ferry.project.Project;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One retention run: READY deployments that no longer need to serve are expired (an event on each Deployment, so the
 * audit shows it; the routing projection then drops their hosts), and then the {@link BlobCollector} deletes the
 * manifests of expired deployments and the blobs nothing references any more.
 *
 * <p>Never expired: a project's current production deployment, the {@code production-keep} former production
 * deployments at the head of its rollback history, production deployments newer than the current one (built while
 * auto-promotion was paused: they may still be promoted), and previews younger than {@code preview-max-age}.
 * Deployments of deleted projects serve nowhere and all expire.
 */
public final class Retention {

  private static final Logger log = LoggerFactory.getLogger(Retention.class);
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);
  /** How long a run waits for the routing projection to drop the hosts of what it expired. */
  private static final Duration UNROUTE_TIMEOUT = Duration.ofSeconds(30);
  public static final Initiator INITIATOR = Initiator.system("retention");

  private final ActorSystem<?> system;
  private final DataSource dataSource;
  private final RetentionSettings settings;
  private final BlobCollector collector;
  private final Clock clock;
  private final Counter expiredCounter;

  public Retention(ActorSystem<?> system, DataSource dataSource, RetentionSettings settings, BlobCollector collector,
      Clock clock, MeterRegistry registry) {
    this.system = system;
    this.dataSource = dataSource;
    this.settings = settings;
    this.collector = collector;
    this.clock = clock;
    this.expiredCounter = Counter.builder("ferry_retention_expired_deployments")
        .description("Deployments retention took out of serving").register(registry);
  }

  public RetentionSettings settings() {
    return settings;
  }

  /** What a run did. {@code blobs} is null when the blob store cannot be collected (see {@link BlobCollector}). */
  public record Report(Instant at, List<String> expired, BlobCollector.Result blobs, long millis)
      implements CborSerializable {}

  private record Candidate(String id, String projectId, long number, String target, Instant createdAt,
      boolean projectDeleted) {}

  /** Expires what is due, then collects garbage; blocking (JDBC, entity asks, blob store). */
  public Report run() throws Exception {
    long start = System.nanoTime();
    Instant now = clock.instant();
    Map<String, List<Candidate>> byProject = new LinkedHashMap<>();
    for (Candidate candidate : Sql.query(dataSource, "SELECT d.id, d.project_id, d.number, d.target, d.created_at, "
            + "p.deleted FROM deployments d JOIN projects p ON p.id = d.project_id WHERE d.state = ? "
            + "ORDER BY d.project_id, d.number",
        row -> new Candidate(row.getString(1), row.getString(2), row.getLong(3), row.getString(4),
            Sql.instant(row, "created_at"), row.getBoolean(6)), Deployment.Status.READY.name())) {
      byProject.computeIfAbsent(candidate.projectId(), id -> new ArrayList<>()).add(candidate);
    }
    List<String> expired = new ArrayList<>();
    for (List<Candidate> candidates : byProject.values()) {
      Map<String, String> due;
      try {
        due = due(candidates, now);
      } catch (Exception e) {
        // Without the project's production pointer nothing of it is safe to expire; the next run looks again.
        log.warn("Retention skipped project {}: {}", candidates.get(0).projectId(), e.toString());
        continue;
      }
      for (Map.Entry<String, String> entry : due.entrySet()) {
        if (expire(entry.getKey(), entry.getValue())) {
          expired.add(entry.getKey());
        }
      }
    }
    expiredCounter.increment(expired.size());
    awaitUnrouted(expired);
    BlobCollector.Result blobs = collector.collect(now, Set.copyOf(expired));
    Report report = new Report(now, List.copyOf(expired), blobs,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    log.info("Retention expired {} deployments{} in {} ms", expired.size(), blobs == null ? ""
        : ", deleted " + blobs.manifestsDeleted() + " manifests and " + blobs.blobsDeleted() + " blobs ("
            + blobs.bytesFreed() + " bytes)", report.millis());
    return report;
  }

  /** The deployments of one project that are due, each with the rule that makes it so. */
  private Map<String, String> due(List<Candidate> candidates, Instant now) throws Exception {
    Map<String, String> due = new LinkedHashMap<>();
    if (candidates.get(0).projectDeleted()) {
      candidates.forEach(c -> due.put(c.id(), "project deleted"));
      return due;
    }
    Project.State project = ask(candidates.get(0).projectId());
    Set<String> window = new HashSet<>();
    long productionNumber = Long.MAX_VALUE;
    if (project.production() != null) {
      window.add(project.production().deploymentId());
      productionNumber = project.production().number();
      project.previousProductions().stream().limit(settings.productionKeep())
          .forEach(entry -> window.add(entry.deploymentId()));
    }
    Instant previewCutoff = now.minus(settings.previewMaxAge());
    for (Candidate candidate : candidates) {
      if (window.contains(candidate.id())) {
        continue;
      }
      if (Deployment.PRODUCTION.equals(candidate.target())) {
        if (candidate.number() < productionNumber) {
          due.put(candidate.id(), "production deployment superseded, outside the rollback window of the last "
              + settings.productionKeep());
        }
      } else if (candidate.createdAt().isBefore(previewCutoff)) {
        due.put(candidate.id(), "preview older than " + describe(settings.previewMaxAge()));
      }
    }
    return due;
  }

  private Project.State ask(String projectId) throws Exception {
    return await(ClusterSharding.get(system).entityRefFor(Project.ENTITY_KEY, projectId)
        .<Project.State>askWithStatus(Project.Get::new, ASK_TIMEOUT).toCompletableFuture());
  }

  private boolean expire(String deploymentId, String reason) {
    try {
      Deployment.State state = await(ClusterSharding.get(system).entityRefFor(Deployment.ENTITY_KEY, deploymentId)
          .<Deployment.State>askWithStatus(replyTo -> new Deployment.Expire(reason, INITIATOR, replyTo),
              ASK_TIMEOUT).toCompletableFuture());
      return state.status() == Deployment.Status.EXPIRED;
    } catch (Exception e) {
      // E.g. the read model was behind: the deployment is no longer READY. The next run looks again.
      log.warn("Could not expire deployment {}: {}", deploymentId, e.getMessage());
      return false;
    }
  }

  /** Waits until no host but a production one routes to what was expired, so collection finds them unrouted. */
  private void awaitUnrouted(List<String> expired) throws SQLException, InterruptedException {
    Instant deadline = Instant.now().plus(UNROUTE_TIMEOUT);
    List<String> waiting = new ArrayList<>(expired);
    while (!waiting.isEmpty() && Instant.now().isBefore(deadline)) {
      List<String> stillRouted = new ArrayList<>();
      for (String id : waiting) {
        if (!Sql.query(dataSource, "SELECT 1 FROM routes WHERE deployment_id = ? AND kind <> 'production'",
            row -> 1, id).isEmpty()) {
          stillRouted.add(id);
        }
      }
      waiting = stillRouted;
      if (!waiting.isEmpty()) {
        Thread.sleep(100);
      }
    }
  }

  private static <T> T await(java.util.concurrent.CompletableFuture<T> future) throws Exception {
    try {
      return future.get(ASK_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    } catch (TimeoutException e) {
      throw new TimeoutException("no answer in " + ASK_TIMEOUT);
    }
  }

  static String describe(Duration duration) {
    long days = duration.toDays();
    return days > 0 && duration.equals(Duration.ofDays(days)) ? days + (days == 1 ? " day" : " days")
        : duration.toString();
  }
}
