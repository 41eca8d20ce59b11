package dev.ferry.functions;

import dev.ferry.storage.BlobStore;
import dev.ferry.storage.Digests;
import dev.ferry.storage.Manifest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.UUID;

/**
 * The functions of deployments unpacked on this node: {@code <dir>/deployments/<deployment>/<function hash>/}, made
 * once from the blobs the manifest names (into a temporary directory, then moved into place), and the launchers
 * Ferry ships, written to {@code <dir>/launchers/} at start.
 */
public final class FunctionFiles {

  static final String NODE_LAUNCHER = "node-launcher.mjs";
  static final String PYTHON_LAUNCHER = "python-launcher.py";

  private final Path dir;
  private final BlobStore blobs;

  public FunctionFiles(Path dir, BlobStore blobs) {
    this.dir = dir.toAbsolutePath().normalize();
    this.blobs = blobs;
  }

  /** Writes the launchers (again, so an upgraded Ferry brings its own). */
  public Path writeLaunchers() throws IOException {
    Path launchers = Files.createDirectories(dir.resolve("launchers"));
    for (String name : new String[] {NODE_LAUNCHER, PYTHON_LAUNCHER}) {
      try (InputStream in = FunctionFiles.class.getResourceAsStream("/functions/" + name)) {
        if (in == null) {
          throw new IOException("The launcher " + name + " is missing from Ferry's resources");
        }
        Files.copy(in, launchers.resolve(name), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return launchers;
  }

  public Path launchers() {
    return dir.resolve("launchers");
  }

  /** The function's directory, unpacked now unless it already is. Blocking: call it off the request threads. */
  public synchronized Path unpack(String deploymentId, String name, Manifest.Function function) throws IOException {
    Path target = directory(deploymentId, name);
    if (Files.isDirectory(target)) {
      return target;
    }
    Files.createDirectories(target.getParent());
    Path staging = target.resolveSibling(".unpacking-" + UUID.randomUUID());
    try {
      for (Map.Entry<String, Manifest.FunctionFile> file : function.files().entrySet()) {
        Path path = staging.resolve(file.getKey()).normalize();
        if (!path.startsWith(staging) || file.getKey().startsWith("/")) {
          throw new IOException("Function " + name + " has a file outside its directory: " + file.getKey());
        }
        Files.createDirectories(path.getParent());
        try (InputStream in = blobs.openBlob(file.getValue().sha256())) {
          Files.copy(in, path);
        }
        if (file.getValue().executable()) {
          path.toFile().setExecutable(true, false);
        }
      }
      Files.createDirectories(staging);
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      ApiFunctions.deleteTree(staging);
    }
    return target;
  }

  /**
   * A new, empty directory for one instance (a spare's), under {@code <dir>/instances/}; it only ever holds the files
   * of the one function the instance becomes.
   */
  public Path newInstanceDirectory() throws IOException {
    return Files.createDirectories(dir.resolve("instances").resolve(UUID.randomUUID().toString()));
  }

  /** Removes the instance directories a previous run left behind (its instances are gone with it). */
  public void removeInstanceDirectories() throws IOException {
    ApiFunctions.deleteTree(dir.resolve("instances"));
  }

  /**
   * Places the files of an unpacked function in an instance's directory: hard links where the file system allows
   * (the same bytes, no copy; the instance sees them read-only), copies where it does not.
   */
  public void linkTree(Path from, Path to) throws IOException {
    try (java.util.stream.Stream<Path> paths = Files.walk(from)) {
      for (Path source : (Iterable<Path>) paths::iterator) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectories(target);
        } else if (Files.isSymbolicLink(source)) {
          Files.copy(source, target, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        } else {
          try {
            Files.createLink(target, source);
          } catch (IOException | UnsupportedOperationException notHere) {
            Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
          }
        }
      }
    }
  }

  /** Removes what is unpacked of a deployment (when it is no longer served here). */
  public synchronized void remove(String deploymentId) throws IOException {
    ApiFunctions.deleteTree(dir.resolve("deployments").resolve(safe(deploymentId)));
  }

  Path directory(String deploymentId, String name) {
    String hash = Digests.sha256(name.getBytes(StandardCharsets.UTF_8)).substring(0, 24);
    return dir.resolve("deployments").resolve(safe(deploymentId)).resolve(hash);
  }

  private static String safe(String deploymentId) {
    if (!deploymentId.matches("[A-Za-z0-9_-]{1,64}")) {
      throw new IllegalArgumentException("not a deployment id: " + deploymentId);
    }
    return deploymentId;
  }
}
