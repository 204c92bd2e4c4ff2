package io.mrgc.carwash.nvml;

import java.util.List;

/** Reads the host's GPUs. */
public interface GpuProbe {
  /** The readings, or {@link Snapshot#absent} when the host has no GPU (no NVML library, no driver, no device). */
  Snapshot read();

  /**
   * What one read found. {@code present} false: no GPU on this host ({@code detail} says why). {@code error}
   * non-null: NVML is there but a call failed.
   */
  record Snapshot(boolean present, List<GpuReading> gpus, String detail, String error) {
    public Snapshot {
      gpus = List.copyOf(gpus);
    }

    public static Snapshot absent(String detail) {
      return new Snapshot(false, List.of(), detail, null);
    }

    public static Snapshot failed(String error) {
      return new Snapshot(true, List.of(), null, error);
    }

    public static Snapshot of(List<GpuReading> gpus) {
      return new Snapshot(true, gpus, null, null);
    }
  }
}
