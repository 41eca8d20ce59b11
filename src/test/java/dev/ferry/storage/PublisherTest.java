package dev.ferry.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.storage.Publisher.PublishResult;
import com.aayushatharva.brotli4j.decoder.Decoder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
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
  void aRedeployIntoAStoreThatLostAVariantStoresItAgain() throws Exception {
    write("assets/app.js", "console.log('a script long enough to be worth compressing');\n".repeat(40));
    Publisher.publish(output, "dpl1", store);
    Manifest.FileEntry first = store.manifest("dpl1").orElseThrow().file("assets/app.js");
    Path gzipBlob = storeRoot.resolve("blobs").resolve(first.gzip().sha256().substring(0, 2))
        .resolve(first.gzip().sha256().substring(2));
    Files.delete(gzipBlob);

    PublishResult redeploy = Publisher.publish(output, "dpl2", store);

    assertEquals(first, store.manifest("dpl2").orElseThrow().file("assets/app.js"));
    assertEquals(1, redeploy.uploadedBlobs(), "only the lost variant");
    assertEquals(first.gzip().size(), redeploy.uploadedBytes());
    assertTrue(store.hasBlob(first.gzip().sha256()));
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

  @Test
  void storesGzipAndBrotliVariantsOfCompressibleTextAsBlobsOfTheirOwn() throws Exception {
    String page = "<p>Ferry serves this paragraph again and again.</p>\n".repeat(100);
    write("index.html", page);
    write("assets/app.js", "console.log('hello from a bundle');\n".repeat(60));

    PublishResult result = Publisher.publish(output, "dpl1", store);

    Manifest manifest = store.manifest("dpl1").orElseThrow();
    Manifest.FileEntry html = manifest.file("index.html");
    assertNotNull(html.gzip());
    assertNotNull(html.br());
    assertTrue(Precompression.brotliAvailable(), "brotli4j's native encoder should load on linux x86_64");
    byte[] original = page.getBytes(StandardCharsets.UTF_8);
    assertArrayEquals(original, gunzip(blob(html.gzip())));
    assertArrayEquals(original, Decoder.decompress(blob(html.br())).getDecompressedData());
    assertEquals(blob(html.gzip()).length, html.gzip().size());
    assertEquals(blob(html.br()).length, html.br().size());
    assertTrue(html.br().size() < html.gzip().size(), "brotli 11 beats gzip 9 on text");
    assertNotNull(manifest.file("assets/app.js").gzip());
    assertEquals(6, result.uploadedBlobs(), "two files and two variants of each");
  }

  @Test
  void leavesSmallBinaryAndIncompressibleFilesWithoutVariants() throws Exception {
    write("small.css", "body{color:red}".repeat(60)); // 900 bytes: under the threshold
    byte[] noise = new byte[8192];
    new Random(7).nextBytes(noise);
    Files.write(output.resolve("photo.png"), "png ".repeat(2048).getBytes(StandardCharsets.UTF_8));
    Files.write(output.resolve("noise.js"), noise); // random bytes do not shrink by 10%

    Publisher.publish(output, "dpl1", store);

    Manifest manifest = store.manifest("dpl1").orElseThrow();
    for (String path : List.of("small.css", "photo.png", "noise.js")) {
      assertNull(manifest.file(path).gzip(), path);
      assertNull(manifest.file(path).br(), path);
    }
  }

  @Test
  void identicalTextFilesShareTheirVariants() throws Exception {
    String text = "same words, same words, same words\n".repeat(50);
    write("a.txt", text);
    write("b/a.txt", text);

    PublishResult result = Publisher.publish(output, "dpl1", store);

    Manifest manifest = store.manifest("dpl1").orElseThrow();
    assertEquals(manifest.file("a.txt"), manifest.file("b/a.txt"));
    assertEquals(3, result.uploadedBlobs());
  }

  @Test
  void recordsWhenTheManifestWasCreatedAndARetryKeepsTheFirstTime() throws Exception {
    write("index.html", "<h1>home</h1>");
    Instant before = Instant.now().minusSeconds(1);

    Publisher.publish(output, "dpl1", store);
    Manifest first = store.manifest("dpl1").orElseThrow();
    Instant created = first.createdInstant().orElseThrow();
    assertFalse(created.isBefore(before.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
    assertFalse(created.isAfter(Instant.now()));
    assertEquals(0, created.getNano(), "second precision, as Last-Modified has");

    Thread.sleep(Duration.ofMillis(1100).toMillis());
    Publisher.publish(output, "dpl1", store);
    assertEquals(first, store.manifest("dpl1").orElseThrow());
  }

  private byte[] blob(Manifest.Variant variant) throws IOException {
    try (InputStream in = store.openBlob(variant.sha256())) {
      return in.readAllBytes();
    }
  }

  private static byte[] gunzip(byte[] compressed) throws IOException {
    try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(compressed))) {
      return in.readAllBytes();
    }
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
