package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The dashboard in a real browser against a real node: sign up, import a local Git repository (with the framework
 * detection preview), deploy, follow the live build log to READY, open the deployment, add an environment variable,
 * deploy a preview, promote it and roll back, create a deploy hook, log out and in, delete the project. Every main page is screenshotted into
 * target/screenshots and checked with axe-core; the browser's console must stay free of errors throughout.
 */
class DashboardIT {

  private static final Duration BUILD = Duration.ofSeconds(150);
  private static final String EMAIL = "browser@example.com";
  private static final String PASSWORD = "a long enough password";

  @TempDir
  Path temp;

  private FerryProcess node;
  private Browser browser;
  private final Map<String, List<String>> violations = new LinkedHashMap<>();

  @AfterEach
  void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    if (node != null) {
      node.close();
    }
  }

  @Test
  void signUpDeployFollowTheLogPromoteAndRollBack() throws Exception {
    browser = Browser.start(temp.resolve("chromium-profile"));
    Path repo = temp.resolve("repo");
    commitSite(repo);
    node = new FerryProcess(temp.resolve("data"), Map.of("FERRY_ALLOW_LOCAL_REPOS", "true")).start();
    assertServedWithPolicy();
    assertFrameworkDetection();

    // Sign up
    browser.driver.get(node.api() + "/signup");
    browser.heading("Create your Ferry account");
    check("01-signup");
    submitCredentials();
    check("02-projects-empty");

    // Import the repository: detection preview, then build settings that override it
    browser.click(By.cssSelector(".page-title a.button"));
    browser.heading("New project");
    browser.type(By.id("field-gitRepoUrl"), repo.toUri().toString());
    browser.type(By.id("field-name"), "dash-site");
    browser.click(By.xpath("//button[normalize-space()='Detect framework']"));
    browser.waiting(Duration.ofSeconds(60)).until(ExpectedConditions.textToBePresentInElementLocated(
        By.cssSelector("[data-testid=detection]"), "Detected static"));
    browser.type(By.id("field-buildCommand"), "sh build.sh");
    browser.type(By.id("field-outputDirectory"), "dist");
    check("03-new-project");
    browser.click(By.xpath("//button[normalize-space()='Create project']"));

    // The first deployment: the live log over the WebSocket, to READY
    String first = awaitReady();
    assertTrue(browser.visible(By.cssSelector(".log .fg-green")).getText().contains("built in green"),
        "the build's ANSI colours are shown");
    assertTrue(browser.driver.findElement(By.cssSelector(".log")).getText().contains("building v1"));
    check("04-deployment");

    // Open the deployment's own URL
    String dashboard = browser.driver.getWindowHandle();
    browser.click(By.cssSelector("[data-testid=deployment-url]"));
    browser.waiting(Duration.ofSeconds(10)).until(d -> d.getWindowHandles().size() == 2);
    String site = browser.driver.getWindowHandles().stream().filter(h -> !h.equals(dashboard)).findFirst().orElseThrow();
    browser.driver.switchTo().window(site);
    browser.waiting(Duration.ofSeconds(20)).until(ExpectedConditions.textToBePresentInElementLocated(
        By.tagName("h1"), "Hello v1"));
    assertTrue(browser.driver.getCurrentUrl().contains("dash-site-" + first + ".localhost"),
        browser.driver.getCurrentUrl());
    browser.screenshot("05-deployed-site");
    browser.driver.close();
    browser.driver.switchTo().window(dashboard);

    // Project page: the deployment is production
    browser.click(By.cssSelector(".breadcrumb a"));
    browser.heading("dash-site");
    browser.visible(By.cssSelector("tr[data-deployment='" + first + "'] .badge.current"));
    check("06-project");

    // An environment variable (plain, so that its value can be read back)
    browser.click(By.linkText("Environment variables"));
    browser.type(By.id("field-key"), "GREETING");
    browser.type(By.id("field-value"), "hello from the browser");
    browser.click(By.name("secret"));
    browser.click(By.xpath("//button[normalize-space()='Add variable']"));
    browser.visible(By.cssSelector("li[data-env=GREETING]"));
    browser.click(By.xpath("//li[@data-env='GREETING']//button[starts-with(normalize-space(),'Show value')]"));
    assertEquals("hello from the browser", browser.visible(By.cssSelector("li[data-env=GREETING] code.value")).getText());
    check("07-env");

    // A preview deployment, promoted to production, then rolled back
    browser.click(By.xpath("//div[@class='actions']/button[normalize-space()='Deploy']"));
    new Select(browser.visible(By.id("field-target"))).selectByValue("preview");
    browser.click(By.cssSelector("dialog form button[type=submit]"));
    String preview = awaitReady();
    assertTrue(!preview.equals(first));
    browser.click(By.xpath("//button[normalize-space()='Promote to production']"));
    browser.visible(By.xpath("//span[contains(@class,'badge') and normalize-space()='Current production']"));
    check("08-promoted");
    browser.click(By.xpath("//button[normalize-space()='Roll back']"));
    browser.waiting(Duration.ofSeconds(20)).until(ExpectedConditions.textToBePresentInElementLocated(
        By.cssSelector(".action-status"), "Rolled back"));
    browser.visible(By.xpath("//button[normalize-space()='Promote to production']"));
    browser.click(By.cssSelector(".breadcrumb a"));
    browser.visible(By.cssSelector("tr[data-deployment='" + first + "'] .badge.current"));
    assertEquals(2, browser.driver.findElements(By.cssSelector("tbody tr")).size());

    // The other project pages
    browser.click(By.linkText("Settings"));
    browser.visible(By.id("field-gitRepoUrl"));
    check("09-settings");
    browser.click(By.linkText("Git & hooks"));
    browser.visible(By.cssSelector("[data-testid=webhook-url]"));
    assertTrue(browser.driver.findElement(By.cssSelector("[data-testid=webhook-url]")).getText()
        .endsWith("/api/v1/webhooks/github?project=dash-site"));
    browser.type(By.id("field-name"), "Nightly");
    browser.click(By.xpath("//button[normalize-space()='Create hook']"));
    assertTrue(browser.visible(By.cssSelector(".notice code")).getText().contains("/api/v1/hooks/deploy/"));
    check("10-git-and-hooks");

    // Domains, where this build has their endpoints (API.md "Domains"; without them the page says it is unavailable)
    if (hasDomainRoutes()) {
      browser.click(By.linkText("Domains"));
      browser.visible(By.cssSelector("form[aria-label='Add a domain']"));
      check("11-domains");
    }

    // A phone, in the dark theme
    browser.resize(390, 844);
    browser.click(By.linkText("Deployments"));
    browser.visible(By.cssSelector("tr[data-deployment='" + first + "']"));
    browser.click(By.cssSelector("button[data-theme-choice=system]"));
    browser.click(By.cssSelector("button[data-theme-choice=light]"));
    browser.visible(By.cssSelector("button[data-theme-choice=dark]"));
    check("12-project-phone-dark");
    browser.resize(1280, 900);

    // Log out, log in again
    browser.click(By.xpath("//button[normalize-space()='Log out']"));
    browser.heading("Log in to Ferry");
    check("13-login");
    submitCredentials();
    browser.visible(By.cssSelector(".project-card .badge[data-state=READY]"));
    check("14-projects");

    // Delete the project, confirming with its name
    browser.click(By.linkText("dash-site"));
    browser.click(By.linkText("Settings"));
    browser.click(By.xpath("//button[normalize-space()='Delete project']"));
    browser.visible(By.id("field-confirm")).sendKeys(Keys.ESCAPE);
    browser.waiting(Duration.ofSeconds(5)).until(ExpectedConditions.invisibilityOfElementLocated(By.id("field-confirm")));
    browser.click(By.xpath("//button[normalize-space()='Delete project']"));
    WebElement confirm = browser.visible(By.cssSelector("dialog button.danger[type=submit]"));
    assertFalse(confirm.isEnabled(), "deleting needs the project's name typed");
    browser.type(By.id("field-confirm"), "dash-site");
    check("15-delete-confirmation");
    confirm.click();
    browser.heading("Projects");
    browser.visible(By.xpath("//p[starts-with(normalize-space(),'No projects yet')]"));

    List<String> pagesWithViolations = new ArrayList<>();
    violations.forEach((page, found) -> {
      if (!found.isEmpty()) {
        pagesWithViolations.add(page + ": " + String.join("; ", found));
      }
    });
    assertEquals(List.of(), pagesWithViolations, "serious or critical accessibility violations");
    assertEquals(List.of(), browser.consoleErrors(), "console errors in the browser");
  }

  /** The import page's preview endpoint: a Vite project is recognised, bad input is refused with a reason. */
  private void assertFrameworkDetection() throws Exception {
    Path vite = temp.resolve("vite-app");
    Files.createDirectories(vite);
    try (Git git = Git.init().setDirectory(vite.toFile()).setInitialBranch("main").call()) {
      Files.writeString(vite.resolve("package.json"),
          "{\"scripts\": {\"build\": \"vite build\"}, \"devDependencies\": {\"vite\": \"^8.0.0\"}}");
      Files.writeString(vite.resolve("package-lock.json"), "{}");
      git.add().addFilepattern(".").call();
      git.commit().setMessage("Vite app").setAuthor("Dev", "dev@example.com").setCommitter("Dev", "dev@example.com")
          .call();
    }
    ApiClient client = new ApiClient(node.api(), node.edge());
    String body = "{\"gitRepoUrl\": \"" + vite.toUri() + "\"}";
    assertEquals(401, client.post("/api/v1/framework-detection", body).status());
    client.signUp("detect@example.com");
    ApiClient.Response detected = client.post("/api/v1/framework-detection", body);
    assertEquals(200, detected.status(), detected.body());
    assertEquals("vite", detected.json().get("framework").asText());
    assertEquals("npm ci", detected.json().get("installCommand").asText());
    assertEquals("npm run build", detected.json().get("buildCommand").asText());
    assertEquals("dist", detected.json().get("outputDirectory").asText());
    assertEquals("Vite app", detected.json().get("commitMessage").asText().strip());
    ApiClient.Response missing = client.post("/api/v1/framework-detection", "{}");
    assertEquals(400, missing.status(), missing.body());
    assertTrue(missing.body().contains("gitRepoUrl"), missing.body());
    assertEquals(422, client.post("/api/v1/framework-detection", "{\"gitRepoUrl\": \"ftp://example.com/a.git\"}")
        .status());
    ApiClient.Response noFolder = client.post("/api/v1/framework-detection",
        "{\"gitRepoUrl\": \"" + vite.toUri() + "\", \"rootDirectory\": \"web\"}");
    assertEquals(422, noFolder.status(), noFolder.body());
    assertEquals(400, client.post("/api/v1/framework-detection",
        "{\"gitRepoUrl\": \"" + vite.toUri() + "\", \"rootDirectory\": \"../etc\"}").status());
  }

  /** Whether the node answers the domain routes: asked with an account and a project of its own. */
  private boolean hasDomainRoutes() throws Exception {
    ApiClient client = new ApiClient(node.api(), node.edge());
    client.signUp("domains-probe@example.com");
    assertEquals(201, client.post("/api/v1/projects", "{\"name\": \"domains-probe\"}").status());
    int status = client.get("/api/v1/projects/domains-probe/domains").status();
    assertTrue(status == 200 || status == 404, "domains list answered " + status);
    return status == 200;
  }

  /** Fills in and sends the sign-up or login form with the keyboard only, and waits for the projects page. */
  private void submitCredentials() {
    browser.type(By.id("field-email"), EMAIL);
    browser.driver.switchTo().activeElement().sendKeys(Keys.TAB);
    assertEquals("field-password", browser.driver.switchTo().activeElement().getAttribute("id"));
    browser.driver.switchTo().activeElement().sendKeys(PASSWORD, Keys.ENTER);
    browser.heading("Projects");
  }

  /** Waits on the deployment page until the live log says the build ended READY; returns the deployment's id. */
  private String awaitReady() {
    browser.waiting(Duration.ofSeconds(20)).until(ExpectedConditions.urlMatches("/deployments/[^/]+$"));
    String url = browser.driver.getCurrentUrl();
    browser.waiting(BUILD).until(driver -> {
      String status = driver.findElement(By.cssSelector("[data-testid=build-log-status]")).getText();
      if (status.startsWith("Build ended") && !status.equals("Build ended: READY")) {
        throw new AssertionError(status + ":\n" + driver.findElement(By.cssSelector(".log")).getText());
      }
      return status.equals("Build ended: READY");
    });
    browser.visible(By.cssSelector("[data-testid=deployment-url]"));
    return url.substring(url.lastIndexOf('/') + 1);
  }

  /** A screenshot and an axe-core run of the page as it is now. */
  private void check(String page) throws Exception {
    browser.screenshot(page);
    violations.put(page, browser.accessibilityViolations());
    browser.drainConsoleErrors();
  }

  /** The dashboard comes with a CSP that allows no inline script, and client routes load the app. */
  private void assertServedWithPolicy() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(node.api() + "/projects/anything"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, page.statusCode());
    String policy = page.headers().firstValue("Content-Security-Policy").orElseThrow();
    assertTrue(policy.contains("script-src 'self';") && !policy.contains("unsafe-inline"), policy);
    assertTrue(page.body().contains("<div id=\"app\"></div>") && !page.body().contains("<script>"), page.body());
    HttpResponse<String> api = http.send(HttpRequest.newBuilder(URI.create(node.api() + "/api/v1/nothing-here"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(404, api.statusCode(), "the dashboard never answers under /api/");
    assertTrue(api.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
  }

  /** A static site whose build prints coloured output (ANSI) and copies it into dist/. */
  private static void commitSite(Path repo) throws Exception {
    Files.createDirectories(repo.resolve("site"));
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      Files.writeString(repo.resolve("site/index.html"), "<!doctype html><html lang=\"en\"><head><title>v1</title>"
          + "<link rel=\"icon\" href=\"data:,\"></head><body><h1>Hello v1</h1></body></html>\n");
      Files.writeString(repo.resolve("build.sh"), """
          echo "building v1"
          printf '\\033[32mbuilt in green\\033[0m and plain\\n'
          rm -rf dist && mkdir -p dist && cp -R site/. dist/
          """);
      git.add().addFilepattern(".").call();
      git.commit().setMessage("Site v1").setAuthor("Dev", "dev@example.com")
          .setCommitter("Dev", "dev@example.com").call();
    }
  }
}
