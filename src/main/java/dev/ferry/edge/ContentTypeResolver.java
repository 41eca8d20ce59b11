package dev.ferry.edge;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns a manifest's content-type string into Pekko's model, memoizing the few distinct values. */
final class ContentTypeResolver {

  private static final Logger log = LoggerFactory.getLogger(ContentTypeResolver.class);
  private static final int MAX_MEMOIZED = 512;

  private final Map<String, ContentType> parsed = new ConcurrentHashMap<>();

  /** The parsed type, or application/octet-stream when absent or unparseable. */
  ContentType resolve(String contentType) {
    if (contentType == null || contentType.isBlank()) {
      return ContentTypes.APPLICATION_OCTET_STREAM;
    }
    ContentType known = parsed.get(contentType);
    if (known != null) {
      return known;
    }
    ContentType type = parse(contentType);
    if (parsed.size() < MAX_MEMOIZED) {
      parsed.put(contentType, type);
    }
    return type;
  }

  private static ContentType parse(String contentType) {
    try {
      return ContentTypes.parse(contentType);
    } catch (RuntimeException e) {
      log.warn("Unparseable content type '{}' in a manifest, serving application/octet-stream", contentType);
      return ContentTypes.APPLICATION_OCTET_STREAM;
    }
  }
}
