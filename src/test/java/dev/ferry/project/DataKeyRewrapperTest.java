package dev.ferry.project;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.common.Initiator;
import dev.ferry.db.Sql;
import dev.ferry.secrets.MasterKeyring;
import dev.ferry.secrets.SecretBox;
import dev.ferry.secrets.WrappedKey;
import dev.ferry.testing.ProjectionTestDatabase;
import dev.ferry.testing.ProjectionTests;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The start-up re-wrap pass against real, sharded Project entities and the projects table in H2. */
class DataKeyRewrapperTest extends ProjectionTestDatabase {

  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(5);
  private static final Initiator ALICE = Initiator.user("usr_alice");
  private static final AtomicInteger ids = new AtomicInteger();
  private static final ProjectionTests kit = ProjectionTests.start(DataKeyRewrapperTest.class);

  private final MasterKeyring oldRing = MasterKeyring.of(randomKey());
  private final SecretBox oldBox = new SecretBox(oldRing);

  @BeforeAll
  static void startSharding() {
    Project.init(kit.system());
  }

  @AfterAll
  static void shutdown() {
    kit.close();
  }

  @Test
  void dataKeysOfARetiredMasterKeyAreRewrappedOnceAndStillUnwrapTheSameKey() throws Exception {
    String first = project(oldBox.newDataKey());
    String second = project(oldBox.newDataKey());
    byte[] firstKey = oldBox.unwrap(state(first).dataKey());
    MasterKeyring rotated = MasterKeyring.of(randomKey()).withRetired(oldRing);
    SecretBox rotatedBox = new SecretBox(rotated);
    DataKeyRewrapper rewrapper = new DataKeyRewrapper(kit.system(), database.dataSource(), rotatedBox, rotated);

    assertEquals(new DataKeyRewrapper.Result(2, 2, 0, 0, 0), rewrapper.run());

    for (String projectId : List.of(first, second)) {
      assertEquals(rotated.currentKeyId(), state(projectId).dataKey().masterKeyId());
    }
    assertEquals(HexFormat.of().formatHex(firstKey),
        HexFormat.of().formatHex(rotatedBox.unwrap(state(first).dataKey())));
    assertEquals(new DataKeyRewrapper.Result(2, 0, 0, 0, 0), rewrapper.run());
  }

  @Test
  void keysOfUnknownMasterKeysAndDeletedOrMissingProjectsAreLeftAlone() throws Exception {
    WrappedKey foreign = new SecretBox(MasterKeyring.of(randomKey())).newDataKey();
    String unknownMaster = project(foreign);
    String deleted = project(oldBox.newDataKey());
    Sql.update(database.dataSource(), "UPDATE projects SET deleted = TRUE WHERE id = ?", deleted);
    row("prj_never_created");
    MasterKeyring rotated = MasterKeyring.of(randomKey()).withRetired(oldRing);

    DataKeyRewrapper.Result result =
        new DataKeyRewrapper(kit.system(), database.dataSource(), new SecretBox(rotated), rotated).run();

    assertEquals(new DataKeyRewrapper.Result(2, 0, 0, 1, 0), result);
    assertEquals(foreign, state(unknownMaster).dataKey());
    assertEquals(oldRing.currentKeyId(), state(deleted).dataKey().masterKeyId());
  }

  /** A project entity whose data key is {@code dataKey}, listed in the projects table. */
  private String project(WrappedKey dataKey) throws Exception {
    String projectId = "prj_rewrap" + ids.incrementAndGet();
    this.<Project.State>ask(projectId, replyTo -> new Project.Create("app" + projectId.substring(4), "usr_alice",
        new ProjectSettings(null, "main", null, null, null, null, null), dataKey, ALICE, replyTo));
    row(projectId);
    return projectId;
  }

  private void row(String projectId) throws Exception {
    Sql.update(database.dataSource(),
        "INSERT INTO projects (id, name, owner, created_at, updated_at) VALUES (?, ?, 'usr_alice', ?, ?)",
        projectId, projectId, Instant.now(), Instant.now());
  }

  private Project.State state(String projectId) throws Exception {
    return ask(projectId, Project.Get::new);
  }

  private <T> T ask(String projectId, Function<ActorRef<StatusReply<T>>, Project.Command> command)
      throws Exception {
    return ClusterSharding.get(kit.system()).entityRefFor(Project.ENTITY_KEY, projectId)
        .<T>askWithStatus(command::apply, ASK_TIMEOUT).toCompletableFuture()
        .get(ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static byte[] randomKey() {
    byte[] key = new byte[MasterKeyring.KEY_BYTES];
    new SecureRandom().nextBytes(key);
    return key;
  }
}
