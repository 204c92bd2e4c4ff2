package io.mrgc.common.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.mrgc.common.Check;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a service's Micrometer meters as CloudWatch Embedded Metric Format lines every
 * {@link EmfOptions#interval()} (see docs/observability.md for the names and dimensions). The registry stays the one
 * Prometheus scrapes: this only reads it. Counters report what happened since the publisher started or last flushed,
 * so the first flush covers the first interval, not the process's life.
 *
 * <p>Flushes run on a scheduler thread, never on an event loop: writing to stdout can block. A flush that fails is
 * logged and the next one goes on. {@link #close()} writes the last partial interval.
 */
public final class EmfPublisher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmfPublisher.class);
  private final MeterRegistry registry;
  private final MeterReader reader;
  private final EmfWriter writer;
  private final Clock clock;
  private final ScheduledExecutorService ownScheduler;
  private ScheduledFuture<?> ticks;
  private boolean closed;

  private EmfPublisher(MeterRegistry registry, EmfOptions options, Clock clock, ScheduledExecutorService own) {
    this.registry = Check.notNull("registry", registry);
    this.reader = new MeterReader(Check.notNull("options", options).nameTags());
    this.writer = new EmfWriter(options);
    this.clock = clock;
    this.ownScheduler = own;
    reader.read(registry.getMeters()); // the baseline: counts before the start are not this publisher's to report
  }

  /** Publishes every interval on a daemon thread of its own ({@code mrgc-emf}), stopped by {@link #close()}. */
  public static EmfPublisher start(MeterRegistry registry, EmfOptions options) {
    ScheduledExecutorService own = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "mrgc-emf");
      t.setDaemon(true);
      return t;
    });
    return schedule(new EmfPublisher(registry, options, Clock.systemUTC(), own), own, options);
  }

  /** Publishes every interval on {@code scheduler}, which stays the caller's: {@link #close()} does not shut it. */
  public static EmfPublisher start(ScheduledExecutorService scheduler, MeterRegistry registry, EmfOptions options) {
    Check.notNull("scheduler", scheduler);
    return schedule(new EmfPublisher(registry, options, Clock.systemUTC(), null), scheduler, options);
  }

  /** Not scheduled: the caller (a test) decides when to {@link #flush()}. */
  static EmfPublisher unscheduled(MeterRegistry registry, EmfOptions options, Clock clock) {
    return new EmfPublisher(registry, options, clock, null);
  }

  private static EmfPublisher schedule(EmfPublisher publisher, ScheduledExecutorService scheduler,
      EmfOptions options) {
    long millis = options.interval().toMillis();
    publisher.ticks = scheduler.scheduleAtFixedRate(publisher::tick, millis, millis, TimeUnit.MILLISECONDS);
    return publisher;
  }

  /** Writes the lines for the time since the previous flush now (no-op once closed). */
  public synchronized void flush() {
    if (!closed) {
      writer.write(reader.read(registry.getMeters()), clock.instant());
    }
  }

  private void tick() {
    try {
      flush();
    } catch (RuntimeException e) { // a throwing task would never be run again by the scheduler
      LOG.warn("EMF flush failed; the next interval will try again", e);
    }
  }

  /** Stops the flushes and writes the last partial interval. */
  @Override
  public void close() {
    if (ticks != null) {
      ticks.cancel(false);
    }
    try {
      flush();
    } finally {
      synchronized (this) {
        closed = true;
      }
      if (ownScheduler != null) {
        ownScheduler.shutdown();
      }
    }
  }
}
