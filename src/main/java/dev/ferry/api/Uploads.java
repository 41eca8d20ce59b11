package dev.ferry.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.deployment.Deployment;
import dev.ferry.storage.BlobStore;
import dev.ferry.storage.Digests;
import dev.ferry.storage.SourceManifest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.FileIO;

/**
 * Uploaded sources, as {@code ferry deploy} sends them: {@code POST /api/v1/files} stores one file in the blob store
 * under its SHA-256 (verified while the body streams to a temporary file), and a deployment request with
 * {@code files: [{path, sha256, size, mode?}]} becomes a {@link Deployment.Source} of type "files" once every blob is
 * stored — otherwise the answer is 400 with {@code missing: [sha256...]}, and the client uploads those and asks again.
 */
public final class Uploads extends AllDirectives {

  /** The largest single file {@code POST /api/v1/files} takes. */
  public static final long MAX_FILE_BYTES = 100L << 20;
  /** The largest deployment request (a file list of 20,000 entries fits with room to spare). */
  public static final long MAX_DEPLOY_BODY_BYTES = 8L << 20;
  public static final String DIGEST_HEADER = "X-Ferry-Digest";
  /** At most this many field errors are listed for a bad file list; the rest are counted. */
  private static final int MAX_LISTED_ERRORS = 20;

  private final ApiContext context;
  private final RequestSupport support;
  private final BlobStore blobs;
  private final Path tempDir;
  private final Counter uploaded;

  public Uploads(ApiContext context, RequestSupport support, BlobStore blobs, MeterRegistry registry) {
    this.context = context;
    this.support = support;
    this.blobs = blobs;
    this.tempDir = context.settings().dataDir().resolve("uploads");
    this.uploaded = Counter.builder("ferry_uploaded_blobs")
        .description("Files stored through POST /api/v1/files (not counting ones already stored)")
        .register(registry);
  }

  /** {@code POST /api/v1/files}. */
  public Route route() {
    return path("files", () -> post(() -> support.authenticated(principal ->
        optionalHeaderValueByName(DIGEST_HEADER, digest -> withSizeLimit(MAX_FILE_BYTES, () ->
            extractRequestEntity(entity -> extractMaterializer(materializer ->
                support.answer(() -> store(digest, entity, materializer)))))))));
  }

