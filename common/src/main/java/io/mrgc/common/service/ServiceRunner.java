package io.mrgc.common.service;

import io.mrgc.common.config.ConfigException;
import io.mrgc.common.config.ConfigReader;
import io.mrgc.common.config.ConfigSource;
import io.mrgc.common.config.Mode;
import io.mrgc.common.metrics.EmfOptions;
import io.mrgc.common.metrics.EmfPublisher;
import io.mrgc.common.net.VertxRuntime;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Runs one service as its own process ({@code mrgc serve NAME --config FILE}): reads and checks its configuration
 * (every problem at once, exit 2), starts it (exit 1 when it cannot), and on SIGTERM or SIGINT stops it gracefully
 * and exits 0. Each stop is logged with its reason and what the service did, so an SRE reading the task's log knows
 * why it ended.
 */
public final class ServiceRunner {
  public static final int EXIT_STOPPED = 0;
  public static final int EXIT_FAILED = 1;
  public static final int EXIT_CONFIG = 2;
  private static final Logger LOG = LoggerFactory.getLogger(ServiceRunner.class);

  /** A service's configuration, read and checked, with the settings every service has. */
  public record Loaded<C>(C config, ProcessSettings process, ConfigReader reader) {}

  private ServiceRunner() {}

  /**
   * Reads {@code source} for {@code definition}: the process settings, the service's keys and its preflight.
   *
   * @throws ConfigException with every problem found
   */
  public static <C> Loaded<C> load(ServiceDefinition<C> definition, ConfigSource source) {
    ConfigReader reader = ConfigReader.of(source);
    C config = definition.read(reader);
    ProcessSettings process = ProcessSettings.read(reader);
    reader.finish();
    List<String> lacking = new ArrayList<>(definition.preflight(config));
    if (!lacking.isEmpty()) {
      throw new ConfigException(lacking);
    }
    return new Loaded<>(config, process, reader);
  }

  /** Every key {@code definition}'s services read, the process settings included: its table in docs/config.md. */
  public static List<io.mrgc.common.config.KeySpec> declaredKeys(ServiceDefinition<?> definition) {
    ConfigReader reader = ConfigReader.of(ConfigSource.ofYaml("", definition.name(), Map.of()));
    definition.read(reader);
    ProcessSettings.read(reader);
    return reader.keys();
  }

  /** {@code --check-config}: prints the effective configuration (secrets masked) and returns 0, or every problem and 2. */
  public static int check(ServiceDefinition<?> definition, Path file, Map<String, String> env, PrintWriter out,
      PrintWriter err) {
    try {
      Loaded<?> loaded = load(definition, ConfigSource.load(file, env));
      out.println("# " + definition.name() + ": effective configuration from " + file);
      out.print(loaded.reader().describeEffective());
      out.flush();
      return EXIT_STOPPED;
    } catch (ConfigException e) {
      printProblems(definition.name(), file, e, err);
      return EXIT_CONFIG;
    }
  }

  /** Runs the service until SIGTERM/SIGINT; returns the process exit code. */
  public static <C> int serve(ServiceDefinition<C> definition, Path file, Map<String, String> env, PrintWriter err) {
    Loaded<C> loaded;
    try {
      loaded = load(definition, ConfigSource.load(file, env));
    } catch (ConfigException e) {
      printProblems(definition.name(), file, e, err);
      return EXIT_CONFIG;
    }
    String name = definition.name();
    long startedAt = System.nanoTime();
    Vertx vertx = newVertx(loaded.process());
    Service service;
    try {
      service = definition.create(loaded.config(), vertx);
      service.start().await(loaded.process().startTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.error("{} stopped: it could not start: {}", name, e.getMessage(), e);
      vertx.close();
      return EXIT_FAILED;
    }
    LOG.info("{} ready in {} ms (transport {})", name, (System.nanoTime() - startedAt) / 1_000_000,
        VertxRuntime.transportName(vertx));
    AutoCloseable emf = startEmf(definition, loaded, service);
    AtomicReference<String> reason = new AtomicReference<>();
    CountDownLatch signalled = new CountDownLatch(1);
    for (String signal : List.of("TERM", "INT")) {
      Signal.handle(new Signal(signal), s -> {
        if (reason.compareAndSet(null, "SIG" + s.getName())) {
          signalled.countDown();
        }
      });
    }
    awaitQuietly(signalled);
    Duration grace = loaded.process().shutdownGrace();
    LOG.info("{} stopping: {} received; finishing in-flight work within {} s", name, reason.get(), grace.toSeconds());
    int exit = EXIT_STOPPED;
    try {
      String account = service.stop(grace).await(grace.toMillis() + 5_000, TimeUnit.MILLISECONDS);
      LOG.info("{} stopped: {}; {}", name, reason.get(), account);
    } catch (Exception e) {
      LOG.error("{} stopped: {}; the graceful stop did not finish: {}", name, reason.get(), e.toString());
      exit = EXIT_FAILED;
    }
    closeQuietly(emf); // after the stop: the last lines count the drained requests
    try {
      vertx.close().await(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // exiting anyway; the stop line above already says how it ended
    }
    return exit;
  }

  /** The process's Vert.x: Netty's native epoll transport unless the settings say nio (or it is unavailable). */
  public static Vertx newVertx(ProcessSettings process) {
    return VertxRuntime.create(new VertxOptions(), process.preferNativeTransport());
  }

  /** EMF lines on stdout for the service's meters when the settings (or mode aws, for auto) ask for them. */
  private static <C> AutoCloseable startEmf(ServiceDefinition<C> definition, Loaded<C> loaded, Service service) {
    Optional<Placement> placement = definition.placement(loaded.config());
    Optional<MeterRegistry> meters = service.meters();
    ProcessSettings.Emf emf = loaded.process().emf();
    boolean on = emf == ProcessSettings.Emf.ON
        || emf == ProcessSettings.Emf.AUTO && placement.map(p -> p.mode() == Mode.AWS).orElse(false);
    if (!on || placement.isEmpty() || meters.isEmpty()) {
      return () -> { };
    }
    EmfOptions options = EmfOptions.of(definition.name(), placement.get().region())
        .withInterval(loaded.process().emfInterval());
    if (placement.get().instanceId() != null) {
      options = options.withInstanceId(placement.get().instanceId());
    }
    LOG.info("{}: EMF metrics every {} s on stdout", definition.name(), loaded.process().emfInterval().toSeconds());
    return EmfPublisher.start(meters.get(), options);
  }

  private static void closeQuietly(AutoCloseable resource) {
    try {
      resource.close();
    } catch (Exception e) {
      LOG.warn("closing {} failed: {}", resource, e.toString());
    }
  }

  private static void printProblems(String name, Path file, ConfigException e, PrintWriter err) {
    err.println(name + ": configuration " + file + " has " + e.problems().size() + " problem(s):");
    e.problems().forEach(problem -> err.println("  - " + problem));
    err.flush();
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
