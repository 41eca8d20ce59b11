package dev.ferry.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Manifests written by older and newer nodes read both ways. */
class ManifestJsonTest {

  private static final String SHA = "a".repeat(64);
  private static final String GZ = "b".repeat(64);

  private final ObjectMapper json = new ObjectMapper();

  @Test
  void aManifestFromBeforeVariantsAndCreationTimeReads() throws Exception {
    Manifest manifest = json.readValue("""
        {"deploymentId":"d1","files":{"index.html":{"sha256":"%s","size":42,"contentType":"text/html"}}}
        """.formatted(SHA), Manifest.class);

    assertEquals(new Manifest("d1", Map.of("index.html", new Manifest.FileEntry(SHA, 42, "text/html"))), manifest);
    assertNull(manifest.createdAt());
    assertEquals(Optional.empty(), manifest.createdInstant());
    assertNull(manifest.file("index.html").gzip());
  }

  @Test
  void fieldsFromANewerVersionAreIgnored() throws Exception {
    Manifest manifest = json.readValue("""
        {"deploymentId":"d1","routes":[],"createdAt":"2025-03-01T12:00:00Z",
         "files":{"a.js":{"sha256":"%s","size":42,"contentType":"text/javascript","zstd":{"sha256":"%s","size":1},
                         "gzip":{"sha256":"%s","size":20,"level":9}}}}
        """.formatted(SHA, GZ, GZ), Manifest.class);

    assertEquals(new Manifest.Variant(GZ, 20), manifest.file("a.js").gzip());
    assertEquals(Optional.of(Instant.parse("2025-03-01T12:00:00Z")), manifest.createdInstant());
  }

  @Test
  void absentOptionalFieldsAreNotWritten() throws Exception {
    String written = json.writeValueAsString(
        new Manifest("d1", Map.of("index.html", new Manifest.FileEntry(SHA, 42, "text/html"))));

    assertFalse(written.contains("createdAt"), written);
    assertFalse(written.contains("gzip"), written);
    assertFalse(written.contains("br"), written);
  }

  @Test
  void roundTripsThroughTheFileSystemStore(@TempDir Path root) throws Exception {
    FileSystemBlobStore store = new FileSystemBlobStore(root);
    Manifest manifest = new Manifest("d1", Map.of("app.js", new Manifest.FileEntry(SHA, 4096,
        "text/javascript; charset=utf-8", new Manifest.Variant(GZ, 1000), new Manifest.Variant("c".repeat(64), 900))))
        .withCreatedAt(Instant.parse("2025-03-01T12:00:00Z"));

    store.putManifest("d1", manifest);

    assertEquals(Optional.of(manifest), store.manifest("d1"));
    assertTrue(Files.readString(root.resolve("manifests/d1.json")).contains("\"createdAt\":\"2025-03-01T12:00:00Z\""));
    // The same files published again later (a retried build) is not a conflict.
    store.putManifest("d1", manifest.withCreatedAt(Instant.parse("2025-03-02T12:00:00Z")));
    assertEquals(Optional.of(manifest), store.manifest("d1"));
  }

  @Test
  void theRoutingConfigurationRoundTripsAndTakesPartInTheContent(@TempDir Path root) throws Exception {
    FileSystemBlobStore store = new FileSystemBlobStore(root);
    var config = json.readTree("{\"version\":3,\"routes\":[{\"src\":\"/a\",\"dest\":\"/b\"}]}");
    Manifest manifest = new Manifest("d1", Map.of("index.html", new Manifest.FileEntry(SHA, 42, "text/html")))
        .withCreatedAt(Instant.parse("2025-03-01T12:00:00Z"))
        .withConfig(config);

    store.putManifest("d1", manifest);

    assertEquals(config, store.manifest("d1").orElseThrow().config());
    assertTrue(Files.readString(root.resolve("manifests/d1.json")).contains("\"config\":{\"version\":3"));
    assertFalse(manifest.sameContent(manifest.withConfig(null)));
    assertTrue(manifest.sameContent(manifest.withCreatedAt(Instant.parse("2025-03-02T12:00:00Z"))));
  }

  @Test
  void aManifestWithoutConfigurationHasNone() throws Exception {
    Manifest manifest = json.readValue("{\"deploymentId\":\"d1\",\"files\":{},\"config\":null}", Manifest.class);
    assertNull(manifest.config());
    assertFalse(json.writeValueAsString(manifest).contains("config"));
  }
}
