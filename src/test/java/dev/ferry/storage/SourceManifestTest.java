package dev.ferry.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SourceManifestTest {

  @ParameterizedTest
  @ValueSource(strings = {"index.html", "a/b/c.js", ".well-known/security.txt", "with space.txt", "ünïcode.md",
      ".vercel/output/static/index.html", "..hidden", "a..b"})
  void acceptsRelativePaths(String path) {
    assertNull(SourceManifest.pathProblem(path));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/etc/passwd", "../x", "a/../../x", "a/..", "./a", "a/./b", "a//b", "a/", "a\\b",
      "a\u0000b", "line\nbreak"})
  void rejectsPathsThatCouldLeaveTheWorkDirectoryOrAreAmbiguous(String path) {
    assertNotNull(SourceManifest.pathProblem(path));
  }

  @Test
  void rejectsOverlongPaths() {
    assertNotNull(SourceManifest.pathProblem("a".repeat(SourceManifest.MAX_PATH_LENGTH + 1)));
  }

  @Test
  void isStoredAsABlobKeyedByItsDigestAndReadBack(@TempDir Path dir) throws Exception {
    FileSystemBlobStore blobs = new FileSystemBlobStore(dir.resolve("store"));
    SourceManifest manifest = new SourceManifest(List.of(
        new SourceManifest.Entry("index.html", "ab".repeat(32), 12, null),
        new SourceManifest.Entry("build.sh", "cd".repeat(32), 40, 0755)));

    String digest = manifest.store(blobs, dir.resolve("tmp"));

    assertEquals(Digests.sha256(manifest.toJson()), digest);
    assertTrue(blobs.hasBlob(digest));
    assertEquals(digest, manifest.store(blobs, dir.resolve("tmp")), "the same list, the same blob");
    SourceManifest read = SourceManifest.load(blobs, digest);
    assertEquals(manifest, read);
    assertFalse(read.files().get(0).executable());
    assertTrue(read.files().get(1).executable());
    assertFalse(new String(manifest.toJson()).contains("\"mode\":null"), "absent modes are not written");
  }
}
