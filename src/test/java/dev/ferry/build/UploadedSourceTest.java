package dev.ferry.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.storage.Digests;
import dev.ferry.storage.FileSystemBlobStore;
import dev.ferry.storage.SourceManifest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UploadedSourceTest {

  @TempDir
  Path temp;

  @Test
  void copiesEveryFileOutOfTheBlobStoreWithItsExecutableBit() throws Exception {
    FileSystemBlobStore blobs = new FileSystemBlobStore(temp.resolve("store"));
    String page = put(blobs, "<h1>hi</h1>");
    String script = put(blobs, "#!/bin/sh\necho built\n");
    String digest = new SourceManifest(List.of(
        new SourceManifest.Entry("index.html", page, 11, null),
        new SourceManifest.Entry("copy/index.html", page, 11, 0644),
        new SourceManifest.Entry("scripts/build.sh", script, 21, 0755))).store(blobs, temp.resolve("tmp"));
    List<String> log = new ArrayList<>();

    long bytes = UploadedSource.materialize(blobs, digest, temp.resolve("work/src"),
        (stream, text) -> log.add(text));

    Path src = temp.resolve("work/src");
    assertEquals(11 + 11 + 21, bytes);
    assertEquals("<h1>hi</h1>", Files.readString(src.resolve("copy/index.html")));
    assertTrue(Files.isExecutable(src.resolve("scripts/build.sh")));
    assertFalse(Files.isExecutable(src.resolve("index.html")));
    assertEquals(List.of("Unpacking 3 uploaded files"), log);

    // A copy, not a link: a build writing to its files cannot change the stored blob.
    Files.writeString(src.resolve("index.html"), "changed by the build");
    assertEquals(page, Digests.sha256(blobs.localBlob(page).orElseThrow()));
  }

  @Test
  void aManifestWithAnEscapingPathFailsTheBuild() throws Exception {
    FileSystemBlobStore blobs = new FileSystemBlobStore(temp.resolve("store"));
    String blob = put(blobs, "x");
    // Written past the API's validation, as a tampered blob would be.
    String digest = new SourceManifest(List.of(new SourceManifest.Entry("../escape.txt", blob, 1, null)))
        .store(blobs, temp.resolve("tmp"));

    BuildFailure failure = assertThrows(BuildFailure.class,
        () -> UploadedSource.materialize(blobs, digest, temp.resolve("work/src"), (stream, text) -> { }));

    assertTrue(failure.getMessage().contains("../escape.txt"), failure.getMessage());
    assertFalse(Files.exists(temp.resolve("work/escape.txt")));
  }

  @Test
  void aMissingManifestFailsTheBuild() throws Exception {
    FileSystemBlobStore blobs = new FileSystemBlobStore(temp.resolve("store"));
    assertThrows(BuildFailure.class,
        () -> UploadedSource.materialize(blobs, "ef".repeat(32), temp.resolve("src"), (stream, text) -> { }));
  }

  @Test
  void prebuiltUploadsPublishVercelsStaticOutputWhenTheyHaveIt() throws Exception {
    Path plain = Files.createDirectories(temp.resolve("plain"));
    assertEquals(plain, UploadedSource.prebuiltOutput(plain));

    Path vercel = Files.createDirectories(temp.resolve("vercel/.vercel/output/static"));
    assertEquals(vercel, UploadedSource.prebuiltOutput(temp.resolve("vercel")));
  }

  private Path file(String content) throws Exception {
    Path file = Files.createTempFile(temp, "blob", ".tmp");
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file;
  }

  private String put(FileSystemBlobStore blobs, String content) throws Exception {
    Path file = file(content);
    String sha = Digests.sha256(file);
    blobs.putBlob(sha, file);
    return sha;
  }
}
