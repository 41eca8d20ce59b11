package dev.ferry.project;

import dev.ferry.common.Initiator;
import dev.ferry.common.Rejection;
import dev.ferry.db.Sql;
import dev.ferry.secrets.MasterKeyring;
import dev.ferry.secrets.SecretBox;
import dev.ferry.secrets.SecretBoxException;
import dev.ferry.secrets.WrappedKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.sql.DataSource;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Run when a node starts: every project whose data key is still wrapped by a retired master key gets it re-wrapped by
 * the current one (the values sealed under the data key stay as they are), and a project created before data keys
 * existed gets its first one. Only keys this node's keyring can unwrap are touched, so a node that does not know
 * the newest master key yet leaves them alone. Projects that could not be reached are retried, and at the latest
 * by the next start; the entity acknowledges a re-wrap to a master key it already uses, so nodes may run this
 * concurrently.
 */
public final class DataKeyRewrapper {

  private static final Logger log = LoggerFactory.getLogger(DataKeyRewrapper.class);
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration RETRY_DELAY = Duration.ofSeconds(5);
  private static final int PASSES = 3;
  static final Initiator INITIATOR = Initiator.system("master-key-rotation");

  private final ClusterSharding sharding;
  private final DataSource dataSource;
  private final SecretBox secrets;
  private final MasterKeyring keyring;

  public DataKeyRewrapper(ActorSystem<?> system, DataSource dataSource, SecretBox secrets, MasterKeyring keyring) {
    this.sharding = ClusterSharding.get(system);
    this.dataSource = dataSource;
    this.secrets = secrets;
    this.keyring = keyring;
  }

  public record Result(int projects, int rewrapped, int assigned, int unreadable, int failed) {}

  /** Starts the pass on a daemon thread; the node does not wait for it. */
  public void startInBackground() {
    Thread thread = new Thread(() -> {
      try {
        run();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        log.warn("Re-wrapping project data keys failed (tried again at the next start): {}", e.toString());
      }
    }, "ferry-data-key-rewrap");
    thread.setDaemon(true);
    thread.start();
  }

  /** One pass over the live projects, retrying the ones that did not answer; blocks until done. */
  public Result run() throws Exception {
    List<String> pending = Sql.query(dataSource, "SELECT id FROM projects WHERE deleted = FALSE ORDER BY id",
        row -> row.getString(1));
    int projects = pending.size();
    int rewrapped = 0;
    int assigned = 0;
    int unreadable = 0;
    for (int pass = 1; pass <= PASSES && !pending.isEmpty(); pass++) {
      if (pass > 1) {
        Thread.sleep(RETRY_DELAY.toMillis());
      }
      List<String> failed = new ArrayList<>();
      for (String projectId : pending) {
        try {
          switch (rewrap(projectId)) {
            case REWRAPPED -> rewrapped++;
            case ASSIGNED -> assigned++;
            case UNREADABLE -> unreadable++;
            case CURRENT -> { }
          }
        } catch (InterruptedException e) {
          throw e;
        } catch (Exception e) {
          if (deleted(e)) {
            continue;
          }
          log.debug("Data key of project {} not re-wrapped yet: {}", projectId, e.toString());
          failed.add(projectId);
        }
      }
      pending = failed;
    }
    Result result = new Result(projects, rewrapped, assigned, unreadable, pending.size());
    log.info("Master key {}: re-wrapped {} of {} project data keys{}{}{}", keyring.currentKeyId(), rewrapped,
        projects,
        assigned == 0 ? "" : ", gave " + assigned + " older projects their first data key",
        unreadable == 0 ? "" : ", " + unreadable + " wrapped by master keys this node does not have",
        pending.isEmpty() ? "" : ", " + pending.size() + " not reachable (tried again at the next start)");
    return result;
  }

  /** The project was deleted since it was listed: nothing to re-wrap. */
  private static boolean deleted(Exception e) {
    return e instanceof ExecutionException && e.getCause() instanceof StatusReply.ErrorMessage error
        && Rejection.status(error.getMessage()) == 404;
  }

  private enum Outcome { CURRENT, REWRAPPED, ASSIGNED, UNREADABLE }

  private Outcome rewrap(String projectId) throws Exception {
    Project.State project = ask(projectId, Project.Get::new);
    WrappedKey wrapped = project.dataKey();
    WrappedKey replacement;
    Outcome outcome;
    if (wrapped == null) {
      replacement = secrets.newDataKey();
      outcome = Outcome.ASSIGNED;
    } else if (!secrets.needsRewrap(wrapped)) {
      return Outcome.CURRENT;
    } else if (!keyring.keyIds().contains(wrapped.masterKeyId())) {
      log.warn("The data key of project {} is wrapped by master key {}, which this node does not have", projectId,
          wrapped.masterKeyId());
      return Outcome.UNREADABLE;
    } else {
      try {
        replacement = secrets.rewrap(wrapped, keyring);
      } catch (SecretBoxException e) {
        log.warn("The data key of project {} does not unwrap with master key {}: {}", projectId,
            wrapped.masterKeyId(), e.getMessage());
        return Outcome.UNREADABLE;
      }
      outcome = Outcome.REWRAPPED;
    }
    this.<Done>ask(projectId, replyTo -> new Project.RewrapDataKey(replacement, INITIATOR, replyTo));
    return outcome;
  }

  private <T> T ask(String projectId, Function<ActorRef<StatusReply<T>>, Project.Command> command)
      throws Exception {
    return sharding.entityRefFor(Project.ENTITY_KEY, projectId).<T>askWithStatus(command::apply, ASK_TIMEOUT)
        .toCompletableFuture().get(ASK_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
  }
}
