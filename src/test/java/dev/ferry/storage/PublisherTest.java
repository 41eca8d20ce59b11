package dev.ferry.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.storage.Publisher.PublishResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublisherTest {

  @TempDir Path storeRoot;
  @TempDir Path output;
  @TempDir Path elsewhere;

  private FileSystemBlobStore store;

  @BeforeEach
  void openStore() throws IOException {
    store = new FileSystemBlobStore(storeRoot);
  }

  @Test
  void publishesEveryFileAndAManifestOfRelativePaths() throws Exception {
    write("index.html", "<h1>home</h1>");
    write("assets/app.js", "console.log(1)");
    write("assets/img/logo.svg", "<svg/>");
    write(".git/config", "[core]");
    write("nested/.git/HEAD", "ref: refs/heads/main");

    PublishResult result = Publisher.publish(output, "dpl1", store);

    assertEquals(3, result.fileCount());
    assertEquals(3, result.uploadedBlobs());
    assertEquals(13 + 14 + 6, result.totalBytes());
    assertEquals(List.of(), result.skipped());
    Manifest manifest = store.manifest("dpl1").orElseThrow();
    assertEquals("dpl1", manifest.deploymentId());
    assertEquals(Set.of("index.html", "assets/app.js", "assets/img/logo.svg"), manifest.files().keySet());
    Manifest.FileEntry script = manifest.file("assets/app.js");
    assertEquals(Digests.sha256("console.log(1)".getBytes(StandardCharsets.UTF_8)), script.sha256());
    assertEquals(14, script.size());
    assertEquals("text/javascript; charset=utf-8", script.contentType());
    assertEquals("text/html; charset=utf-8", manifest.file("index.html").contentType());
    for (Manifest.FileEntry entry : manifest.files().values()) {
      assertEquals(entry.sha256(), Digests.sha256(store.localBlob(entry.sha256()).orElseThrow()));
    }
  }

  @Test
  void storesIdenticalFilesOnce() throws Exception {
    write("a.txt", "same");
    write("copy/a.txt", "same");

    PublishResult result = Publisher.publish(output, "dpl1", store);

    assertEquals(2, result.fileCount());
    assertEquals(1, result.uploadedBlobs());
  }

  @Test
  void aSecondPublishUploadsNothing() throws Exception {
    write("index.html", "<h1>home</h1>");
    write("assets/app.js", "console.log(1)");
    PublishResult first = Publisher.publish(output, "dpl1", store);

    PublishResult again = Publisher.publish(output, "dpl1", store);
    PublishResult redeploy = Publisher.publish(output, "dpl2", store);

    assertEquals(2, first.uploadedBlobs());
    assertEquals(0, again.uploadedBlobs());
    assertEquals(0, redeploy.uploadedBlobs());
    assertEquals(store.manifest("dpl1").orElseThrow().files(), store.manifest("dpl2").orElseThrow().files());
  }

  @Test
  void aRedeployUploadsOnlyWhatChanged() throws Exception {
    write("index.html", "<h1>home</h1>");
    write("assets/app.js", "console.log(1)");
    Publisher.publish(output, "dpl1", store);
    write("assets/app.js", "console.log(2)");

    PublishResult result = Publisher.publish(output, "dpl2", store);

    assertEquals(1, result.uploadedBlobs());
  }

  @Test
  void followsSymbolicLinksThatStayInsideTheOutput() throws Exception {
    write("real/page.html", "<p>page</p>");
    Files.createSymbolicLink(output.resolve("alias.html"), output.resolve("real/page.html"));
    Files.createSymbolicLink(output.resolve("linked"), Path.of("real"));

    PublishResult result = Publisher.publish(output, "dpl1", store);

    assertEquals(List.of(), result.skipped());
    Manifest manifest = store.manifest("dpl1").orElseThrow();
    assertEquals(Set.of("real/page.html", "alias.html", "linked/page.html"), manifest.files().keySet());
    assertEquals(manifest.file("real/page.html"), manifest.file("alias.html"));
  }

  @Test
  void skipsSymbolicLinksThatEscapeTheOutput() throws Exception {
    write("index.html", "<h1>home</h1>");
    Path secret = Files.writeString(elsewhere.resolve("id_rsa"), "PRIVATE KEY");
    Files.createDirectories(output.resolve("assets"));
    Files.createSymbolicLink(output.resolve("assets/key.txt"), secret);
    Files.createSymbolicLink(output.resolve("home"), elsewhere);
    Files.createSymbolicLink(output.resolve("dangling"), output.resolve("nowhere"));
    Files.createSymbolicLink(output.resolve("loop"), output);

    PublishResult result = Publisher.publish(output, "dpl1", store);

    assertEquals(Set.of("index.html"), store.manifest("dpl1").orElseThrow().files().keySet());
    assertEquals(1, result.uploadedBlobs());
    assertEquals(Set.of(
            "assets/key.txt: symbolic link points outside the output directory",
            "home/: symbolic link points outside the output directory",
            "dangling: broken symbolic link",
            "loop: symbolic link loop"),
        Set.copyOf(result.skipped()));
    assertFalse(store.hasBlob(Digests.sha256(secret)));
  }

  @Test
  void refusesMoreFilesThanTheLimitBeforeUploadingAnything() throws Exception {
    write("a.txt", "a");
    write("b.txt", "b");
    write("c.txt", "c");

    IOException e = assertThrows(IOException.class,
        () -> Publisher.publish(output, "dpl1", store, 2, Publisher.DEFAULT_MAX_TOTAL_BYTES));

    assertEquals("Build output has more than 2 files, the limit per deployment", e.getMessage());
    assertEquals(Optional.empty(), store.manifest("dpl1"));
    assertEquals(0, storedBlobCount());
  }

  @Test
  void refusesMoreBytesThanTheLimitBeforeUploadingAnything() throws Exception {
    Files.write(output.resolve("big.bin"), new byte[3 << 20]);

    IOException e = assertThrows(IOException.class,
        () -> Publisher.publish(output, "dpl1", store, Publisher.DEFAULT_MAX_FILES, 2L << 20));

    assertEquals("Build output is larger than 2 MiB, the limit per deployment", e.getMessage());
    assertEquals(Optional.empty(), store.manifest("dpl1"));
    assertEquals(0, storedBlobCount());
  }

  @Test
  void reportsAMissingOutputDirectory() {
    IOException e = assertThrows(IOException.class,
        () -> Publisher.publish(output.resolve("dist"), "dpl1", store));

    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }

  private void write(String path, String content) throws IOException {
    Path file = output.resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  private long storedBlobCount() throws IOException {
    try (Stream<Path> files = Files.walk(storeRoot.resolve("blobs"))) {
      return files.filter(Files::isRegularFile).count();
    }
  }
}
