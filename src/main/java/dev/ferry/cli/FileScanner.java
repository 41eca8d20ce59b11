package dev.ferry.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * The files {@code ferry deploy} uploads: a walk of the folder under the {@link IgnoreRules}, each file hashed
 * (SHA-256). Symbolic links are followed while they stay inside the folder; others are skipped with a warning.
 */
final class FileScanner {

  /** The largest file the API takes, and the most files and bytes one deployment may have. */
  static final long MAX_FILE_BYTES = 100L << 20;
  static final int MAX_FILES = 20_000;
  static final long MAX_TOTAL_BYTES = 1L << 30;

  /** One file to deploy: its path in the deployment ('/' separated), where it is, its digest and size. */
  record LocalFile(String path, Path file, String sha256, long size, boolean executable) {}

  /** What a scan found, with the reasons for what it skipped. */
  record Scan(List<LocalFile> files, long totalBytes, List<String> warnings) {}

  private FileScanner() {}

  /**
   * The files of {@code root}. For {@code prebuilt} with a {@code .vercel/output} folder only that folder is taken
   * (its paths keep the {@code .vercel/output/} prefix), as {@code vercel deploy --prebuilt} does.
   */
  static Scan scan(Path root, boolean prebuilt) throws IOException {
    if (!Files.isDirectory(root)) {
      throw CliException.error(root + " is not a folder");
    }
    Path buildOutput = root.resolve(".vercel").resolve("output");
    if (prebuilt && Files.isDirectory(buildOutput)) {
      return walk(buildOutput, ".vercel/output/", IgnoreRules.none());
    }
    return walk(root, "", IgnoreRules.forDirectory(root, prebuilt));
  }

  static Scan walk(Path root, String prefix, IgnoreRules rules) throws IOException {
    Walker walker = new Walker(root, prefix, rules);
    Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, walker);
    walker.files.sort(Comparator.comparing(LocalFile::path));
    List<String> warnings = new ArrayList<>(rules.warnings());
    warnings.addAll(walker.warnings);
    return new Scan(List.copyOf(walker.files), walker.totalBytes, List.copyOf(warnings));
  }

  private static final class Walker extends SimpleFileVisitor<Path> {
    private final Path root;
    private final Path realRoot;
    private final String prefix;
    private final IgnoreRules rules;
    private final List<LocalFile> files = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private long totalBytes;

    Walker(Path root, String prefix, IgnoreRules rules) throws IOException {
      this.root = root;
      this.realRoot = root.toRealPath();
      this.prefix = prefix;
      this.rules = rules;
    }

    @Override
    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
      if (dir.equals(root)) {
        return FileVisitResult.CONTINUE;
      }
      String path = relative(dir);
      if (rules.ignores(path, true)) {
        return FileVisitResult.SKIP_SUBTREE;
      }
      if (!dir.toRealPath().startsWith(realRoot)) {
        warnings.add(path + "/: skipped, a symbolic link to outside the folder");
        return FileVisitResult.SKIP_SUBTREE;
      }
      return FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
      String path = relative(file);
      if (rules.ignores(path, false)) {
        return FileVisitResult.CONTINUE;
      }
      if (attrs.isSymbolicLink()) {
        warnings.add(path + ": skipped, a broken symbolic link");
        return FileVisitResult.CONTINUE;
      }
      if (!attrs.isRegularFile()) {
        warnings.add(path + ": skipped, not a regular file");
        return FileVisitResult.CONTINUE;
      }
      Path real = file.toRealPath();
      if (!real.startsWith(realRoot)) {
        warnings.add(path + ": skipped, a symbolic link to outside the folder");
        return FileVisitResult.CONTINUE;
      }
      long size = attrs.size();
      if (size > MAX_FILE_BYTES) {
        throw CliException.error(prefix + path + " is larger than " + (MAX_FILE_BYTES >> 20)
            + " MiB, the limit per file (leave it out with .ferryignore)");
      }
      totalBytes += size;
      if (files.size() >= MAX_FILES) {
        throw CliException.error("More than " + MAX_FILES + " files to deploy, the limit per deployment "
            + "(leave some out with .ferryignore)");
      }
      if (totalBytes > MAX_TOTAL_BYTES) {
        throw CliException.error("More than " + (MAX_TOTAL_BYTES >> 30) + " GiB to deploy, the limit per deployment");
      }
      files.add(new LocalFile(prefix + path, real, sha256(real), size, executable(real)));
      return FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
      if (e instanceof FileSystemLoopException) {
        warnings.add(relative(file) + ": skipped, a symbolic link loop");
        return FileVisitResult.CONTINUE;
      }
      throw e;
    }

    private String relative(Path path) {
      List<String> names = new ArrayList<>();
      root.relativize(path).forEach(name -> names.add(name.toString()));
      return String.join("/", names);
    }
  }

  static String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[64 * 1024];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static boolean executable(Path file) {
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
      return permissions.contains(PosixFilePermission.OWNER_EXECUTE);
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }
}
