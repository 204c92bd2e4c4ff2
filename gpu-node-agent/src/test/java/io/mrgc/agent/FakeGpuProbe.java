package io.mrgc.agent;

import io.mrgc.carwash.nvml.GpuProbe;
import io.mrgc.carwash.nvml.GpuReading;
import java.util.List;

/** A GPU probe a test can turn: no GPU (the default, like this host), a GPU with ECC errors, or a read that hangs. */
final class FakeGpuProbe implements GpuProbe {
  enum Mode { NO_GPU, ECC_ERRORS, HANG }

  volatile Mode mode = Mode.NO_GPU;

  @Override
  public Snapshot read() {
    switch (mode) {
      case ECC_ERRORS -> {
        return Snapshot.of(List.of(new GpuReading(0, 60, 1L << 30, 80L << 30, 3)));
      }
      case HANG -> {
        try {
          Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return Snapshot.failed("interrupted");
      }
      default -> {
        return Snapshot.absent("no GPU on this host");
      }
    }
  }
}
