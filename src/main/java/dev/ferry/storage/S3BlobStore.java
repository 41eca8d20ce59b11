package dev.ferry.storage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ferry.FerrySettings;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.connectors.s3.BucketAccess;
import org.apache.pekko.stream.connectors.s3.ListBucketResultContents;
import org.apache.pekko.stream.connectors.s3.ObjectMetadata;
import org.apache.pekko.stream.connectors.s3.S3Attributes;
import org.apache.pekko.stream.connectors.s3.S3Exception;
import org.apache.pekko.stream.connectors.s3.S3Headers;
import org.apache.pekko.stream.connectors.s3.S3Settings;
import org.apache.pekko.stream.connectors.s3.javadsl.S3;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamConverters;
import org.apache.pekko.util.ByteString;

/**
 * Blobs and manifests in an S3 bucket (AWS S3, MinIO or any S3-compatible server), through pekko-connectors-s3:
 * blobs at {@code blobs/<sha256>}, manifests at {@code manifests/<deploymentId>.json}, the same layout and JSON as
 * the filesystem store.
 *
 * <p>Uploads are verified twice: the SHA-256 of the bytes read must be the key, and the server checks their MD5
 * ({@code Content-MD5}), so a file that changes underneath or a corrupted transfer never lands under a digest.
 * {@link #localBlob} downloads a blob once into a local directory, checks its SHA-256 and moves it into place
 * atomically; that directory is not bounded here.
 *
 * <p>As a {@link BlobInventory} (ADR 0010) an object's {@code LastModified} is when the blob was last used:
 * {@link #hasBlob} and {@link #putBlob} of a blob whose {@code LastModified} is older than {@code refreshAfter} copy
 * the object onto itself on the server (no bytes pass through Ferry), so only blobs that have not been used for a
 * while cost a request more.
 */
public final class S3BlobStore implements BlobStore, BlobInventory {

  /** How old a blob's {@code LastModified} may get before a use refreshes it, unless told otherwise. */
  static final Duration DEFAULT_REFRESH_AFTER = Duration.ofHours(6);
  private static final String BLOBS = "blobs/";
  private static final String MANIFESTS = "manifests/";

  /** Metadata, manifests, bucket checks. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
  /** One blob up or down (a deployment's files are at most 1 GiB together). */
  static final Duration TRANSFER_TIMEOUT = Duration.ofMinutes(30);

  private static final Pattern DEPLOYMENT_ID = Pattern.compile("[a-z0-9_-]{1,64}");
  // Pekko's content types (this package's ContentTypes names the types of deployment files).
  private static final ContentType JSON = org.apache.pekko.http.javadsl.model.ContentTypes.APPLICATION_JSON;
  private static final ContentType OCTET_STREAM =
      org.apache.pekko.http.javadsl.model.ContentTypes.APPLICATION_OCTET_STREAM;

  private final ActorSystem<?> system;
  private final String bucket;
  private final Attributes s3;
  private final Path cacheDir;
  private final Duration refreshAfter;
  private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  S3BlobStore(ActorSystem<?> system, S3Settings settings, String bucket, Path cacheDir, Duration refreshAfter)
      throws IOException {
    if (refreshAfter.isNegative()) {
      throw new IllegalArgumentException("refreshAfter must not be negative");
    }
    this.system = system;
    this.bucket = bucket;
    this.s3 = S3Attributes.settings(settings);
    this.cacheDir = Files.createDirectories(cacheDir);
    this.refreshAfter = refreshAfter;
  }

  /**
   * The store for the configured bucket, once the bucket has been found and may be read; local copies of blobs go to
   * {@code cacheDir}.
   */
  public static S3BlobStore open(ActorSystem<?> system, FerrySettings.S3 config, Path cacheDir) throws IOException {
    return open(system, config, cacheDir, DEFAULT_REFRESH_AFTER);
  }

