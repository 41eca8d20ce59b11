package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What `ferry deploy` uploads: hashing, the built-in ignore list, .ferryignore patterns, links, prebuilt output. */
class FileScannerTest {

  /** SHA-256 of "hello\n". */
  private static final String HELLO_SHA = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

  @TempDir
  Path root;

  @Test
  void hashesEveryFileAndListsThemSortedWithSlashSeparatedPaths() throws IOException {
    write("index.html", "hello\n");
    write("assets/css/site.css", "body {}\n");
    write("b.txt", "hello\n");

    FileScanner.Scan scan = FileScanner.scan(root, false);

    assertEquals(List.of("assets/css/site.css", "b.txt", "index.html"), paths(scan));
    FileScanner.LocalFile index = scan.files().get(2);
    assertEquals(HELLO_SHA, index.sha256());
    assertEquals(6, index.size());
    assertEquals(HELLO_SHA, scan.files().get(1).sha256(), "same content, same digest");
    assertEquals(6 + 6 + 8, scan.totalBytes());
    assertTrue(scan.warnings().isEmpty(), scan.warnings().toString());
  }

  @Test
  void leavesOutVersionControlDependenciesLinksAndLocalEnvironmentFilesAtAnyDepth() throws IOException {
    write("index.html", "x");
    write(".git/config", "x");
    write("node_modules/left-pad/index.js", "x");
    write("packages/app/node_modules/react/index.js", "x");
    write(".ferry/project.json", "{}");
    write(".vercel/output/static/index.html", "x");
    write(".DS_Store", "x");
    write("docs/.DS_Store", "x");
    write(".env.local", "SECRET=1");
    write(".env.production.local", "SECRET=1");
    write(".env", "PUBLIC=1");
    write(".gitignore", "dist\n");

    assertEquals(List.of(".env", ".gitignore", "index.html"), paths(FileScanner.scan(root, false)));
  }

  @Test
  void prebuiltKeepsTheVercelFolderAndWithBuildOutputUploadsOnlyThat() throws IOException {
    write("index.html", "source");
    write(".vercel/project.json", "{}");
    assertEquals(List.of(".vercel/project.json", "index.html"), paths(FileScanner.scan(root, true)));

    write(".vercel/output/config.json", "{\"version\": 3}");
    write(".vercel/output/static/index.html", "built");
    write(".vercel/output/functions/api.func/node_modules/dep/index.js", "kept: functions bundle their deps");

    assertEquals(List.of(".vercel/output/config.json",
        ".vercel/output/functions/api.func/node_modules/dep/index.js",
        ".vercel/output/static/index.html"), paths(FileScanner.scan(root, true)));
  }

  @Test
  void ferryignorePatternsMatchNamesAnywhereOrPathsFromTheRoot() throws IOException {
    write(".ferryignore", """
        # comments and blank lines are skipped

        *.log
        /drafts
        tmp/
        assets/**/*.psd
        !keep.log
        """);
    write("index.html", "x");
    write("debug.log", "x");
    write("nested/deep/error.log", "x");
    write("drafts/post.md", "x");
    write("blog/drafts/post.md", "x");
    write("tmp/cache.bin", "x");
    write("src/tmp/cache.bin", "x");
    write("tmp.txt", "x");
    write("assets/img/logo.psd", "x");
    write("assets/img/logo.png", "x");

    FileScanner.Scan scan = FileScanner.scan(root, false);

    assertEquals(List.of(".ferryignore", "assets/img/logo.png", "blog/drafts/post.md", "index.html", "tmp.txt"),
        paths(scan));
    assertEquals(1, scan.warnings().size(), scan.warnings().toString());
    assertTrue(scan.warnings().get(0).contains("!keep.log"));
  }

  @Test
  void vercelignoreIsUsedWhenThereIsNoFerryignore() throws IOException {
    write(".vercelignore", "secret.txt\n");
    write("secret.txt", "x");
    write("index.html", "x");
    assertEquals(List.of(".vercelignore", "index.html"), paths(FileScanner.scan(root, false)));

    write(".ferryignore", "index.html\n");
    assertEquals(List.of(".ferryignore", ".vercelignore", "secret.txt"), paths(FileScanner.scan(root, false)));
  }

  @ParameterizedTest
  @CsvSource({
      "*.log, app/debug.log, false, true",
      "*.log, debug.log.txt, false, false",
      "/build, build, true, true",
      "/build, src/build, true, false",
      "cache/, cache, true, true",
      "cache/, cache, false, false",
      "docs/*.md, docs/a.md, false, true",
      "docs/*.md, docs/sub/a.md, false, false",
      "docs/**, docs/sub/a.md, false, true",
  })
  void patternSemantics(String pattern, String path, boolean directory, boolean ignored) {
    assertEquals(ignored, IgnoreRules.of(false, pattern).ignores(path, directory));
  }

  @Test
  void followsLinksInsideTheFolderAndSkipsLinksOutOfIt(@TempDir Path outside) throws IOException {
    write("real/page.html", "inside");
    Files.writeString(outside.resolve("secret.txt"), "outside");
    Files.createSymbolicLink(root.resolve("alias.html"), root.resolve("real/page.html"));
    Files.createSymbolicLink(root.resolve("leak.txt"), outside.resolve("secret.txt"));
    Files.createSymbolicLink(root.resolve("leakdir"), outside);
    Files.createSymbolicLink(root.resolve("broken"), root.resolve("nothing-here"));

    FileScanner.Scan scan = FileScanner.scan(root, false);

    assertEquals(List.of("alias.html", "real/page.html"), paths(scan));
    assertEquals(scan.files().get(0).sha256(), scan.files().get(1).sha256());
    String warnings = String.join("\n", scan.warnings());
    assertTrue(warnings.contains("leak.txt") && warnings.contains("leakdir") && warnings.contains("broken"),
        warnings);
  }

  @Test
  void marksExecutableFiles() throws IOException {
    write("build.sh", "#!/bin/sh\n");
    write("readme.md", "x");
    Files.setPosixFilePermissions(root.resolve("build.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));

    List<FileScanner.LocalFile> files = FileScanner.scan(root, false).files();

    assertTrue(files.get(0).executable());
    assertFalse(files.get(1).executable());
  }

  @Test
  void aFileOverTheLimitIsAClearError() throws IOException {
    try (var file = java.nio.channels.FileChannel.open(root.resolve("huge.bin"),
        java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
      file.truncate(0).position(FileScanner.MAX_FILE_BYTES).write(java.nio.ByteBuffer.wrap(new byte[] {1}));
    }
    CliException error = assertThrows(CliException.class, () -> FileScanner.scan(root, false));
    assertTrue(error.getMessage().contains("huge.bin") && error.getMessage().contains("100 MiB"),
        error.getMessage());
    assertEquals(Cli.EXIT_ERROR, error.exitCode());
  }

  private void write(String path, String content) throws IOException {
    Path file = root.resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  private static List<String> paths(FileScanner.Scan scan) {
    return scan.files().stream().map(FileScanner.LocalFile::path).toList();
  }
}
