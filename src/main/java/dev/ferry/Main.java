package dev.ferry;

import com.typesafe.config.ConfigFactory;
import dev.ferry.secrets.KeyFiles;
import dev.ferry.secrets.MasterKeyring;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar ferry.jar server}: starts a node with the configuration and environment it finds;
 * {@code rotate-master-key}: rotates the embedded default's master key file, offline; any other command (and none)
 * is the {@code ferry} command line ({@link dev.ferry.cli.Cli}).
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) throws Exception {
    commonPoolOfTwoOrMore();
    String command = args.length == 0 ? "" : args[0];
    switch (command) {
      case "server" -> {
        String logFormat = System.getenv().getOrDefault("FERRY_LOG_FORMAT", "text");
        if (!logFormat.equals("text") && !logFormat.equals("json")) {
          System.err.println("FERRY_LOG_FORMAT must be text or json, not '" + logFormat + "'");
          System.exit(2);
        }
        FerryNode node = FerryNode.start(FerryNode.configuration());
        Logger log = LoggerFactory.getLogger(Main.class); // not before: the CLI needs no logging set up
        log.info(node.welcome());
        CountDownLatch stopped = new CountDownLatch(1);
        node.system().getWhenTerminated().thenRun(stopped::countDown);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            node.close();
          } catch (Exception ignored) {
            // the JVM is going away
          }
        }));
        stopped.await();
      }
      case "rotate-master-key" -> System.exit(rotateMasterKey(FerrySettings.from(ConfigFactory.load()), System.out,
          System.err));
      // Everything else is the ferry CLI (login, deploy, ...), which also answers help and unknown commands.
      default -> System.exit(dev.ferry.cli.Cli.run(dev.ferry.cli.CliEnvironment.system(), args));
    }
  }

  /**
   * A new master key file, the old one kept as retired; the next node start re-wraps the project data keys. When the
   * key comes from the environment there is no file to rotate: the answer says how to rotate it there.
   */
  static int rotateMasterKey(FerrySettings settings, PrintStream out, PrintStream err) {
    if (settings.masterKey() != null && !settings.masterKey().isBlank()) {
      err.println("""
          The master key comes from %1$s, so it is rotated there, not in the data directory:
            1. set %2$s to the current value of %1$s (several old keys: comma separated);
            2. set %1$s to a new key, e.g. the output of `openssl rand -base64 32`;
            3. restart every node: each start re-wraps the project data keys still wrapped by a retired key;
            4. once the nodes have logged "re-wrapped", %2$s may be removed (keep a backup of old keys).
          Nothing was changed.""".formatted(MasterKeyring.ENV_VARIABLE, MasterKeyring.RETIRED_ENV_VARIABLE));
      return 1;
    }
    try {
      MasterKeyring.Rotation rotation = MasterKeyring.rotateKeyFile(settings.dataDir());
      out.println("""
          Rotated the master key in %s:
            current key  %s  (%s)
            retired key  %s  (%s, kept to unwrap the data keys it wrapped)
          Start (or restart) the node now: it re-wraps every project data key with the new key and logs how many.
          Back up the new key file; keep the retired one until the node has re-wrapped the data keys."""
          .formatted(settings.dataDir().resolve(KeyFiles.DIRECTORY), rotation.currentKeyId(), MasterKeyring.KEY_FILE,
              rotation.retiredKeyId(), rotation.retiredFile().getFileName()));
      return 0;
    } catch (RuntimeException e) {
      err.println("The master key was not rotated: " + e.getMessage());
      return 1;
    }
  }

  /**
   * With fewer than three cores the JVM's common pool has one thread, and {@code CompletableFuture} then runs every
   * asynchronous completion on a new thread of its own. Pekko's asks answer Scala-backed futures that turn even
   * {@code thenApply} into {@code thenApplyAsync}, so each step of a request chain started a thread (6,600 in a
   * 77-second ScaleBench profile on two cores). Two threads at least keep them on the pool. Runs before anything
   * touches the pool; an explicit setting is left alone.
   */
  public static void commonPoolOfTwoOrMore() {
    String parallelism = "java.util.concurrent.ForkJoinPool.common.parallelism";
    if (System.getProperty(parallelism) == null && Runtime.getRuntime().availableProcessors() < 3) {
      System.setProperty(parallelism, "2");
    }
  }
}