  /**
   * As {@link #open(ActorSystem, FerrySettings.S3, Path)}; a use of a blob last used more than {@code refreshAfter}
   * ago records the use (a fraction of the garbage collector's grace period, so a used blob is never that old).
   */
  public static S3BlobStore open(ActorSystem<?> system, FerrySettings.S3 config, Path cacheDir,
      Duration refreshAfter) throws IOException {
    S3BlobStore store = new S3BlobStore(system, settings(system, config), config.bucket(), cacheDir, refreshAfter);
    BucketAccess access = store.await(S3.checkIfBucketExists(config.bucket(), system, store.s3), REQUEST_TIMEOUT,
        "check bucket " + config.bucket());
    if (access.equals(BucketAccess.notExists())) {
      throw new IOException("S3 bucket '" + config.bucket() + "' does not exist at "
          + (config.endpoint().isBlank() ? "AWS" : config.endpoint()) + "; create it first");
    }
    if (!access.equals(BucketAccess.accessGranted())) {
      throw new IOException("S3 bucket '" + config.bucket() + "' exists but these credentials may not use it");
    }
    return store;
  }

  /** pekko-connectors-s3 settings from Ferry's: endpoint, region, access style and (static) credentials. */
  static S3Settings settings(ActorSystem<?> system, FerrySettings.S3 config) {
    Map<String, Object> values = new HashMap<>();
    values.put("access-style", config.pathStyleAccess() ? "path" : "virtual");
    values.put("aws.region.provider", "static");
    values.put("aws.region.default-region", config.region().isBlank() ? "us-east-1" : config.region());
    if (!config.accessKey().isBlank()) {
      values.put("aws.credentials.provider", "static");
      values.put("aws.credentials.access-key-id", config.accessKey());
      values.put("aws.credentials.secret-access-key", config.secretKey());
    }
    if (!config.endpoint().isBlank()) {
      values.put("endpoint-url", config.endpoint());
    }
    Config s3 = ConfigFactory.parseMap(values)
        .withFallback(system.settings().config().getConfig("pekko.connectors.s3"));
    return S3Settings.create(s3);
  }

  /** Whether the blob is stored; asking counts as a use (the caller is about to reference it). */
  @Override
  public boolean hasBlob(String sha256) throws IOException {
    String key = blobKey(sha256);
    Optional<ObjectMetadata> metadata = metadata(key);
    if (metadata.isEmpty()) {
      return false;
    }
    Instant lastUsed = Instant.ofEpochMilli(metadata.get().getLastModified().clicks());
    if (lastUsed.isBefore(Instant.now().minus(refreshAfter))) {
      return refresh(key, metadata.get().getContentLength());
    }
    return true;
  }

  /**
   * Records a use: a copy of the object onto itself gives it a new {@code LastModified}. False when the collector
   * deleted it meanwhile (then the caller stores it again).
   */
  private boolean refresh(String key, long size) throws IOException {
    try {
      if (size == 0) {
        // The only empty blob has no bytes to copy (a multipart copy needs a part); writing it again is the same.
        put(key, Source.empty(), 0, OCTET_STREAM, Base64.getEncoder().encodeToString(newMd5().digest()),
            REQUEST_TIMEOUT);
        return true;
      }
      await(S3.multipartCopy(bucket, key, bucket, key, OCTET_STREAM, S3Headers.create()).withAttributes(s3)
          .run(system), TRANSFER_TIMEOUT, "refresh " + key);
      return true;
    } catch (NoSuchFileException deletedMeanwhile) {
      return false;
    }
  }

  private Optional<ObjectMetadata> metadata(String key) throws IOException {
    return await(S3.getObjectMetadata(bucket, key).withAttributes(s3).runWith(Sink.head(), system),
        REQUEST_TIMEOUT, "look up " + key);
  }

