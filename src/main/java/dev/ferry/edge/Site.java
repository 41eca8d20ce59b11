package dev.ferry.edge;

import dev.ferry.storage.Manifest;
import dev.ferry.storage.Manifest.FileEntry;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.http.javadsl.model.DateTime;
import org.apache.pekko.http.javadsl.model.headers.LastModified;

/**
 * One deployment as the edge serves it: its manifest, plus each requested file's ready-made response parts,
 * built on first request and kept (for a bounded number of files) as long as the site is cached (manifests never
 * change).
 */
final class Site {

  /** Response parts are kept for this many files per site; beyond it they are built per request (rare files). */
  static final int MAX_MEMOIZED_FILES = 4096;

  private final Manifest manifest;
  private final ContentTypeResolver contentTypes;
  /** The manifest's creation time to the second, or null when the manifest predates it. */
  private final DateTime lastModified;
  private final LastModified lastModifiedHeader;
  private final ConcurrentHashMap<String, ServedFile> served = new ConcurrentHashMap<>();

  Site(Manifest manifest, ContentTypeResolver contentTypes) {
    this.manifest = manifest;
    this.contentTypes = contentTypes;
    this.lastModified = manifest.createdInstant().map(instant -> DateTime.create(instant.toEpochMilli())).orElse(null);
    this.lastModifiedHeader = lastModified == null ? null : LastModified.create(lastModified);
  }

  Manifest manifest() {
    return manifest;
  }

  /** The file at this manifest path, or null. */
  ServedFile file(String path) {
    ServedFile file = served.get(path);
    if (file != null) {
      return file;
    }
    FileEntry entry = manifest.file(path);
    if (entry == null) {
      return null;
    }
    ServedFile created = new ServedFile(path, entry, contentTypes, lastModified, lastModifiedHeader);
    if (served.size() >= MAX_MEMOIZED_FILES) {
      return created;
    }
    ServedFile raced = served.putIfAbsent(path, created);
    return raced == null ? created : raced;
  }
}
