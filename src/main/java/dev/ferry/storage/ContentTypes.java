package dev.ferry.storage;

import java.util.Locale;
import java.util.Map;

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

  private ContentTypes() {}

  public static String forPath(String path) {
    String name = path.substring(path.lastIndexOf('/') + 1);
    int dot = name.lastIndexOf('.');
    if (dot < 0 || dot == name.length() - 1) {
      return DEFAULT;
    }
    return BY_EXTENSION.getOrDefault(name.substring(dot + 1).toLowerCase(Locale.ROOT), DEFAULT);
  }
}
