package dev.ferry.output;

import java.util.Optional;

/**
 * What a deployment holds, asked by the routes engine. Paths have no leading slash:
 * {@code "index.html"}, {@code "docs/a b.txt"}, {@code "api/hello"}.
 */
public interface FileLookup {

  /** True when {@code static/<path>} exists (a file, not a directory). */
  boolean exists(String path);

  /**
   * The name of the function that serves {@code path}, if {@code functions/<path>.func} exists;
   * by default a deployment has none.
   */
  default Optional<String> function(String path) {
    return Optional.empty();
  }

  /** A deployment with no files and no functions. */
  FileLookup EMPTY = path -> false;
}
