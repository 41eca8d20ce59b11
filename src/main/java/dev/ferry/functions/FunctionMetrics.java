package dev.ferry.functions;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;

/**
 * Function metrics, by runtime ({@code node}, {@code python}) and not by function, so their number stays bounded:
 * invocations by outcome, cold starts, and a histogram of invocation durations (until the response head arrives).
 */
public final class FunctionMetrics {

  private final MeterRegistry registry;

  public FunctionMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Metrics nobody reads (tests). */
  public static FunctionMetrics unregistered() {
    return new FunctionMetrics(new SimpleMeterRegistry());
  }

  /**
   * @param outcome {@code ok} (below 500), {@code error} (5xx from the function), {@code crashed},
   *     {@code timeout}, {@code rejected} (503, at capacity)
   */
  void invocation(String runtime, String outcome, long nanos) {
    Counter.builder("ferry.function.invocations").description("Function invocations by outcome")
        .tag("runtime", runtime).tag("outcome", outcome).register(registry).increment();
    if (!outcome.equals("ok") && !outcome.equals("rejected")) {
      Counter.builder("ferry.function.errors").description("Function invocations that failed (5xx)")
          .tag("runtime", runtime).register(registry).increment();
    }
    if (nanos >= 0) {
      Timer.builder("ferry.function.duration").description("Time until a function's response head")
          .tag("runtime", runtime).publishPercentileHistogram().register(registry)
          .record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  void coldStart(String runtime, long nanos) {
    Counter.builder("ferry.function.cold.starts").description("Instances started for a waiting request")
        .tag("runtime", runtime).register(registry).increment();
    Timer.builder("ferry.function.cold.start.duration").description("Time to start an instance until it listens")
        .tag("runtime", runtime).register(registry).record(nanos, TimeUnit.NANOSECONDS);
  }

  double count(String name, String outcome) {
    return registry.find(name).tag("outcome", outcome).counters().stream().mapToDouble(Counter::count).sum();
  }
}
