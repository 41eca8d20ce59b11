package dev.ferry.storage;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The immutable file list of one deployment: request path (no leading slash, e.g. {@code "index.html"},
 * {@code "assets/app.js"}) to the stored blob.
 *
 * <p>Stored as JSON. Fields added later are optional: a manifest written before them reads with them absent
 * ({@code null}), and fields this version does not know are ignored, so older and newer nodes read each other's
 * manifests.
 *
 * @param createdAt when the manifest was published, ISO-8601 in UTC to the second (e.g.
 *     {@code "2025-03-01T12:00:00Z"}); {@code null} in manifests written before it existed. The edge sends it as
 *     every file's {@code Last-Modified}.
 * @param config the deployment's routing as a Build Output API v3 {@code config.json} object (from the build's
 *     {@code .vercel/output/config.json} or compiled from its {@code vercel.json}); {@code null} when the
 *     deployment has none (and in manifests written before it existed): the edge then serves files by path only.
 * @param functions the deployment's serverless functions by name ({@code api/hello} for
 *     {@code functions/api/hello.func}); {@code null} when it has none (and in manifests written before they existed)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(String deploymentId, Map<String, FileEntry> files, String createdAt, JsonNode config,
    Map<String, Function> functions) {

  public Manifest {
    if (config != null && (config.isNull() || config.isMissingNode())) {
      config = null;
    }
    if (functions != null && functions.isEmpty()) {
      functions = null;
    }
  }

  public Manifest(String deploymentId, Map<String, FileEntry> files, String createdAt, JsonNode config) {
    this(deploymentId, files, createdAt, config, null);
  }

  public Manifest(String deploymentId, Map<String, FileEntry> files) {
    this(deploymentId, files, null, null);
  }

  public Manifest(String deploymentId, Map<String, FileEntry> files, String createdAt) {
    this(deploymentId, files, createdAt, null);
  }

  /**
   * One file: its blob, and optionally precompressed variants of it, each a blob of its own.
   *
   * @param gzip the gzip-compressed bytes of the file, or {@code null} when there is none
   * @param br the brotli-compressed bytes of the file, or {@code null} when there is none
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record FileEntry(String sha256, long size, String contentType, Variant gzip, Variant br) {

    public FileEntry(String sha256, long size, String contentType) {
      this(sha256, size, contentType, null, null);
    }
  }

  /**
   * One function ({@code functions/<name>.func}): its {@code .vc-config.json} settings and its files, each a blob.
   *
   * @param runtime e.g. {@code nodejs20.x} or {@code python3.11}
   * @param handler the entry file, relative to the function's directory
   * @param memory the memory limit in MB; {@code null} for the node's default
   * @param maxDuration the time limit of one invocation in seconds; {@code null} for the node's default
   * @param environment plain environment variables from {@code .vc-config.json} (not secrets)
   * @param files path inside the function's directory to its blob
   * @param shouldAddHelpers {@code .vc-config.json}'s flag for Node.js: {@code false} hands the handler the plain
   *     request (no parsed body, no {@code res.json}); {@code null} (absent) means true
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Function(String runtime, String handler, Integer memory, Integer maxDuration,
      Map<String, String> environment, Map<String, FunctionFile> files, Boolean shouldAddHelpers) {

    public Function {
      environment = environment == null ? Map.of() : Map.copyOf(environment);
      files = files == null ? Map.of() : Map.copyOf(files);
    }
  }

  /** A file of a function: its blob, its size, and whether it is executable. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record FunctionFile(String sha256, long size, boolean executable) {}

  /** The function of this name, or null. */
  public Function function(String name) {
    return functions == null ? null : functions.get(name);
  }

  /** A precompressed copy of a file: the blob holding the compressed bytes and its size. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Variant(String sha256, long size) {}

  public FileEntry file(String path) {
    return files.get(path);
  }

  /** {@link #createdAt()} as an instant; empty when absent or unreadable. */
  public Optional<Instant> createdInstant() {
    if (createdAt == null || createdAt.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(createdAt));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /** The same manifest with another creation time. */
  public Manifest withCreatedAt(Instant instant) {
    return new Manifest(deploymentId, files, instant == null ? null : instant.toString(), config, functions);
  }

  /** The same manifest with another routing configuration ({@code null} for none). */
  public Manifest withConfig(JsonNode routingConfig) {
    return new Manifest(deploymentId, files, createdAt, routingConfig, functions);
  }

  /** The same manifest with other functions ({@code null} or empty for none). */
  public Manifest withFunctions(Map<String, Function> deploymentFunctions) {
    return new Manifest(deploymentId, files, createdAt, config, deploymentFunctions);
  }

  /** Whether both name the same deployment, files and configuration; the creation time is not compared. */
  public boolean sameContent(Manifest other) {
    return other != null && deploymentId.equals(other.deploymentId()) && files.equals(other.files())
        && Objects.equals(config, other.config()) && Objects.equals(functions, other.functions());
  }
}
