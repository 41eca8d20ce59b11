package dev.ferry.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ContentTypesTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "index.html | text/html; charset=utf-8",
      "assets/site.css | text/css; charset=utf-8",
      "assets/app.js | text/javascript; charset=utf-8",
      "assets/chunk.mjs | text/javascript; charset=utf-8",
      "data.json | application/json; charset=utf-8",
      "assets/app.js.map | application/json; charset=utf-8",
      "site.webmanifest | application/manifest+json; charset=utf-8",
      "logo.svg | image/svg+xml; charset=utf-8",
      "robots.txt | text/plain; charset=utf-8",
      "sitemap.xml | application/xml; charset=utf-8",
      "a.png | image/png",
      "b.JPG | image/jpeg",
      "c.gif | image/gif",
      "d.webp | image/webp",
      "e.avif | image/avif",
      "favicon.ico | image/x-icon",
      "module.wasm | application/wasm",
      "f.woff | font/woff",
      "f.woff2 | font/woff2",
      "f.ttf | font/ttf",
      "doc.pdf | application/pdf",
      "clip.mp4 | video/mp4",
      "clip.webm | video/webm",
      "song.mp3 | audio/mpeg",
  })
  void knowsCommonWebFiles(String path, String contentType) {
    assertEquals(contentType, ContentTypes.forPath(path));
  }

  @Test
  void fallsBackToOctetStream() {
    assertEquals("application/octet-stream", ContentTypes.forPath("LICENSE"));
    assertEquals("application/octet-stream", ContentTypes.forPath("archive.tar.zst"));
    assertEquals("application/octet-stream", ContentTypes.forPath("dir.d/file"));
    assertEquals("application/octet-stream", ContentTypes.forPath("trailing."));
  }
}
