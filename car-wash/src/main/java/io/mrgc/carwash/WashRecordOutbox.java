package io.mrgc.carwash;

import io.mrgc.common.Check;
import io.mrgc.state.items.CleanupValidationItem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets every wash's cleanup_validation row written, through DynamoDB outages: rows are written one at a time, in
 * order; a failed write is retried with exponential backoff ({@code firstRetry} doubling to {@code maxRetry}) until
 * it succeeds. While rows wait they are kept in memory (up to {@code maxInMemory}), then appended to a spill file
 * (JSON lines of the row itself: ids, outcomes, timings, step details, never tenant data; up to
 * {@code maxSpillBytes}), which also survives a restart of the agent: rows left in it are written after the next
 * start. Only beyond both bounds is a row dropped, and then it is counted ({@link #unrecorded()}) and logged.
 * Rewriting a row is idempotent: its key is its instance and completion time + request id.
 *
 * <p>All state lives on the outbox's own thread (file I/O included, never the caller's event loop).
 */
public final class WashRecordOutbox implements AutoCloseable {
  public static final Duration DEFAULT_FIRST_RETRY = Duration.ofMillis(200);
  public static final Duration DEFAULT_MAX_RETRY = Duration.ofSeconds(30);
  private static final Logger LOG = LoggerFactory.getLogger(WashRecordOutbox.class);

  /**
   * @param spillFile JSON-lines file for rows beyond {@code maxInMemory} (null: no spill, drop beyond memory)
   * @param maxInMemory rows waiting in memory
   * @param maxSpillBytes bound on the spill file
   * @param firstRetry the first retry's delay after a failed write
   * @param maxRetry the longest delay between retries
   */
  public record Options(Path spillFile, int maxInMemory, long maxSpillBytes, Duration firstRetry, Duration maxRetry) {
    public Options {
      Check.between("maxInMemory", maxInMemory, 1, 1_000_000);
      Check.between("maxSpillBytes", maxSpillBytes, 0, 1L << 40);
      Check.positive("firstRetry", firstRetry);
      Check.positive("maxRetry", maxRetry);
    }
  }

  private final WashRecorder recorder;
  private final Options options;
  private final ScheduledExecutorService thread;
  private final Deque<CleanupValidationItem> memory = new ArrayDeque<>();
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong failedWrites = new AtomicLong();
  private final AtomicLong unrecorded = new AtomicLong();
  private volatile long pending;
  // confined to thread:
  private long spilledRows;
  private long spilledBytes;
  private boolean writing;
  private boolean retryScheduled;
  private long backoffMillis;
  private boolean outage;
  private long droppedThisOutage;

  public WashRecordOutbox(WashRecorder recorder, Options options) {
    this.recorder = recorder;
    this.options = options;
    this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread t = new Thread(runnable, "mrgc-wash-records");
      t.setDaemon(true);
      return t;
    });
    thread.execute(this::adoptSpillFile);
  }

  /** Queues the row of {@code report} for writing; returns at once. */
  public void submit(WashReport report) {
    CleanupValidationItem item = recorder.toItem(report);
    thread.execute(() -> {
      enqueue(item);
      pump();
    });
  }

  /** Rows written so far (late ones included). */
  public long written() {
    return written.get();
  }

  /** Write attempts that failed (each is retried). */
  public long failedWrites() {
    return failedWrites.get();
  }

  /** Rows that could not be kept for a retry (memory and spill file full): never recorded. */
  public long unrecorded() {
    return unrecorded.get();
  }

  /** Rows waiting to be written (memory and spill file). */
  public long pending() {
    return pending;
  }

  private void enqueue(CleanupValidationItem item) {
    if (spilledRows == 0 && memory.size() < options.maxInMemory()) {
      memory.addLast(item); // once rows spill, later rows spill too: the file keeps their order
    } else if (!spill(List.of(item), false)) {
      unrecorded.incrementAndGet();
      if (droppedThisOutage++ == 0) {
        LOG.error("cleanup_validation row of request {} could not be kept for a retry ({} rows wait, the spill "
            + "file is full or off); counting rows that are never recorded", item.getRequestId(), pending);
      }
    }
    updatePending();
  }

  /** Writes the oldest waiting row, unless a write or a retry is under way. */
  private void pump() {
    if (writing || retryScheduled) {
      return;
    }
    if (memory.isEmpty() && spilledRows > 0) {
      loadSpilled();
    }
    CleanupValidationItem next = memory.peekFirst();
    if (next == null) {
      return;
    }
    writing = true;
    CompletableFuture<Void> write;
    try {
      write = recorder.write(next);
    } catch (RuntimeException e) {
      write = CompletableFuture.failedFuture(e);
    }
    write.whenCompleteAsync((ok, failure) -> written(next, failure), thread);
  }

  private void written(CleanupValidationItem item, Throwable failure) {
    writing = false;
    if (failure == null) {
      memory.remove(item);
      written.incrementAndGet();
      backoffMillis = 0;
      if ((outage || droppedThisOutage > 0) && memory.isEmpty() && spilledRows == 0) {
        outage = false;
        LOG.info("cleanup_validation is written again; every kept row is recorded ({} could not be kept, {} in all "
            + "since start)", droppedThisOutage, unrecorded.get());
        droppedThisOutage = 0;
      }
      updatePending();
      pump();
      return;
    }
    failedWrites.incrementAndGet();
    if (!outage) {
      outage = true;
      LOG.warn("cannot write cleanup_validation rows ({}); keeping them and retrying", failure.toString());
    }
    backoffMillis = backoffMillis == 0 ? options.firstRetry().toMillis()
        : Math.min(backoffMillis * 2, options.maxRetry().toMillis());
    retryScheduled = true;
    thread.schedule(() -> {
      retryScheduled = false;
      pump();
    }, backoffMillis, TimeUnit.MILLISECONDS);
  }

  /** Appends rows to the spill file (or, {@code first}, puts them before what it holds); false when they do not fit. */
  private boolean spill(List<CleanupValidationItem> items, boolean first) {
    Path file = options.spillFile();
    if (file == null || items.isEmpty()) {
      return items.isEmpty();
    }
    StringBuilder lines = new StringBuilder();
    items.forEach(item -> lines.append(WashRecordJson.encode(item)).append('\n'));
    byte[] bytes = lines.toString().getBytes(StandardCharsets.UTF_8);
    if (!first && spilledBytes + bytes.length > options.maxSpillBytes()) {
      return false;
    }
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      if (first && Files.exists(file)) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        Files.write(tmp, Files.readAllBytes(file), StandardOpenOption.APPEND);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } else {
        Files.write(file, bytes, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
    } catch (IOException e) {
      LOG.error("cannot write the wash-record spill file {}: {}", file, e.toString());
      return false;
    }
    spilledRows += items.size();
    spilledBytes += bytes.length;
    return true;
  }

  /** Moves up to maxInMemory rows from the head of the spill file into memory; the rest stays in the file. */
  private void loadSpilled() {
    Path file = options.spillFile();
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      int take = Math.min(lines.size(), options.maxInMemory());
      for (String line : lines.subList(0, take)) {
        try {
          memory.addLast(WashRecordJson.decode(line));
        } catch (RuntimeException e) {
          unrecorded.incrementAndGet();
          LOG.error("a line of the wash-record spill file {} is not a row; skipped: {}", file, e.toString());
        }
      }
      List<String> rest = lines.subList(take, lines.size());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.write(tmp, rest, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      spilledRows = rest.size();
      spilledBytes = Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the wash-record spill file " + file, e);
    }
    updatePending();
  }

  /** Rows a previous run left in the spill file are written first. */
  private void adoptSpillFile() {
    Path file = options.spillFile();
    if (file == null || !Files.exists(file)) {
      return;
    }
    try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
      spilledRows = lines.filter(line -> !line.isBlank()).count();
      spilledBytes = Files.size(file);
    } catch (IOException e) {
      LOG.error("cannot read the wash-record spill file {}: {}", file, e.toString());
      return;
    }
    if (spilledRows > 0) {
      LOG.info("{} cleanup_validation row(s) from before the restart wait in {}; writing them", spilledRows, file);
    }
    updatePending();
    pump();
  }

  private void updatePending() {
    pending = memory.size() + spilledRows;
  }

  /**
   * Stops writing; rows still waiting in memory go to the spill file (before the rows it holds) so the next start
   * writes them, or, without one, are counted as unrecorded.
   */
  @Override
  public void close() {
    try {
      thread.submit(() -> {
        List<CleanupValidationItem> waiting = new ArrayList<>(memory);
        memory.clear();
        if (!waiting.isEmpty() && !spill(waiting, true)) {
          unrecorded.addAndGet(waiting.size());
          LOG.error("{} cleanup_validation row(s) were not recorded before the agent stopped", waiting.size());
        }
        updatePending();
      }).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.error("the wash-record outbox did not close cleanly: {}", e.toString());
    } finally {
      thread.shutdownNow();
    }
  }
}
