package dev.ferry.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.ferry.FerrySettings;
import dev.ferry.testing.S3ProxyServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.connectors.s3.javadsl.S3;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.connectors.s3.S3Attributes;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** The S3 blob store against a real S3 server (s3proxy in its own process): blobs, manifests, digest checks. */
class S3BlobStoreIT {

  @TempDir
  static Path serverDir;

  private static S3ProxyServer s3;
  private static ActorSystem<Void> system;

  @TempDir
  Path temp;

  private String bucket;
  private S3BlobStore store;

  @BeforeAll
  static void start() throws Exception {
    s3 = S3ProxyServer.start(serverDir);
    system = ActorSystem.create(Behaviors.empty(), "s3-test",
        ConfigFactory.parseString("pekko.actor.provider = local").withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stop() throws Exception {
    if (system != null) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    if (s3 != null) {
      s3.close();
    }
  }

  @BeforeEach
  void openStore(TestInfo test) throws Exception {
    bucket = s3.createBucket("ferry-" + test.getTestMethod().orElseThrow().getName().toLowerCase().substring(0, 20));
    store = S3BlobStore.open(system, s3.settings(bucket), temp.resolve("cache"));
  }

  @Test
  void storesBlobsByDigestAndServesThemFromALocalCopy() throws Exception {
    Path file = write("index.html", "<h1>hello from S3</h1>");
    String sha = Digests.sha256(file);

    assertFalse(store.hasBlob(sha));
    store.putBlob(sha, file);
    assertTrue(store.hasBlob(sha));
    store.putBlob(sha, file); // already there: nothing to do

    try (InputStream in = store.openBlob(sha)) {
      assertEquals("<h1>hello from S3</h1>", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    Path local = store.localBlob(sha).orElseThrow();
    assertTrue(local.startsWith(temp.resolve("cache")), local.toString());
    assertEquals(sha, Digests.sha256(local));
    assertEquals(local, store.localBlob(sha).orElseThrow());
    try (Stream<Path> cache = Files.list(temp.resolve("cache"))) {
      assertEquals(1, cache.count(), "no temporary files are left behind");
    }
  }

  @Test
  void blobsLargerThanAnHttpEntityLimitStreamBothWays() throws Exception {
    byte[] bytes = new byte[9 * 1024 * 1024 + 7];
    new Random(42).nextBytes(bytes);
    Path file = temp.resolve("large.bin");
    Files.write(file, bytes);
    String sha = Digests.sha256(file);

    store.putBlob(sha, file);

    try (InputStream in = store.openBlob(sha)) {
      assertArrayEquals(bytes, in.readAllBytes());
    }
    assertEquals(sha, Digests.sha256(store.localBlob(sha).orElseThrow()));
  }

  @Test
  void aFileWhoseDigestIsNotItsKeyIsRefused() throws Exception {
    Path file = write("a.txt", "actual content");
    String claimed = Digests.sha256("other content".getBytes(StandardCharsets.UTF_8));

    IOException refused = assertThrows(IOException.class, () -> store.putBlob(claimed, file));

    assertTrue(refused.getMessage().contains("digest mismatch"), refused.getMessage());
    assertFalse(store.hasBlob(claimed));
    assertThrows(IllegalArgumentException.class, () -> store.hasBlob("not-a-digest"));
  }

  @Test
  void aBlobCorruptedInTheBucketIsNeverServedAsItsDigest() throws Exception {
    String sha = Digests.sha256("the real bytes".getBytes(StandardCharsets.UTF_8));
    // Written around the store, as a broken replication or a careless operator might.
    S3.putObject(bucket, "blobs/" + sha, Source.single(ByteString.fromString("tampered")), 8)
        .withAttributes(S3Attributes.settings(S3BlobStore.settings(system, s3.settings(bucket))))
        .runWith(Sink.head(), system).toCompletableFuture().get(30, TimeUnit.SECONDS);

    IOException refused = assertThrows(IOException.class, () -> store.localBlob(sha));

    assertTrue(refused.getMessage().contains("has SHA-256"), refused.getMessage());
    assertFalse(Files.exists(temp.resolve("cache").resolve(sha)));
  }

  @Test
  void aMissingBlobIsAbsentEverywhere() throws Exception {
    String sha = Digests.sha256("never stored".getBytes(StandardCharsets.UTF_8));

    assertFalse(store.hasBlob(sha));
    assertTrue(store.localBlob(sha).isEmpty());
    assertThrows(NoSuchFileException.class, () -> store.openBlob(sha));
  }

  @Test
  void manifestsAreImmutable() throws Exception {
    Manifest manifest = new Manifest("dpl1", Map.of(
        "index.html", new Manifest.FileEntry(Digests.sha256(new byte[] {1}), 1, "text/html; charset=utf-8")));

    assertTrue(store.manifest("dpl1").isEmpty());
    store.putManifest("dpl1", manifest);
    assertEquals(manifest, store.manifest("dpl1").orElseThrow());

    store.putManifest("dpl1", manifest); // the same again is fine
    Manifest other = new Manifest("dpl1", Map.of());
    assertThrows(FileAlreadyExistsException.class, () -> store.putManifest("dpl1", other));
    assertEquals(manifest, store.manifest("dpl1").orElseThrow());
    assertThrows(IllegalArgumentException.class, () -> store.putManifest("dpl2", manifest));
    assertThrows(IllegalArgumentException.class, () -> store.manifest("../dpl1"));
  }

  @Test
  void publishesABuildOutputAndUploadsOnlyWhatChanged() throws Exception {
    Path output = Files.createDirectories(temp.resolve("out"));
    Files.writeString(output.resolve("index.html"), "<p>v1</p>");
    Files.createDirectories(output.resolve("assets"));
    Files.writeString(output.resolve("assets/app.js"), "console.log(1)");

    Publisher.PublishResult first = Publisher.publish(output, "dpla", store);
    Files.writeString(output.resolve("index.html"), "<p>v2</p>");
    Publisher.PublishResult second = Publisher.publish(output, "dplb", store);

    assertEquals(2, first.uploadedBlobs());
    assertEquals(1, second.uploadedBlobs());
    Manifest manifest = store.manifest("dplb").orElseThrow();
    Path index = store.localBlob(manifest.file("index.html").sha256()).orElseThrow();
    assertEquals("<p>v2</p>", Files.readString(index));
  }

  @Test
  void aMissingBucketOrWrongCredentialsStopTheStoreFromOpening() {
    IOException missing = assertThrows(IOException.class,
        () -> S3BlobStore.open(system, s3.settings("no-such-bucket"), temp.resolve("other")));
    assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());

    FerrySettings.S3 wrongSecret = new FerrySettings.S3(bucket, s3.endpoint(), S3ProxyServer.REGION, true,
        S3ProxyServer.ACCESS_KEY, "not-the-secret");
    IOException denied = assertThrows(IOException.class,
        () -> S3BlobStore.open(system, wrongSecret, temp.resolve("other")));
    assertTrue(denied.getMessage().contains("may not use it"), denied.getMessage());
  }

  @Test
  void theInventoryListsBlobsWithTheirSizeAndLastUseAndTheManifests() throws Exception {
    Path small = write("a.txt", "a");
    Path larger = write("b.txt", "bbbbbbbbbb");
    String a = Digests.sha256(small);
    String b = Digests.sha256(larger);
    Instant before = Instant.now().minusSeconds(2); // LastModified has whole seconds
    store.putBlob(a, small);
    store.putBlob(b, larger);
    store.putManifest("dpl1", new Manifest("dpl1", Map.of()));
    store.putManifest("dpl2", new Manifest("dpl2", Map.of()));

    Map<String, BlobInventory.StoredBlob> listed = inventory();

    assertEquals(Set.of(a, b), listed.keySet(), "manifests are not blobs");
    assertEquals(1, listed.get(a).size());
    assertEquals(10, listed.get(b).size());
    assertFalse(listed.get(a).lastUsed().isBefore(before), listed.get(a).toString());
    assertEquals(List.of("dpl1", "dpl2"), store.manifestIds());

    assertTrue(store.deleteManifest("dpl1"));
    assertFalse(store.deleteManifest("dpl1"), "already gone");
    assertEquals(List.of("dpl2"), store.manifestIds());
    assertTrue(store.manifest("dpl1").isEmpty());
  }

  @Test
  void usingABlobThatWasNotUsedForAWhileRecordsTheUse() throws Exception {
    String old = stored("old.txt", "old but still wanted");
    String none = stored("empty.txt", "");
    String young = stored("recent.txt", "used an hour ago");
    Instant twoDaysAgo = Instant.now().minus(Duration.ofDays(2)).truncatedTo(ChronoUnit.SECONDS);
    Instant anHourAgo = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
    s3.setLastModified(bucket, "blobs/" + old, twoDaysAgo);
    s3.setLastModified(bucket, "blobs/" + none, twoDaysAgo);
    s3.setLastModified(bucket, "blobs/" + young, anHourAgo);
    assertEquals(twoDaysAgo, inventory().get(old).lastUsed());

    Instant beforeUse = Instant.now().minusSeconds(2);
    assertTrue(store.hasBlob(old));
    store.putBlob(none, temp.resolve("empty.txt")); // a publish that finds it stored
    assertTrue(store.hasBlob(young));

    Map<String, BlobInventory.StoredBlob> listed = inventory();
    assertFalse(listed.get(old).lastUsed().isBefore(beforeUse), listed.get(old).toString());
    assertFalse(listed.get(none).lastUsed().isBefore(beforeUse), listed.get(none).toString());
    assertEquals(anHourAgo, listed.get(young).lastUsed(), "younger than refreshAfter (6 h): left alone");
    try (InputStream in = store.openBlob(old)) {
      assertEquals("old but still wanted", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    assertEquals(0, listed.get(none).size());
  }

  @Test
  void aBlobIsDeletedOnlyIfItIsStillUnusedSinceTheCutoff() throws Exception {
    String old = stored("old.txt", "old and unreferenced");
    String used = stored("used.txt", "old, listed, then used");
    String fresh = stored("fresh.txt", "just uploaded");
    Instant twoDaysAgo = Instant.now().minus(Duration.ofDays(2));
    s3.setLastModified(bucket, "blobs/" + old, twoDaysAgo);
    s3.setLastModified(bucket, "blobs/" + used, twoDaysAgo);
    Instant cutoff = Instant.now().minus(Duration.ofDays(1));
    assertTrue(inventory().get(used).lastUsed().isBefore(cutoff), "old when the collector lists it");

    assertTrue(store.hasBlob(used)); // an upload check between the listing and the delete
    store.localBlob(old).orElseThrow(); // a local copy goes with the blob

    assertTrue(store.deleteBlobUnusedSince(old, cutoff));
    assertFalse(store.deleteBlobUnusedSince(used, cutoff), "used after the listing");
    assertFalse(store.deleteBlobUnusedSince(fresh, cutoff), "younger than the cutoff");
    assertFalse(store.deleteBlobUnusedSince(old, cutoff), "already gone");

    assertFalse(store.hasBlob(old));
    assertTrue(store.localBlob(old).isEmpty());
    assertEquals(Set.of(used, fresh), inventory().keySet());
    assertEquals(List.of("blobs/" + fresh, "blobs/" + used).stream().sorted().toList(), s3.keys(bucket));
  }

  @Test
  void theCacheInFrontOfS3HandsOverTheInventoryAndAlwaysAsksTheBucket() throws Exception {
    CachingBlobStore cached = new CachingBlobStore(store, temp.resolve("edge-cache"), 1024 * 1024);
    Path file = write("page.html", "<p>cached</p>");
    String sha = Digests.sha256(file);
    cached.putBlob(sha, file);
    Path local = cached.localBlob(sha).orElseThrow();
    s3.setLastModified(bucket, "blobs/" + sha, Instant.now().minus(Duration.ofDays(2)));
    BlobInventory inventory = cached.inventory().orElseThrow();

    assertTrue(inventory.deleteBlobUnusedSince(sha, Instant.now().minus(Duration.ofDays(1))));

    assertFalse(Files.exists(local), "the cached copy went with the blob");
    assertEquals(0, cached.cachedBlobs());
    assertFalse(cached.hasBlob(sha), "the bucket is asked, not the cache");
    assertTrue(inventory().isEmpty());
  }

  private Map<String, BlobInventory.StoredBlob> inventory() throws IOException {
    Map<String, BlobInventory.StoredBlob> listed = new HashMap<>();
    store.forEachBlob(blob -> listed.put(blob.sha256(), blob));
    return listed;
  }

  /** Writes a file, stores it and answers its digest. */
  private String stored(String name, String content) throws IOException {
    Path file = write(name, content);
    String sha = Digests.sha256(file);
    store.putBlob(sha, file);
    return sha;
  }

  private Path write(String name, String content) throws IOException {
    Path file = temp.resolve(name);
    Files.writeString(file, content);
    return file;
  }
}
