package dev.ferry.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;

/**
 * Real front-end projects made by npm's own templates (pinned versions of create-vite and create-next-app, from the
 * npm registry), committed to a local Git repository for a node to build. Nothing is installed here: the build does.
 */
public final class NpmTemplates {

  public static final String CREATE_VITE = "create-vite@9.3.0";
  public static final String CREATE_NEXT_APP = "create-next-app@16.4.3";
  public static final String VITE = "8.3.8";
  private static final Pattern ASSET = Pattern.compile("(?:src|href)=\"(/[^\"]+\\.(?:js|css))\"");

  private NpmTemplates() {}

  /** {@code npm create vite} with a template ({@code react}, {@code vue}, ...) into {@code parent/name}. */
  public static Path vite(Path parent, String name, String template) throws Exception {
    run(parent, "npm", "exec", "--yes", "--", CREATE_VITE, name, "--template", template, "--no-interactive");
    Path project = parent.resolve(name);
    // vite 8.4.0 names an optional dependency the registry does not have: npm install skips it, npm ci then refuses
    // the lockfile. The template's own range (^8.3.4) is pinned to the last release without it.
    run(project, "npm", "pkg", "set", "devDependencies.vite=" + VITE);
    return project;
  }

  /**
   * {@code create-next-app} (App Router, JavaScript) turned into a static export ({@code output: 'export'}, images
   * unoptimized as a static export needs).
   */
  public static Path nextStaticExport(Path parent, String name) throws Exception {
    return createNextApp(parent, name, "{ output: 'export', images: { unoptimized: true } }");
  }

  /**
   * {@code create-next-app} with {@code output: 'standalone'} and a page rendered on every request,
   * {@code /now}: it shows the time it was rendered at ({@code <span id="now">}) and the request's
   * {@code User-Agent} ({@code <span id="agent">}).
   */
  public static Path nextStandalone(Path parent, String name) throws Exception {
    Path project = createNextApp(parent, name, "{ output: 'standalone' }");
    Files.createDirectories(project.resolve("app/now"));
    Files.writeString(project.resolve("app/now/page.js"), """
        import { headers } from "next/headers";

        export const dynamic = "force-dynamic";

        export default async function Now() {
          const agent = (await headers()).get("user-agent");
          return <p>rendered at <span id="now">{Date.now()}</span> for <span id="agent">{agent}</span></p>;
        }
        """);
    return project;
  }

  /**
   * {@code create-next-app} (App Router, JavaScript) with {@code nextConfig} as its configuration, without the
   * template's next/font/google fonts: builds reach the npm registry, not Google Fonts.
   */
  private static Path createNextApp(Path parent, String name, String nextConfig) throws Exception {
    run(parent, "npm", "exec", "--yes", "--", CREATE_NEXT_APP, name, "--js", "--app", "--no-eslint", "--no-tailwind",
        "--no-src-dir", "--import-alias", "@/*", "--use-npm", "--skip-install", "--disable-git", "--yes");
    Path project = parent.resolve(name);
    Files.writeString(project.resolve("next.config.mjs"), "/** @type {import('next').NextConfig} */\n"
        + "export default " + nextConfig + ";\n");
    Files.writeString(project.resolve("app/layout.js"), """
        import "./globals.css";

        export const metadata = { title: "Create Next App on Ferry" };

        export default function RootLayout({ children }) {
          return (
            <html lang="en">
              <body>{children}</body>
            </html>
          );
        }
        """);
    return project;
  }

  /**
   * A small project whose build renders README.md to dist/index.html with {@code marked} from the registry, managed
   * by {@code packageManager} ({@code pnpm@9.15.9}, {@code yarn@1.22.22}) as its package.json declares it; its
   * lockfile (pnpm-lock.yaml, yarn.lock) is written by that package manager, run through corepack. The registry
   * reachable here serves no package signatures, so corepack's check of them is off ({@link #corepackEnv}).
   */
  public static Path corepackProject(Path parent, String name, String packageManager) throws Exception {
    Path project = Files.createDirectories(parent.resolve(name));
    Files.writeString(project.resolve("package.json"), """
        {"name": "%s", "private": true, "type": "module", "packageManager": "%s",
         "scripts": {"build": "node build.js"}, "dependencies": {"marked": "15.0.7"}}
        """.formatted(name, packageManager));
    Files.writeString(project.resolve("build.js"), """
        import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
        import { marked } from "marked";
        mkdirSync("dist", { recursive: true });
        writeFileSync("dist/index.html", marked.parse(readFileSync("README.md", "utf8")));
        """);
    Files.writeString(project.resolve("README.md"), "# Built with " + packageManager.split("@")[0] + "\n");
    Files.writeString(project.resolve(".gitignore"), "node_modules\ndist\n");
    run(project, corepackEnv(), "corepack", packageManager.split("@")[0], "install");
    return project;
  }

  /**
   * For corepack in a build: no prompt before a download, no signature check (the registry here serves none), and
   * the CA certificates Node.js is told to trust here (a TLS-inspecting proxy), which the sandbox's scrubbed
   * environment would otherwise drop (npm finds them in its npmrc's cafile; corepack has no such setting).
   */
  public static Map<String, String> corepackEnv() {
    Map<String, String> env = new java.util.TreeMap<>(Map.of("COREPACK_ENABLE_DOWNLOAD_PROMPT", "0",
        "COREPACK_INTEGRITY_KEYS", "0"));
    String extraCertificates = System.getenv("NODE_EXTRA_CA_CERTS");
    if (extraCertificates != null && !extraCertificates.isBlank()) {
      env.put("NODE_EXTRA_CA_CERTS", extraCertificates);
    }
    return env;
  }

  /**
   * Writes {@code package-lock.json} as a developer would commit it: by installing (the templates' .gitignore keeps
   * node_modules out of the commit). {@code --package-lock-only} is not enough: npm 11 then leaves platform-specific
   * optional dependencies out, and {@code npm ci} refuses the lockfile.
   */
  public static void lock(Path project) throws Exception {
    run(project, "npm", "install", "--no-audit", "--no-fund");
  }

  /** A Git repository of the project (its .gitignore applies) with everything committed on {@code main}. */
  public static Git commitAll(Path project, String message) throws Exception {
    Git git = Files.isDirectory(project.resolve(".git")) ? Git.open(project.toFile())
        : Git.init().setDirectory(project.toFile()).setInitialBranch("main").call();
    git.add().addFilepattern(".").call();
    git.commit().setMessage(message).setAuthor("Dev", "dev@example.com").setCommitter("Dev", "dev@example.com")
        .setSign(false).call();
    return git;
  }

  /** The script and stylesheet paths a built HTML page references (/assets/index-3f2a.js, /_next/static/...). */
  public static List<String> assets(String html) {
    List<String> assets = new ArrayList<>();
    Matcher matcher = ASSET.matcher(html);
    while (matcher.find()) {
      assets.add(matcher.group(1));
    }
    return assets;
  }

  private static void run(Path dir, String... command) throws Exception {
    run(dir, Map.of(), command);
  }

  private static void run(Path dir, Map<String, String> env, String... command) throws Exception {
    Files.createDirectories(dir);
    Path log = Files.createTempFile(dir, "npm", ".log");
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    builder.environment().putAll(env);
    Process process = builder.start();
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new IOException(String.join(" ", command) + " did not finish in 5 minutes:\n" + Files.readString(log));
    }
    String output = Files.readString(log);
    Files.delete(log);
    if (process.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed with " + process.exitValue() + ":\n" + output);
    }
  }
}
