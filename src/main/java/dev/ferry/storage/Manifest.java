package dev.ferry.storage;

import java.util.Map;

/**
 * The immutable file list of one deployment: request path (no leading slash, e.g. {@code "index.html"},
 * {@code "assets/app.js"}) to the stored blob.
 */
public record Manifest(String deploymentId, Map<String, FileEntry> files) {

  public record FileEntry(String sha256, long size, String contentType) {}

  public FileEntry file(String path) {
    return files.get(path);
  }
}