  @Override
  public void putBlob(String sha256, Path file) throws IOException {
    String key = blobKey(sha256);
    if (hasBlob(sha256)) {
      return;
    }
    // A private copy, digested while it is made: what is uploaded is exactly what was checked.
    Path copy = Files.createTempFile(cacheDir, ".put-", ".tmp");
    try {
      MessageDigest sha = Digests.newSha256();
      MessageDigest md5 = newMd5();
      try (InputStream in = new DigestInputStream(new DigestInputStream(Files.newInputStream(file), sha), md5);
          OutputStream out = Files.newOutputStream(copy)) {
        in.transferTo(out);
      }
      String actual = Digests.hex(sha.digest());
      if (!actual.equals(sha256)) {
        throw new IOException("digest mismatch: " + file + " has SHA-256 " + actual + ", expected " + sha256);
      }
      put(key, FileIO.fromPath(copy), Files.size(copy), OCTET_STREAM,
          Base64.getEncoder().encodeToString(md5.digest()), TRANSFER_TIMEOUT);
    } finally {
      Files.deleteIfExists(copy);
    }
  }

  @Override
  public Optional<Path> localBlob(String sha256) throws IOException {
    blobKey(sha256);
    Path target = cacheDir.resolve(sha256);
    if (Files.isRegularFile(target)) {
      return Optional.of(target);
    }
    Path temp = Files.createTempFile(cacheDir, ".download-", ".tmp");
    try {
      MessageDigest digest = Digests.newSha256();
      try (InputStream in = new DigestInputStream(openBlob(sha256), digest);
          OutputStream out = Files.newOutputStream(temp)) {
        in.transferTo(out);
      } catch (NoSuchFileException e) {
        return Optional.empty();
      }
      String actual = Digests.hex(digest.digest());
      if (!actual.equals(sha256)) {
        throw new IOException("blob " + sha256 + " in bucket " + bucket + " has SHA-256 " + actual);
      }
      // Concurrent downloads of one blob write identical bytes; whichever rename lands last is equally right.
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return Optional.of(target);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** Streams the blob from the bucket; {@link NoSuchFileException} when it is not there. */
  @Override
  public InputStream openBlob(String sha256) throws IOException {
    String key = blobKey(sha256);
    Pair<CompletionStage<ObjectMetadata>, InputStream> download = S3.getObject(bucket, key).withAttributes(s3)
        .toMat(StreamConverters.asInputStream(REQUEST_TIMEOUT), Keep.both())
        .run(system);
    try {
      await(download.first(), REQUEST_TIMEOUT, "get " + key);
    } catch (IOException | RuntimeException e) {
      download.second().close();
      throw e;
    }
    return download.second();
  }

  @Override
  public void putManifest(String deploymentId, Manifest manifest) throws IOException {
    String key = manifestKey(deploymentId);
    if (!deploymentId.equals(manifest.deploymentId())) {
      throw new IllegalArgumentException(
          "manifest belongs to deployment '" + manifest.deploymentId() + "', not '" + deploymentId + "'");
    }
    // Manifests are immutable. One build publishes a deployment (it holds the lease), so check-then-put suffices.
    Optional<Manifest> existing = manifest(deploymentId);
    if (existing.isPresent()) {
      if (existing.get().equals(manifest)) {
        return;
      }
      throw new FileAlreadyExistsException(key, null,
          "manifest of deployment " + deploymentId + " already exists with different content");
    }
    byte[] bytes = json.writeValueAsBytes(manifest);
    put(key, Source.single(ByteString.fromArray(bytes)), bytes.length, JSON,
        Base64.getEncoder().encodeToString(newMd5().digest(bytes)), REQUEST_TIMEOUT);
  }

  @Override
  public Optional<Manifest> manifest(String deploymentId) throws IOException {
    String key = manifestKey(deploymentId);
    try (InputStream in = openObject(key)) {
      return Optional.of(json.readValue(in, Manifest.class));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public void forEachBlob(Consumer<StoredBlob> visitor) throws IOException {
    await(S3.listBucket(bucket, Optional.of(BLOBS)).withAttributes(s3).runWith(Sink.foreach(object -> {
      String sha256 = object.key().substring(BLOBS.length());
      if (Digests.isSha256Hex(sha256)) {
        visitor.accept(new StoredBlob(sha256, object.size(), object.lastModified()));
      }
    }), system), TRANSFER_TIMEOUT, "list " + BLOBS);
  }

  /**
   * Deletes the blob if its {@code LastModified}, read again just before, is still before the cutoff. Unlike the
   * filesystem store this is not atomic: a use that refreshes the blob between the read and the delete loses it
   * (ADR 0010 weighs that window).
   */
  @Override
  public boolean deleteBlobUnusedSince(String sha256, Instant cutoff) throws IOException {
    String key = blobKey(sha256);
    Optional<ObjectMetadata> metadata = metadata(key);
    if (metadata.isEmpty() || !Instant.ofEpochMilli(metadata.get().getLastModified().clicks()).isBefore(cutoff)) {
      return false;
    }
    delete(key);
    Files.deleteIfExists(cacheDir.resolve(sha256));
    return true;
  }

  @Override
  public List<String> manifestIds() throws IOException {
    List<ListBucketResultContents> objects = await(S3.listBucket(bucket, Optional.of(MANIFESTS)).withAttributes(s3)
        .runWith(Sink.seq(), system), TRANSFER_TIMEOUT, "list " + MANIFESTS);
    return BlobInventory.manifestIdsOf(objects.stream().map(object -> object.key().substring(MANIFESTS.length())));
  }

  @Override
  public boolean deleteManifest(String deploymentId) throws IOException {
    String key = manifestKey(deploymentId);
    if (metadata(key).isEmpty()) {
      return false;
    }
    delete(key);
    return true;
  }

  private void delete(String key) throws IOException {
    await(S3.deleteObject(bucket, key).withAttributes(s3).runWith(Sink.head(), system), REQUEST_TIMEOUT,
        "delete " + key);
  }

  private InputStream openObject(String key) throws IOException {
    ByteString bytes = await(
        S3.getObject(bucket, key).withAttributes(s3)
            .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), system),
        REQUEST_TIMEOUT, "get " + key);
    return new ByteArrayInputStream(bytes.toArray());
  }

  private void put(String key, Source<ByteString, ?> data, long length, ContentType contentType, String md5,
      Duration timeout) throws IOException {
    S3Headers headers = S3Headers.create()
        .withCustomHeaders(new scala.collection.immutable.Map.Map1<>("Content-MD5", md5));
    await(S3.putObject(bucket, key, data, length, contentType, headers).withAttributes(s3)
        .runWith(Sink.head(), system), timeout, "put " + key);
  }

  /** Waits for an S3 call; a missing object becomes {@link NoSuchFileException}, other failures IOException. */
  private <T> T await(CompletionStage<T> call, Duration timeout, String what) throws IOException {
    try {
      return call.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted: " + what + " in bucket " + bucket);
    } catch (TimeoutException e) {
      throw new IOException("S3 did not answer in " + timeout.toSeconds() + " s: " + what + " in bucket " + bucket);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof S3Exception s3Failure && s3Failure.statusCode().intValue() == 404) {
        NoSuchFileException missing = new NoSuchFileException(what.substring(what.indexOf(' ') + 1));
        missing.initCause(cause);
        throw missing;
      }
      throw new IOException("S3 failed to " + what + " in bucket " + bucket + ": " + cause, cause);
    }
  }

  private static String blobKey(String sha256) {
    if (!Digests.isSha256Hex(sha256)) {
      throw new IllegalArgumentException("blob key must be 64 lower-case hex digits: " + sha256);
    }
    return BLOBS + sha256;
  }

  private static String manifestKey(String deploymentId) {
    if (deploymentId == null || !DEPLOYMENT_ID.matcher(deploymentId).matches()) {
      throw new IllegalArgumentException("deployment id must match [a-z0-9_-]{1,64}: " + deploymentId);
    }
    return MANIFESTS + deploymentId + ".json";
  }

  private static MessageDigest newMd5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides MD5", e);
    }
  }
}
