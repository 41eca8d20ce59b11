package dev.ferry;

import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code java -jar ferry.jar server}: starts a node with the configuration and environment it finds. */
public final class Main {

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) throws Exception {
    String command = args.length == 0 ? "server" : args[0];
    switch (command) {
      case "server" -> {
        FerryNode node = FerryNode.start(FerryNode.configuration());
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
      case "help", "--help", "-h" -> log.info(usage());
      default -> {
        System.err.println("Unknown command: " + command + "\n" + usage());
        System.exit(2);
      }
    }
  }

  private static String usage() {
    return "Usage: java -jar ferry.jar server\n"
        + "  server   start a Ferry node (settings from application.conf and FERRY_* environment variables)";
  }
}
