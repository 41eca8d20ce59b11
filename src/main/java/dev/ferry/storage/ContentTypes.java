package dev.ferry.storage;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The Content-Type the edge sends for a deployed file, chosen by its extension. */
public final class ContentTypes {

  public static final String DEFAULT = "application/octet-stream";

  private static final String UTF8 = "; charset=utf-8";

  private static final Map<String, String> BY_EXTENSION = Map.ofEntries(
      Map.entry("html", "text/html" + UTF8),
      Map.entry("htm", "text/html" + UTF8),
      Map.entry("css", "text/css" + UTF8),
      Map.entry("js", "text/javascript" + UTF8),
      Map.entry("mjs", "text/javascript" + UTF8),
      Map.entry("cjs", "text/javascript" + UTF8),
      Map.entry("json", "application/json" + UTF8),
      Map.entry("map", "application/json" + UTF8),
      Map.entry("webmanifest", "application/manifest+json" + UTF8),
      Map.entry("txt", "text/plain" + UTF8),
      Map.entry("xml", "application/xml" + UTF8),
      Map.entry("svg", "image/svg+xml" + UTF8),
      Map.entry("png", "image/png"),
      Map.entry("jpg", "image/jpeg"),
      Map.entry("jpeg", "image/jpeg"),
      Map.entry("gif", "image/gif"),
      Map.entry("webp", "image/webp"),
      Map.entry("avif", "image/avif"),
      Map.entry("ico", "image/x-icon"),
      Map.entry("wasm", "application/wasm"),
      Map.entry("woff", "font/woff"),
      Map.entry("woff2", "font/woff2"),
      Map.entry("ttf", "font/ttf"),
      Map.entry("otf", "font/otf"),
      Map.entry("pdf", "application/pdf"),
      Map.entry("mp4", "video/mp4"),
      Map.entry("webm", "video/webm"),
      Map.entry("mp3", "audio/mpeg"));

  /** Text formats that shrink well under gzip and brotli; images, fonts, media and wasm are left alone. */
  private static final Set<String> COMPRESSIBLE_EXTENSIONS = Set.of(
      "html", "htm", "css", "js", "mjs", "cjs", "json", "map", "webmanifest", "txt", "xml", "svg");

  private ContentTypes() {}

  public static String forPath(String path) {
    String extension = extension(path);
    return extension == null ? DEFAULT : BY_EXTENSION.getOrDefault(extension, DEFAULT);
  }

  /** Whether the file is a text format worth storing precompressed, by its extension. */
  public static boolean isCompressible(String path) {
    String extension = extension(path);
    return extension != null && COMPRESSIBLE_EXTENSIONS.contains(extension);
  }

  /** Whether responses of this content type are text the edge may serve compressed (and so vary by encoding). */
  public static boolean isCompressibleType(String contentType) {
    if (contentType == null) {
      return false;
    }
    String type = contentType.toLowerCase(Locale.ROOT);
    return type.startsWith("text/")
        || type.startsWith("application/json")
        || type.startsWith("application/manifest+json")
        || type.startsWith("application/javascript")
        || type.startsWith("application/xml")
        || type.startsWith("image/svg+xml");
  }

  private static String extension(String path) {
    String name = path.substring(path.lastIndexOf('/') + 1);
    int dot = name.lastIndexOf('.');
    if (dot < 0 || dot == name.length() - 1) {
      return null;
    }
    return name.substring(dot + 1).toLowerCase(Locale.ROOT);
  }
}
