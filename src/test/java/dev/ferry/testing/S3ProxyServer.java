package dev.ferry.testing;

import dev.ferry.FerrySettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real S3 server for tests: s3proxy (the {@code jar-with-dependencies} the build copies to
 * {@code target/s3proxy/s3proxy.jar}) in its own JVM on a free 127.0.0.1 port, with signed requests (AWS v2 or v4)
 * and buckets as folders under a temporary directory.
 */
public final class S3ProxyServer implements AutoCloseable {

  public static final String ACCESS_KEY = "ferry-test-access-key";
  public static final String SECRET_KEY = "ferry-test-secret-key";
  public static final String REGION = "us-east-1";

  private final Process process;
  private final int port;
  private final Path buckets;
  private final Path logFile;

  private S3ProxyServer(Process process, int port, Path buckets, Path logFile) {
    this.process = process;
    this.port = port;
    this.buckets = buckets;
    this.logFile = logFile;
  }

  /** Starts s3proxy with its buckets, configuration and log under {@code dir}. */
  public static S3ProxyServer start(Path dir) throws Exception {
    Path jar = Path.of(System.getProperty("s3proxy.jar", "target/s3proxy/s3proxy.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: `mvn verify` copies it before the integration tests");
    }
    int port = dev.ferry.it.FerryProcess.freePort();
    Path buckets = Files.createDirectories(dir.resolve("buckets"));
    Path properties = dir.resolve("s3proxy.properties");
    Files.writeString(properties, String.join("\n",
        "s3proxy.endpoint=http://127.0.0.1:" + port,
        "s3proxy.authorization=aws-v2-or-v4",
        "s3proxy.identity=" + ACCESS_KEY,
        "s3proxy.credential=" + SECRET_KEY,
        "jclouds.provider=filesystem",
        "jclouds.filesystem.basedir=" + buckets.toAbsolutePath(),
        ""));
    Path logFile = dir.resolve("s3proxy.log");
    ProcessBuilder builder = new ProcessBuilder(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar",
        jar.toAbsolutePath().toString(), "--properties", properties.toAbsolutePath().toString()));
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    S3ProxyServer server = new S3ProxyServer(builder.start(), port, buckets, logFile);
    server.awaitListening(Duration.ofSeconds(60));
    return server;
  }

  private void awaitListening(Duration timeout) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("s3proxy exited with " + process.exitValue() + ":\n" + log());
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    close();
    throw new IllegalStateException("s3proxy did not listen within " + timeout + ":\n" + log());
  }

  /** A new, empty bucket (the filesystem backend keeps each bucket as a folder). */
  public String createBucket(String name) throws IOException {
    Files.createDirectories(buckets.resolve(name));
    return name;
  }

  /**
   * Sets an object's {@code LastModified} (s3proxy's filesystem backend answers the file's modification time), so
   * tests can make a blob old without waiting.
   */
  public void setLastModified(String bucket, String key, java.time.Instant lastModified) throws IOException {
    Files.setLastModifiedTime(buckets.resolve(bucket).resolve(key), java.nio.file.attribute.FileTime.from(lastModified));
  }

  /** The keys in {@code bucket}, read from s3proxy's folders (keys with slashes are nested folders there). */
  public List<String> keys(String bucket) throws IOException {
    Path root = buckets.resolve(bucket);
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(Files::isRegularFile)
          .map(file -> root.relativize(file).toString().replace(java.io.File.separatorChar, '/'))
          .sorted()
          .toList();
    }
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  public FerrySettings.S3 settings(String bucket) {
    return new FerrySettings.S3(bucket, endpoint(), REGION, true, ACCESS_KEY, SECRET_KEY);
  }

  /** The environment that points a node at {@code bucket}. */
  public Map<String, String> environment(String bucket) {
    return Map.of(
        "FERRY_S3_BUCKET", bucket,
        "FERRY_S3_ENDPOINT", endpoint(),
        "FERRY_S3_REGION", REGION,
        "FERRY_S3_PATH_STYLE", "true",
        "FERRY_S3_ACCESS_KEY", ACCESS_KEY,
        "FERRY_S3_SECRET_KEY", SECRET_KEY);
  }

  public String log() throws IOException {
    return Files.exists(logFile) ? Files.readString(logFile) : "";
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
