package dev.ferry.edge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.output.BuildOutputConfig;
import dev.ferry.output.FileLookup;
import dev.ferry.output.RoutesEngine;
import dev.ferry.storage.Manifest;
import dev.ferry.storage.Manifest.FileEntry;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.http.javadsl.model.DateTime;
import org.apache.pekko.http.javadsl.model.headers.LastModified;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One deployment as the edge serves it: its manifest, plus each requested file's ready-made response parts,
 * built on first request and kept (for a bounded number of files) as long as the site is cached (manifests never
 * change).
 */
final class Site {

  /** Response parts are kept for this many files per site; beyond it they are built per request (rare files). */
  static final int MAX_MEMOIZED_FILES = 4096;

  private static final Logger log = LoggerFactory.getLogger(Site.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Manifest manifest;
  private final ContentTypeResolver contentTypes;
  /** The manifest's creation time to the second, or null when the manifest predates it. */
  private final DateTime lastModified;
  private final LastModified lastModifiedHeader;
  private final ConcurrentHashMap<String, ServedFile> served = new ConcurrentHashMap<>();
  /** The deployment's routing, compiled once; null when it has none (files are then served by path only). */
  private final RoutesEngine routes;
  /** True when the manifest has a routing configuration that cannot be compiled (the site then answers 500). */
  private final boolean brokenConfig;
  private final FileLookup lookup;

  Site(Manifest manifest, ContentTypeResolver contentTypes) {
    this.manifest = manifest;
    this.lookup = new FileLookup() {
      @Override
      public boolean exists(String path) {
        return manifest.files().containsKey(path);
      }

      @Override
      public java.util.Optional<String> function(String path) {
        return manifest.function(path) == null ? java.util.Optional.empty() : java.util.Optional.of(path);
      }
    };
    RoutesEngine engine = null;
    boolean broken = false;
    if (manifest.config() != null || manifest.functions() != null) {
      try {
        // Functions need routing to be found; without a configuration of its own the deployment gets the default.
        engine = RoutesEngine.compile(manifest.config() == null ? BuildOutputConfig.of(java.util.List.of())
            : BuildOutputConfig.parse(JSON.writeValueAsBytes(manifest.config())));
      } catch (RuntimeException | JsonProcessingException e) {
        // Builds validate the configuration, so this is a manifest written by hand or by a newer version.
        log.error("Deployment {} has a routing configuration the edge cannot use: {}", manifest.deploymentId(),
            e.getMessage());
        broken = true;
      }
    }
    this.routes = engine;
    this.brokenConfig = broken;
    this.contentTypes = contentTypes;
    this.lastModified = manifest.createdInstant().map(instant -> DateTime.create(instant.toEpochMilli())).orElse(null);
    this.lastModifiedHeader = lastModified == null ? null : LastModified.create(lastModified);
  }

  Manifest manifest() {
    return manifest;
  }

  /** The compiled routing, or null when the deployment has none. */
  RoutesEngine routes() {
    return routes;
  }

  boolean brokenConfig() {
    return brokenConfig;
  }

  /** What the routes engine asks about: which files the deployment has. */
  FileLookup lookup() {
    return lookup;
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
