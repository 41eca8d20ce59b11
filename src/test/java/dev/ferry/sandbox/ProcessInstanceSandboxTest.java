package dev.ferry.sandbox;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessInstanceSandboxTest {

  @TempDir
  Path temp;

  @Test
  void anInstanceOutlivesTheThreadThatStartedIt() throws Exception {
    ProcessInstanceSandbox sandbox = ProcessInstanceSandbox.like(ProcessSandbox.detect(), List.of());
    assumeTrue(sandbox.usesBubblewrap(), "bubblewrap does not work here: nothing dies with its parent thread");
    AtomicReference<InstanceSandbox.Instance> started = new AtomicReference<>();
    AtomicReference<Exception> failed = new AtomicReference<>();
    // Pool threads retire; bubblewrap's --die-with-parent follows the starting thread, not the process.
    Thread starter = new Thread(() -> {
      try {
        started.set(sandbox.start(new InstanceSandbox.InstanceSpec(List.of("sleep", "30"), temp, List.of(),
            Map.of("PATH", "/usr/bin:/bin"), 0), new CapturingSink()));
      } catch (Exception e) {
        failed.set(e);
      }
    });
    starter.start();
    starter.join();
    assertTrue(failed.get() == null, String.valueOf(failed.get()));
    Thread.sleep(700);
    try {
      assertTrue(started.get().isAlive(), "the instance still runs after its starting thread ended");
    } finally {
      started.get().kill();
    }
  }

  @Test
  void anInstancePastItsResidentMemoryIsStoppedAndSaysWhy() throws Exception {
    ProcessInstanceSandbox sandbox = ProcessInstanceSandbox.like(ProcessSandbox.detect(), List.of());
    CapturingSink log = new CapturingSink();
    // Node reserves far more address space than it uses, so no address-space limit (0): only resident memory counts.
    String grow = "const kept = []; setInterval(() => kept.push(Buffer.alloc(16 << 20, 1)), 20);";
    InstanceSandbox.Instance instance = sandbox.start(new InstanceSandbox.InstanceSpec(List.of("node", "-e", grow),
        temp, List.of(), Map.of("PATH", "/usr/local/bin:/usr/bin:/bin"), 0, 96L << 20), log);
    try {
      instance.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertTrue(log.all().toString().contains("Out of memory"), log.all().toString());
    } finally {
      instance.kill();
    }
  }

  @Test
  void anInstanceWithinItsResidentMemoryKeepsRunning() throws Exception {
    ProcessInstanceSandbox sandbox = ProcessInstanceSandbox.like(ProcessSandbox.detect(), List.of());
    InstanceSandbox.Instance instance = sandbox.start(new InstanceSandbox.InstanceSpec(List.of("node", "-e",
        "setTimeout(() => {}, 30000)"), temp, List.of(), Map.of("PATH", "/usr/local/bin:/usr/bin:/bin"), 0,
        256L << 20), new CapturingSink());
    try {
      Thread.sleep(4 * ResidentMemoryWatch.PERIOD_MS);
      assertTrue(instance.isAlive(), "node idling in far less than 256 MB is left alone");
    } finally {
      instance.kill();
    }
  }
}