  private CompletionStage<HttpResponse> store(Optional<String> header, RequestEntity entity,
      Materializer materializer) {
    String digest = header.map(value -> value.trim().toLowerCase(Locale.ROOT)).orElse("");
    if (!Digests.isSha256Hex(digest)) {
      entity.discardBytes(materializer);
      throw new ApiException(400, "The " + DIGEST_HEADER + " header must be the SHA-256 of the body, as 64 hex digits");
    }
    return CompletableFuture.supplyAsync(() -> exists(digest), context.blocking()).thenCompose(exists -> {
      if (exists) {
        return entity.discardBytes(materializer).completionStage()
            .thenApply(done -> Responses.json(200, Json.object().put("sha256", digest)));
      }
      Path temp = tempFile();
      MessageDigest sha256 = newSha256();
      return entity.getDataBytes()
          .map(bytes -> {
            sha256.update(bytes.asByteBuffer());
            return bytes;
          })
          .runWith(FileIO.toPath(temp), materializer)
          .exceptionally(failure -> {
            throw tooLarge(failure) ? new ApiException(413, "A file may have at most " + (MAX_FILE_BYTES >> 20)
                + " MiB") : new IllegalStateException("Upload failed", failure);
          })
          .thenApplyAsync(written -> {
            String actual = HexFormat.of().formatHex(sha256.digest());
            if (!actual.equals(digest)) {
              throw new ApiException(400, "The body's SHA-256 is " + actual + ", not " + digest
                  + " as " + DIGEST_HEADER + " says");
            }
            try {
              blobs.putBlob(digest, temp);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
            uploaded.increment();
            return Responses.json(201, Json.object().put("sha256", digest).put("size", written.count()));
          }, context.blocking())
          .whenComplete((response, failure) -> deleteQuietly(temp));
    });
  }

  // Deployments of uploaded files

  /** A validated file list from a deployment request. */
  public record FileSet(List<SourceManifest.Entry> files, long totalBytes) {}

  /** Reads {@code files} from a deployment request; problems become field errors of {@code body}. */
  public FileSet fileSet(JsonBody body) {
    JsonNode files = body.node("files");
    if (files == null || !files.isArray()) {
      body.error("files", "Must be an array of {path, sha256, size}");
      return null;
    }
    int maxFiles = context.settings().build().maxOutputFiles();
    long maxBytes = context.settings().build().maxOutputBytes();
    if (files.isEmpty()) {
      body.error("files", "Must name at least one file");
      return null;
    }
    if (files.size() > maxFiles) {
      body.error("files", "Must have at most " + maxFiles + " files");
      return null;
    }
    List<String> errors = new ArrayList<>();
    List<SourceManifest.Entry> entries = new ArrayList<>(files.size());
    Set<String> paths = new HashSet<>();
    long total = 0;
    for (int i = 0; i < files.size(); i++) {
      JsonNode file = files.get(i);
      String field = "files[" + i + "]";
      if (!file.isObject()) {
        errors.add(field + ": must be an object {path, sha256, size}");
        continue;
      }
      for (var names = file.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        if (!Set.of("path", "sha256", "size", "mode").contains(name)) {
          errors.add(field + "." + name + ": unknown field");
        }
      }
      JsonNode path = file.get("path");
      JsonNode sha256 = file.get("sha256");
      JsonNode size = file.get("size");
      JsonNode mode = file.get("mode");
      String pathProblem = path != null && path.isTextual() ? SourceManifest.pathProblem(path.textValue())
          : "must be a string";
      if (pathProblem != null) {
        errors.add(field + ".path: " + pathProblem);
      } else if (!paths.add(path.textValue())) {
        errors.add(field + ".path: " + path.textValue() + " is listed twice");
      }
      if (sha256 == null || !sha256.isTextual() || !Digests.isSha256Hex(sha256.textValue())) {
        errors.add(field + ".sha256: must be 64 lower-case hex digits");
      }
      if (size == null || !size.canConvertToLong() || !size.isIntegralNumber() || size.longValue() < 0) {
        errors.add(field + ".size: must be a whole number of bytes");
      } else if (size.longValue() > MAX_FILE_BYTES) {
        errors.add(field + ".size: files are limited to " + (MAX_FILE_BYTES >> 20) + " MiB");
      }
      boolean modeOk = mode == null || mode.isNull()
          || (mode.isIntegralNumber() && mode.canConvertToInt() && mode.intValue() >= 0 && mode.intValue() <= 07777);
      if (!modeOk) {
        errors.add(field + ".mode: must be Unix permission bits (0 to 4095)");
      }
      if (errors.isEmpty()) {
        total += size.longValue();
        entries.add(new SourceManifest.Entry(path.textValue(), sha256.textValue(), size.longValue(),
            mode == null || mode.isNull() ? null : mode.intValue()));
      }
    }
    if (errors.isEmpty()) {
      // A path may not be a file and a directory at once ("a" and "a/b").
      for (String path : paths) {
        for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
          if (paths.contains(path.substring(0, slash))) {
            errors.add("files: " + path.substring(0, slash) + " is both a file and a directory");
            break;
          }
        }
        if (errors.size() > MAX_LISTED_ERRORS) {
          break;
        }
      }
    }
    if (total > maxBytes) {
      errors.add("files: together larger than " + (maxBytes >> 20) + " MiB, the limit per deployment");
    }
    for (int i = 0; i < Math.min(errors.size(), MAX_LISTED_ERRORS); i++) {
      String error = errors.get(i);
      int colon = error.indexOf(": ");
      body.error(error.substring(0, colon), error.substring(colon + 2));
    }
    if (errors.size() > MAX_LISTED_ERRORS) {
      body.error("files", (errors.size() - MAX_LISTED_ERRORS) + " more problems not listed");
    }
    return errors.isEmpty() ? new FileSet(List.copyOf(entries), total) : null;
  }

  /**
   * The deployment source of a file set: 400 with {@code missing} (each digest once, in list order) when blobs are
   * not stored yet; otherwise the file list is stored as a source manifest blob and its digest becomes the source.
   */
  public CompletionStage<Deployment.Source> source(FileSet fileSet, boolean prebuilt) {
    return CompletableFuture.supplyAsync(() -> {
      Set<String> missing = new LinkedHashSet<>();
      Set<String> checked = new HashSet<>();
      for (SourceManifest.Entry file : fileSet.files()) {
        if (checked.add(file.sha256()) && !exists(file.sha256())) {
          missing.add(file.sha256());
        }
      }
      if (!missing.isEmpty()) {
        ObjectNode members = Json.object();
        ArrayNode list = members.putArray("missing");
        missing.forEach(list::add);
        throw ApiException.withMembers(400, missing.size() + " of the files are not uploaded yet: "
            + "POST each to /api/v1/files, then request the deployment again", members);
      }
      try {
        String digest = new SourceManifest(fileSet.files()).store(blobs, tempDir);
        return Deployment.Source.files(digest, prebuilt);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, context.blocking());
  }

  private static boolean tooLarge(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof org.apache.pekko.http.scaladsl.model.EntityStreamSizeException) {
        return true;
      }
    }
    return false;
  }

  private boolean exists(String digest) {
    try {
      return blobs.hasBlob(digest);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path tempFile() {
    try {
      Files.createDirectories(tempDir);
      return Files.createTempFile(tempDir, "upload-", ".tmp");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // a leftover temporary file is harmless
    }
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
