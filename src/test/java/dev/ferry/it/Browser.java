package dev.ferry.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's Chromium, headless, driven by Selenium through Debian's chromium-driver (never a downloaded browser or
 * driver): screenshots into target/screenshots, the browser's console errors, and axe-core accessibility checks.
 */
final class Browser implements AutoCloseable {

  private static final List<String> CHROMIUM = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser");
  private static final List<String> DRIVER = List.of("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
  private static final Path AXE = Path.of("src/main/dashboard/node_modules/axe-core/axe.min.js");
  private static final Path SCREENSHOTS = Path.of("target/screenshots");
  private static final ObjectMapper JSON = new ObjectMapper();

  final ChromeDriver driver;
  private final List<String> consoleErrors = new ArrayList<>();
  private final String axeSource;

  private Browser(ChromeDriver driver, String axeSource) {
    this.driver = driver;
    this.axeSource = axeSource;
  }

  /** Skips the test (loudly) where Chromium or its driver is not installed; .ci/run installs both. */
  static Browser start(Path profile) throws Exception {
    Optional<String> chromium = CHROMIUM.stream().filter(p -> Files.isExecutable(Path.of(p))).findFirst();
    Optional<String> driverBinary = DRIVER.stream().filter(p -> Files.isExecutable(Path.of(p))).findFirst();
    assumeTrue(chromium.isPresent() && driverBinary.isPresent(),
        "SKIPPED: browser tests need Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)");
    assumeTrue(Files.isRegularFile(AXE), "SKIPPED: " + AXE + " is missing: package first (mvn package runs npm ci)");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.get());
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--user-data-dir=" + profile.toAbsolutePath(), "--window-size=1280,900");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(driverBinary.get()))
        .usingAnyFreePort()
        .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
    Files.createDirectories(SCREENSHOTS);
    try (Stream<Path> old = Files.list(SCREENSHOTS)) {
      for (Path file : old.filter(f -> f.toString().endsWith(".png")).toList()) {
        Files.delete(file);
      }
    }
    return new Browser(driver, Files.readString(AXE));
  }

  WebDriverWait waiting(Duration timeout) {
    return new WebDriverWait(driver, timeout, Duration.ofMillis(100));
  }

  WebElement visible(By by) {
    return waiting(Duration.ofSeconds(20)).until(ExpectedConditions.visibilityOfElementLocated(by));
  }

  WebElement heading(String text) {
    return waiting(Duration.ofSeconds(20)).until(ExpectedConditions.visibilityOfElementLocated(
        By.xpath("//h1[normalize-space()='" + text + "']")));
  }

  void click(By by) {
    waiting(Duration.ofSeconds(20)).until(ExpectedConditions.elementToBeClickable(by)).click();
  }

  void type(By by, String text) {
    WebElement field = visible(by);
    field.clear();
    field.sendKeys(text);
  }

  void resize(int width, int height) {
    driver.manage().window().setSize(new Dimension(width, height));
  }

  /** Saves what the browser shows as target/screenshots/{name}.png. */
  void screenshot(String name) throws Exception {
    Files.write(SCREENSHOTS.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
  }

  /** The page's serious and critical axe-core violations (rule id, help and the offending elements). */
  List<String> accessibilityViolations() throws Exception {
    driver.executeScript(axeSource);
    Object result = ((JavascriptExecutor) driver).executeAsyncScript("""
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']})
          .then(r => done(JSON.stringify(r.violations)), e => done(JSON.stringify([{id: 'axe-error',
            impact: 'critical', help: String(e), nodes: []}])));
        """);
    List<String> serious = new ArrayList<>();
    for (JsonNode violation : JSON.readTree((String) result)) {
      String impact = violation.path("impact").asText();
      if (impact.equals("serious") || impact.equals("critical")) {
        List<String> targets = new ArrayList<>();
        violation.path("nodes").forEach(node -> targets.add(node.path("target").toString()));
        serious.add(impact + " " + violation.path("id").asText() + ": " + violation.path("help").asText()
            + " " + targets);
      }
    }
    return serious;
  }

  /** Console errors since the last call, kept for {@link #consoleErrors()}; the dashboard should log none. */
  List<String> drainConsoleErrors() {
    List<String> errors = new ArrayList<>();
    for (LogEntry entry : driver.manage().logs().get(LogType.BROWSER)) {
      if (entry.getLevel().intValue() >= Level.SEVERE.intValue()) {
        errors.add(entry.getMessage());
      }
    }
    consoleErrors.addAll(errors);
    return errors;
  }

  List<String> consoleErrors() {
    drainConsoleErrors();
    return List.copyOf(consoleErrors);
  }

  @Override
  public void close() {
    driver.quit();
  }
}
