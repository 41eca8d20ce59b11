package dev.ferry.edge;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImmutableAssetsTest {

  @ParameterizedTest
  @ValueSource(strings = {
      "app.3f9a1c2b.js",                          // webpack [name].[contenthash:8]
      "static/js/main.3f9a1c2b.chunk.js",         // Create React App
      "static/css/main.0a1b2c3d4e5f6a7b8c9d.css", // webpack, 20 hex digits
      "assets/index-BxK9_a2Q.js",                 // Vite
      "assets/index-B-xK9a2Q.css",                // Vite hash with '-' in it
      "assets/index-DkzRtPqa.js",                 // Vite hash without digits, in assets/
      "assets/logo-5F3E2A1B.svg",                 // upper-case hex
      "_astro/index.B1a2c3D4.css",                // Astro
      "_nuxt/D1kz9aQm.js",                        // Nuxt: the name is the hash
      "_next/static/chunks/pages/index.js",       // Next.js: everything under _next/static
      "_next/static/Xb3k9_buildid/_buildManifest.js",
      "_app/immutable/entry/start.js",            // SvelteKit
      "blog/_next/static/css/app.css",            // basePath
      "css/main.min.5f3e2a1b9c8d7e6f.css",        // Hugo fingerprint
      "fonts/inter-latin-400.a1b2c3d4.woff2",
      "chunk-5f3e2a1b.js",
  })
  void hashedAssetsAreImmutable(String path) {
    assertTrue(ImmutableAssets.isImmutable(path), path);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "index.html",
      "assets/index-BxK9_a2Q.html",               // pages are entry points, never immutable
      "_next/static/page.html",
      "app.js",
      "jquery-3.7.1.min.js",                      // a version, not a hash
      "react-dom.production.min.js",
      "bootstrap.bundle.min.css",
      "report-20240101.css",                      // a date
      "images/Windows10.png",                     // a word and a number
      "assets/logo-whitebg.png",                  // a lower-case word in assets/
      "assets/icon-Settings.svg",
      "icon-DkzRtPqa.js",                         // digit-less suffix outside the asset folders
      "deadbeef.js",                              // hex letters only: a word
      "12345678.js",                              // digits only
      "favicon.ico",
      "robots.txt",
      "3f9a1c2b",                                 // no extension
      "docs/v2.0.0-beta.json",
      "components/MyComponent.js",
  })
  void otherFilesAreRevalidated(String path) {
    assertFalse(ImmutableAssets.isImmutable(path), path);
  }
}
