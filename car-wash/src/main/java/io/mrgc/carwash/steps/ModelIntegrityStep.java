package io.mrgc.carwash.steps;

import io.mrgc.carwash.StepResult;
import io.mrgc.carwash.WashContext;
import io.mrgc.carwash.WashStep;
import io.mrgc.carwash.integrity.Manifest;
import io.mrgc.carwash.integrity.ManifestException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Wash step 2: model cache integrity against each served model's {@code manifest.sha256}.
 *
 * <p>{@link #fullCheck()} reads every manifest and hashes every file (at model load, and on a schedule: a wash at
 * least {@code fullCheckInterval} after the last full check does a full check instead of a slice). Every other
 * wash hashes the next {@code sliceSize} files of the list of all (model, file) pairs, in a fixed order, wrapping
 * around. <b>Bound:</b> with F files in all and slice size S, every file is hashed at least once in any
 * {@code ceil(F / S)} consecutive washes, so one corrupted byte fails a wash within {@code ceil(F / S)} requests
 * of the corruption (the caller quarantines on that failure). {@link #coverageBound()} returns that number.
 *
 * <p>Slices compare against the manifests read at the last full check (what was verified when the models were
 * loaded). Thread-safe.
 */
public final class ModelIntegrityStep implements WashStep {
  public static final String NAME = "model-integrity";

  private record Entry(String model, String file) {}

  private final Map<String, Path> models;
  private final int sliceSize;
  private final Duration fullCheckInterval;
  private final Clock clock;
  private Map<String, Manifest> manifests = Map.of();
  private List<Entry> entries = List.of();
  private int cursor;
  private long lastFullCheckMillis = Long.MIN_VALUE;

  /**
   * @param models model name -> model directory (the one holding {@code manifest.sha256})
   * @param sliceSize files hashed per wash, at least 1
   * @param fullCheckInterval how often a wash does a full check instead of a slice; null = never on schedule
   */
  public ModelIntegrityStep(Map<String, Path> models, int sliceSize, Duration fullCheckInterval, Clock clock) {
    if (sliceSize < 1) {
      throw new IllegalArgumentException("integrity slice size must be at least 1, got " + sliceSize);
    }
    if (fullCheckInterval != null && (fullCheckInterval.isNegative() || fullCheckInterval.isZero())) {
      throw new IllegalArgumentException("full check interval must be positive, got " + fullCheckInterval);
    }
    this.models = new TreeMap<>(models);
    this.sliceSize = sliceSize;
    this.fullCheckInterval = fullCheckInterval;
    this.clock = clock;
  }

  @Override
  public String name() {
    return NAME;
  }

  /** Washes within which every file is hashed at least once: ceil(files / slice); 0 before the first full check. */
  public synchronized int coverageBound() {
    return (entries.size() + sliceSize - 1) / sliceSize;
  }

  public synchronized int fileCount() {
    return entries.size();
  }

  /**
   * Reads every manifest again and hashes every file in full (model load, schedule). On success the slices
   * restart from the first file against these manifests.
   */
  public synchronized StepResult fullCheck() {
    Map<String, Manifest> read = new LinkedHashMap<>();
    List<Entry> all = new ArrayList<>();
    for (Map.Entry<String, Path> model : models.entrySet()) {
      try {
        Manifest manifest = Manifest.read(model.getKey(), model.getValue());
        manifest.verifyAll();
        read.put(model.getKey(), manifest);
        for (String file : manifest.files()) {
          all.add(new Entry(model.getKey(), file));
        }
      } catch (ManifestException e) {
        return StepResult.failed("full check: " + e.getMessage());
      }
    }
    manifests = read;
    entries = List.copyOf(all);
    cursor = 0;
    lastFullCheckMillis = clock.millis();
    return StepResult.passed("full check: " + entries.size() + " file(s) of " + models.size() + " model(s) match");
  }

  @Override
  public synchronized StepResult run(WashContext context) {
    boolean due = lastFullCheckMillis == Long.MIN_VALUE
        || (fullCheckInterval != null && clock.millis() - lastFullCheckMillis >= fullCheckInterval.toMillis());
    if (due) {
      return fullCheck();
    }
    if (entries.isEmpty()) {
      return StepResult.passed("no model files to check");
    }
    int count = Math.min(sliceSize, entries.size());
    int first = cursor;
    Map<String, List<String>> byModel = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      Entry entry = entries.get((first + i) % entries.size());
      byModel.computeIfAbsent(entry.model(), m -> new ArrayList<>()).add(entry.file());
    }
    cursor = (first + count) % entries.size();
    try {
      for (Map.Entry<String, List<String>> slice : byModel.entrySet()) {
        manifests.get(slice.getKey()).verifyFiles(slice.getValue());
      }
    } catch (ManifestException e) {
      return StepResult.failed("slice: " + e.getMessage());
    }
    return StepResult.passed("slice: " + count + " of " + entries.size() + " file(s) match (from #" + first
        + "; every file within " + coverageBound() + " washes)");
  }
}
