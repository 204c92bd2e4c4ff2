package io.mrgc.carwash.steps;

import io.mrgc.carwash.StepResult;
import io.mrgc.carwash.WashContext;
import io.mrgc.carwash.WashStep;
import io.mrgc.carwash.nvml.GpuProbe;
import io.mrgc.carwash.nvml.GpuReading;
import java.util.ArrayList;
import java.util.List;

/**
 * Wash step 4a: GPU health through NVML (temperature, memory used, uncorrected volatile ECC errors). On a host
 * without a GPU it passes with the detail "no GPU on this host" unless {@link Thresholds#requireGpu()} (an agent
 * configured for the CUDA provider must have one).
 */
public final class GpuHealthStep implements WashStep {
  public static final String NAME = "gpu-health";

  /**
   * @param maxTemperatureC fail above this GPU temperature
   * @param maxUncorrectedEccErrors fail above this many uncorrected volatile ECC errors (0: any fails)
   * @param requireGpu fail where there is no GPU
   */
  public record Thresholds(int maxTemperatureC, long maxUncorrectedEccErrors, boolean requireGpu) {
    public static final Thresholds DEFAULTS = new Thresholds(85, 0, false);

    public Thresholds {
      if (maxTemperatureC <= 0) {
        throw new IllegalArgumentException("max GPU temperature must be positive, got " + maxTemperatureC);
      }
      if (maxUncorrectedEccErrors < 0) {
        throw new IllegalArgumentException("max uncorrected ECC errors must not be negative, got "
            + maxUncorrectedEccErrors);
      }
    }
  }

  private final GpuProbe probe;
  private final Thresholds thresholds;

  public GpuHealthStep(GpuProbe probe, Thresholds thresholds) {
    this.probe = probe;
    this.thresholds = thresholds;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StepResult run(WashContext context) {
    GpuProbe.Snapshot snapshot = probe.read();
    if (!snapshot.present()) {
      return thresholds.requireGpu()
          ? StepResult.failed(snapshot.detail() + " but a GPU is required")
          : StepResult.passed(snapshot.detail());
    }
    if (snapshot.error() != null) {
      return StepResult.failed("NVML: " + snapshot.error());
    }
    List<String> problems = new ArrayList<>();
    List<String> readings = new ArrayList<>();
    for (GpuReading gpu : snapshot.gpus()) {
      readings.add("gpu" + gpu.index() + " " + gpu.temperatureC() + "C mem " + gpu.memoryUsedBytes() / (1 << 20)
          + "/" + gpu.memoryTotalBytes() / (1 << 20) + " MiB ecc "
          + (gpu.uncorrectedEccErrors() < 0 ? "n/a" : Long.toString(gpu.uncorrectedEccErrors())));
      if (gpu.temperatureC() > thresholds.maxTemperatureC()) {
        problems.add("gpu" + gpu.index() + " at " + gpu.temperatureC() + "C > " + thresholds.maxTemperatureC() + "C");
      }
      if (gpu.uncorrectedEccErrors() > thresholds.maxUncorrectedEccErrors()) {
        problems.add("gpu" + gpu.index() + " has " + gpu.uncorrectedEccErrors() + " uncorrected ECC errors > "
            + thresholds.maxUncorrectedEccErrors());
      }
    }
    String detail = String.join("; ", readings);
    return problems.isEmpty()
        ? StepResult.passed(detail)
        : StepResult.failed(String.join("; ", problems) + " [" + detail + "]");
  }
}
