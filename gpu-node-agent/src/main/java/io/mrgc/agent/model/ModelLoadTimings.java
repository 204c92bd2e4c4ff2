package io.mrgc.agent.model;

import java.util.Locale;

/**
 * How long one model load took, by part: reading its files from the model store (each file once, sequentially),
 * verifying those bytes (every file's sha256 against the manifest, per-chunk hashes for the background checks, the
 * config), creating the ONNX Runtime session (and tokenizer) from the bytes in memory, and the warm-up run.
 *
 * @param bytes the bytes read (the sum of the manifest's files)
 */
public record ModelLoadTimings(String name, long version, long bytes, long readNanos, long verifyNanos,
    long sessionNanos, long warmUpNanos) {

  public long totalNanos() {
    return readNanos + verifyNanos + sessionNanos + warmUpNanos;
  }

  /** The read part's throughput in MiB/s (compare with a raw sequential read of the same files). */
  public double readMibPerSecond() {
    return readNanos == 0 ? 0 : bytes / (1024.0 * 1024) / (readNanos / 1e9);
  }

  /** One log line's worth. */
  public String describe() {
    return String.format(Locale.ROOT, "model %s:%d loaded in %d ms: read %.1f MiB in %d ms (%.0f MiB/s), verify %d ms, "
            + "session %d ms, warm-up %d ms", name, version, millis(totalNanos()), bytes / (1024.0 * 1024),
        millis(readNanos), readMibPerSecond(), millis(verifyNanos), millis(sessionNanos), millis(warmUpNanos));
  }

  private static long millis(long nanos) {
    return nanos / 1_000_000;
  }
}
