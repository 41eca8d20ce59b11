package dev.ferry.edge;

import dev.ferry.storage.Manifest;
import dev.ferry.storage.Manifest.FileEntry;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one deployment's files: maps the request path onto its manifest, answers conditional
 * requests with 304, and falls back to the deployment's own {@code 404.html}.
 */
public final class StaticFiles {

  static final String NOT_FOUND_PAGE = "404.html";

  private static final Logger log = LoggerFactory.getLogger(StaticFiles.class);

  private final ManifestCache manifests;
  private final BlobBodies bodies;
  private final ContentTypeResolver contentTypes = new ContentTypeResolver();

  StaticFiles(ManifestCache manifests, BlobBodies bodies) {
    this.manifests = manifests;
    this.bodies = bodies;
  }

  /** The response for a GET or HEAD (the server leaves out the body of a HEAD response). */
  public CompletionStage<HttpResponse> serve(String deploymentId, RequestPath path, HttpRequest request) {
    return manifests.manifest(deploymentId).thenCompose(manifest -> {
      if (manifest.isEmpty()) {
        log.warn("Deployment {} is routed but has no manifest", deploymentId);
        return done(EdgeResponses.notFound());
      }
      return serve(manifest.get(), path, request);
    });
  }

  private CompletionStage<HttpResponse> serve(Manifest manifest, RequestPath path, HttpRequest request) {
    Optional<FileEntry> file = find(manifest, path);
    if (file.isEmpty()) {
      return notFound(manifest);
    }
    FileEntry entry = file.get();
    String tag = ETags.opaqueTag(entry.sha256());
    if (ifNoneMatchMatches(request, tag)) {
      return done(HttpResponse.create()
          .withStatus(StatusCodes.NOT_MODIFIED)
          .addHeader(ETags.header(tag))
          .addHeader(EdgeResponses.FILE_CACHE_CONTROL));
    }
    return bodies.entity(entry, contentTypes.resolve(entry.contentType()))
        .thenApply(body -> HttpResponse.create()
            .withEntity(body)
            .addHeader(ETags.header(tag))
            .addHeader(EdgeResponses.FILE_CACHE_CONTROL));
  }

  private static Optional<FileEntry> find(Manifest manifest, RequestPath path) {
    for (String candidate : path.manifestCandidates()) {
      FileEntry entry = manifest.file(candidate);
      if (entry != null) {
        return Optional.of(entry);
      }
    }
    return Optional.empty();
  }

  private CompletionStage<HttpResponse> notFound(Manifest manifest) {
    FileEntry page = manifest.file(NOT_FOUND_PAGE);
    if (page == null) {
      return done(EdgeResponses.notFound());
    }
    ContentType type = page.contentType() == null || page.contentType().isBlank()
        ? ContentTypes.TEXT_HTML_UTF8
        : contentTypes.resolve(page.contentType());
    return bodies.entity(page, type)
        .thenApply(body -> HttpResponse.create()
            .withStatus(StatusCodes.NOT_FOUND)
            .withEntity(body)
            .addHeader(EdgeResponses.FILE_CACHE_CONTROL));
  }

  private static boolean ifNoneMatchMatches(HttpRequest request, String tag) {
    for (HttpHeader header : request.getHeaders()) {
      if (header.is("if-none-match") && ETags.ifNoneMatchMatches(header.value(), tag)) {
        return true;
      }
    }
    return false;
  }

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }
}
