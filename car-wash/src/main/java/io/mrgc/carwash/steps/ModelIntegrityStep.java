package io.mrgc.carwash.steps;

import io.mrgc.carwash.StepResult;
import io.mrgc.carwash.WashContext;
import io.mrgc.carwash.WashStep;
import io.mrgc.carwash.integrity.ChunkedModel;
import io.mrgc.carwash.integrity.ManifestException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Wash step 2: model cache integrity against each served model's {@code manifest.sha256}, at a bounded cost per wash.
 *
 * <p>A <b>full check</b> ({@link #add} at model load, {@link #fullCheck()} on a schedule, as an instance-level wash)
 * reads every file once: its sha256 must match the manifest, and the sha256 of each {@code chunkBytes} chunk is kept
 * (see {@link ChunkedModel}). Each <b>run</b> ({@link #run}: a background round beside the work) then re-reads and verifies the next K chunks
 * of all served models in a fixed order, wrapping around, where K = max(1, {@code bytesPerWash / chunkBytes}); so a
 * wash reads at most K chunks (2 MiB by default) whatever the model size. <b>Bound:</b> with C chunks in all, every
 * chunk is verified at least once in any {@code ceil(C / K)} consecutive washes ({@link #coverageBound()}), so one
 * corrupted byte fails a round (and quarantines the instance) within that many rounds of the corruption.
 *
 * <p>Thread-safe.
 */
public final class ModelIntegrityStep implements WashStep {
  public static final String NAME = "model-integrity";
  public static final String FULL_CHECK_NAME = "model-integrity-full";
  public static final int DEFAULT_CHUNK_BYTES = 1 << 20;
  public static final long DEFAULT_BYTES_PER_WASH = 2L << 20;

  private final int chunkBytes;
  private final int chunksPerWash;
  private final Duration fullCheckInterval;
  private final Clock clock;
  private final ByteBuffer scratch;
  private final Map<String, Path> models = new LinkedHashMap<>();
  private final Map<String, ChunkedModel> verified = new LinkedHashMap<>();
  private List<ChunkedModel.Chunk> chunks = List.of();
  private int cursor;
  private long lastFullCheckMillis;

  /**
   * @param chunkBytes chunk size, at least 1
   * @param bytesPerWash bytes verified per wash; K = max(1, bytesPerWash / chunkBytes) chunks
   * @param fullCheckInterval how often {@link #fullCheckDue()} asks for a full check; null = never on schedule
   */
  public ModelIntegrityStep(int chunkBytes, long bytesPerWash, Duration fullCheckInterval, Clock clock) {
    if (chunkBytes < 1) {
      throw new IllegalArgumentException("integrity chunk size must be at least 1 byte, got " + chunkBytes);
    }
    if (bytesPerWash < 1) {
      throw new IllegalArgumentException("integrity bytes per wash must be at least 1, got " + bytesPerWash);
    }
    if (fullCheckInterval != null && (fullCheckInterval.isNegative() || fullCheckInterval.isZero())) {
      throw new IllegalArgumentException("full check interval must be positive, got " + fullCheckInterval);
    }
    this.chunkBytes = chunkBytes;
    this.chunksPerWash = (int) Math.max(1, Math.min(Integer.MAX_VALUE, bytesPerWash / chunkBytes));
    this.fullCheckInterval = fullCheckInterval;
    this.clock = clock;
    this.scratch = ByteBuffer.allocate(chunkBytes);
    this.lastFullCheckMillis = clock.millis();
  }

  @Override
  public String name() {
    return NAME;
  }

  /** The full check of one model (one read of each file), which then joins the rotation. Throws on a mismatch. */
  public void add(String model, Path modelDir) throws ManifestException {
    add(model, modelDir, ChunkedModel.verify(model, modelDir, chunkBytes));
  }

  /**
   * Joins the rotation a model whose full check was made from the bytes the agent loaded
   * ({@link ChunkedModel#verify(io.mrgc.carwash.integrity.Manifest, Map, int)}, chunks of {@link #chunkBytes()});
   * replaces the chunks of the model's earlier version.
   */
  public synchronized void add(String model, Path modelDir, ChunkedModel checked) {
    models.put(model, modelDir);
    verified.put(model, checked);
    rebuild();
  }

  /** Drops a model that is no longer served from the rotation (and from the full checks). */
  public synchronized void remove(String model) {
    models.remove(model);
    verified.remove(model);
    rebuild();
  }

  public int chunkBytes() {
    return chunkBytes;
  }

  /** Keeps only {@code served} in the rotation (models that passed the check but then failed to load leave). */
  public synchronized void retainOnly(Set<String> served) {
    models.keySet().retainAll(served);
    verified.keySet().retainAll(served);
    rebuild();
  }

  private void rebuild() {
    List<ChunkedModel.Chunk> all = new ArrayList<>();
    verified.values().forEach(m -> all.addAll(m.chunks()));
    chunks = List.copyOf(all);
    cursor = 0;
  }

  /** Washes within which every chunk is verified at least once: ceil(chunks / K). */
  public synchronized int coverageBound() {
    return (chunks.size() + chunksPerWash - 1) / chunksPerWash;
  }

  public synchronized int chunkCount() {
    return chunks.size();
  }

  public int chunksPerWash() {
    return chunksPerWash;
  }

  /** Whether the schedule asks for a full check now ({@code fullCheckInterval} since the last one). */
  public synchronized boolean fullCheckDue() {
    return fullCheckInterval != null && clock.millis() - lastFullCheckMillis >= fullCheckInterval.toMillis();
  }

  /**
   * Reads every model's manifest and every file again (schedule, release from quarantine). On success the rotation
   * restarts from the first chunk against what this check found.
   */
  public synchronized StepResult fullCheck() {
    Map<String, ChunkedModel> checked = new LinkedHashMap<>();
    for (Map.Entry<String, Path> model : models.entrySet()) {
      String label = verified.get(model.getKey()).model(); // as the load named it (e.g. name:version)
      try {
        checked.put(model.getKey(), ChunkedModel.verify(label, model.getValue(), chunkBytes));
      } catch (ManifestException e) {
        return StepResult.failed("full check: " + e.getMessage());
      }
    }
    verified.clear();
    verified.putAll(checked);
    rebuild();
    lastFullCheckMillis = clock.millis();
    return StepResult.passed("full check: " + chunks.size() + " chunk(s) of " + models.size() + " model(s) match");
  }

  /** {@link #fullCheck()} as a step of an instance-level wash. */
  public WashStep fullCheckStep() {
    return new WashStep() {
      @Override
      public String name() {
        return FULL_CHECK_NAME;
      }

      @Override
      public StepResult run(WashContext context) {
        return fullCheck();
      }
    };
  }

  /** Verifies the next K chunks of the rotation. */
  @Override
  public synchronized StepResult run(WashContext context) {
    if (chunks.isEmpty()) {
      return StepResult.passed("no model files to check");
    }
    int count = Math.min(chunksPerWash, chunks.size());
    int first = cursor;
    cursor = (first + count) % chunks.size();
    try {
      for (int i = 0; i < count; i++) {
        chunks.get((first + i) % chunks.size()).verify(scratch);
      }
    } catch (ManifestException e) {
      return StepResult.failed("chunks: " + e.getMessage());
    }
    return StepResult.passed("chunks: " + count + " of " + chunks.size() + " match (from #" + first
        + "; every chunk within " + coverageBound() + " washes)");
  }
}
