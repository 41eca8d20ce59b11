package dev.ferry.storage;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The file list of an uploaded source ({@code ferry deploy}): each file's relative path, its blob and size, and
 * whether it is executable. It is stored as a blob of its own (JSON, keyed by its SHA-256) so that the Deployment
 * entity's events record only that digest, however many files the upload has.
 */
public record SourceManifest(List<Entry> files) {

  /** {@code mode}: Unix permission bits as the client sent them, or null; only the executable bits are honoured. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Entry(String path, String sha256, long size, Integer mode) {

    public boolean executable() {
      return mode != null && (mode & 0111) != 0;
    }
  }

  /** Longest path accepted, in characters. */
  public static final int MAX_PATH_LENGTH = 1024;

  private static final ObjectMapper JSON = new ObjectMapper()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private static final Set<String> FORBIDDEN_SEGMENTS = Set.of("", ".", "..");

  public SourceManifest {
    files = List.copyOf(files);
  }

  /**
   * Why {@code path} cannot name a file inside the work directory, or null when it can: relative, '/' separated,
   * no empty, "." or ".." segment, no backslash, no control character.
   */
  public static String pathProblem(String path) {
    if (path == null || path.isEmpty()) {
      return "must not be empty";
    }
    if (path.length() > MAX_PATH_LENGTH) {
      return "must be at most " + MAX_PATH_LENGTH + " characters";
    }
    if (path.startsWith("/")) {
      return "must be relative (no leading '/')";
    }
    if (path.indexOf('\\') >= 0) {
      return "must use '/' as separator";
    }
    for (int i = 0; i < path.length(); i++) {
      if (Character.isISOControl(path.charAt(i))) {
        return "must not contain control characters";
      }
    }
    for (String segment : path.split("/", -1)) {
      if (FORBIDDEN_SEGMENTS.contains(segment)) {
        return "must not contain empty, '.' or '..' segments";
      }
    }
    return null;
  }

  public byte[] toJson() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static SourceManifest fromJson(InputStream in) throws IOException {
    return JSON.readValue(in, SourceManifest.class);
  }

  /** Stores the manifest as a blob and answers its digest (a no-op when the same list was stored before). */
  public String store(BlobStore blobs, Path tempDir) throws IOException {
    byte[] json = toJson();
    String digest = Digests.sha256(json);
    if (!blobs.hasBlob(digest)) {
      Files.createDirectories(tempDir);
      Path temp = Files.createTempFile(tempDir, "source-", ".json");
      try {
        Files.write(temp, json);
        blobs.putBlob(digest, temp);
      } finally {
        Files.deleteIfExists(temp);
      }
    }
    return digest;
  }

  public static SourceManifest load(BlobStore blobs, String digest) throws IOException {
    try (InputStream in = blobs.openBlob(digest)) {
      return fromJson(in);
    }
  }
}
