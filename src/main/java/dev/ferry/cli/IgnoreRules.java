package dev.ferry.cli;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code ferry deploy} leaves out. Always: version-control folders, {@code node_modules} (the build installs
 * dependencies itself), Ferry's {@code .ferry} link, {@code .vercel} (except for prebuilt deployments), macOS
 * {@code .DS_Store} and local environment files ({@code .env.local}, {@code .env.*.local}). Then the patterns of
 * {@code .ferryignore} in the deployed folder (or, without one, {@code .vercelignore}):
 * <ul>
 *   <li>one glob per line; blank lines and lines starting with {@code #} are skipped;</li>
 *   <li>a pattern without '/' matches a file or folder name at any depth ({@code *.log}, {@code tmp});</li>
 *   <li>a pattern with a '/' (a leading one is dropped) matches the path from the deployed folder
 *       ({@code /docs/drafts}, {@code assets/**&#47;*.psd});</li>
 *   <li>a trailing '/' matches folders only; {@code *} stays within one name, {@code **} crosses folders;</li>
 *   <li>negation ({@code !pattern}) is not supported: such lines are reported and skipped.</li>
 * </ul>
 */
final class IgnoreRules {

  static final List<String> ALWAYS = List.of(".git", ".hg", ".svn", "node_modules", ".ferry", ".DS_Store",
      ".env.local", ".env.*.local");
  static final String BUILD_OUTPUT = ".vercel";

  private record Rule(String pattern, PathMatcher matcher, boolean anchored, boolean directoryOnly) {}

  private final List<Rule> rules = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();

  private IgnoreRules() {}

  /** The rules for deploying {@code root}; {@code prebuilt} keeps {@code .vercel}. */
  static IgnoreRules forDirectory(Path root, boolean prebuilt) throws IOException {
    IgnoreRules rules = new IgnoreRules();
    ALWAYS.forEach(rules::add);
    if (!prebuilt) {
      rules.add(BUILD_OUTPUT);
    }
    for (String name : List.of(".ferryignore", ".vercelignore")) {
      Path file = root.resolve(name);
      if (Files.isRegularFile(file)) {
        for (String line : Files.readAllLines(file)) {
          rules.addLine(line, name);
        }
        break;
      }
    }
    return rules;
  }

  /** Rules from lines in {@code .ferryignore} syntax, after the built-in ones (for tests). */
  static IgnoreRules of(boolean prebuilt, String... lines) {
    IgnoreRules rules = new IgnoreRules();
    ALWAYS.forEach(rules::add);
    if (!prebuilt) {
      rules.add(BUILD_OUTPUT);
    }
    for (String line : lines) {
      rules.addLine(line, ".ferryignore");
    }
    return rules;
  }

  /** Nothing ignored (the contents of a prebuilt {@code .vercel/output}). */
  static IgnoreRules none() {
    return new IgnoreRules();
  }

  private void addLine(String raw, String source) {
    String line = raw.strip();
    if (line.isEmpty() || line.startsWith("#")) {
      return;
    }
    if (line.startsWith("!")) {
      warnings.add(source + ": negated patterns are not supported, skipped: " + line);
      return;
    }
    add(line);
  }

  private void add(String line) {
    boolean directoryOnly = line.endsWith("/");
    String pattern = directoryOnly ? line.substring(0, line.length() - 1) : line;
    boolean anchored = pattern.contains("/");
    if (pattern.startsWith("/")) {
      pattern = pattern.substring(1);
    }
    if (pattern.isEmpty()) {
      return;
    }
    try {
      rules.add(new Rule(line, FileSystems.getDefault().getPathMatcher("glob:" + pattern), anchored,
          directoryOnly));
    } catch (IllegalArgumentException e) {
      warnings.add("not a valid pattern, skipped: " + line);
    }
  }

  /** Whether {@code relativePath} ('/' separated, from the deployed folder) is left out. */
  boolean ignores(String relativePath, boolean directory) {
    Path path = Path.of(relativePath);
    Path name = path.getFileName();
    for (Rule rule : rules) {
      if (rule.directoryOnly() && !directory) {
        continue;
      }
      if (rule.anchored() ? rule.matcher().matches(path) : rule.matcher().matches(name)) {
        return true;
      }
    }
    return false;
  }

  List<String> warnings() {
    return List.copyOf(warnings);
  }
}
