package dev.ferry.build;

import dev.ferry.sandbox.Sandbox;
import dev.ferry.storage.BlobStore;
import dev.ferry.storage.SourceManifest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * An uploaded source ({@code ferry deploy}) instead of a Git checkout: the files of the deployment's source manifest
 * are copied out of the blob store into the work directory — copied, not linked, so that a build changing a file in
 * place cannot change the stored blob.
 */
public final class UploadedSource {

  /** Where a prebuilt upload keeps its site when it is in Vercel's Build Output layout. */
  static final String BUILD_OUTPUT_STATIC = ".vercel/output/static";

  private UploadedSource() {}

  /** Writes every file of the manifest {@code manifestDigest} under {@code dir}; answers the number of bytes. */
  public static long materialize(BlobStore blobs, String manifestDigest, Path dir, Sandbox.LogSink log)
      throws BuildFailure {
    SourceManifest manifest;
    try {
      manifest = SourceManifest.load(blobs, manifestDigest);
    } catch (IOException e) {
      throw new BuildFailure("The uploaded file list " + manifestDigest + " could not be read: " + e.getMessage());
    }
    log.line("system", "Unpacking " + manifest.files().size() + " uploaded files");
    long bytes = 0;
    try {
      Path root = Files.createDirectories(dir).toAbsolutePath().normalize();
      for (SourceManifest.Entry file : manifest.files()) {
        String problem = SourceManifest.pathProblem(file.path());
        Path target = root.resolve(file.path()).normalize();
        if (problem != null || !target.startsWith(root) || target.equals(root)) {
          throw new BuildFailure("The uploaded path '" + file.path() + "' is not allowed: " + problem);
        }
        Files.createDirectories(target.getParent());
        try (InputStream in = blobs.openBlob(file.sha256())) {
          bytes += Files.copy(in, target);
        }
        if (file.executable()) {
          Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
      }
    } catch (IOException e) {
      throw new BuildFailure("Unpacking the uploaded files failed: " + e.getMessage());
    }
    return bytes;
  }

  /** What a prebuilt upload publishes: Vercel's {@code .vercel/output/static} when present, else the upload as is. */
  public static Path prebuiltOutput(Path dir) {
    Path buildOutput = dir.resolve(BUILD_OUTPUT_STATIC);
    return Files.isDirectory(buildOutput) ? buildOutput : dir;
  }
}
