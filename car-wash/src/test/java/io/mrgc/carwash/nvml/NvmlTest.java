package io.mrgc.carwash.nvml;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import io.mrgc.carwash.StepResult;
import io.mrgc.carwash.WashContext;
import io.mrgc.carwash.steps.GpuHealthStep;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class NvmlTest {
  private static final WashContext CONTEXT = new WashContext("r", 1, 0);

  @Test
  void structLayoutsMatchNvmlH() {
    // nvmlMemory_t: unsigned long long total, free, used.
    NvmlMemory memory = new NvmlMemory();
    assertThat(memory.size()).isEqualTo(24);
    assertThat(memory.offsetOf("total")).isZero();
    assertThat(memory.offsetOf("free")).isEqualTo(8);
    assertThat(memory.offsetOf("used")).isEqualTo(16);
  }

  @Test
  void onAHostWithoutTheLibraryTheStepPassesSayingSo() {
    boolean hasNvml = Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1"))
        || Files.exists(Path.of("/usr/lib64/libnvidia-ml.so.1"));
    Assumptions.assumeFalse(hasNvml, "this host has NVML");
    try (NvmlGpuProbe probe = new NvmlGpuProbe()) {
      GpuProbe.Snapshot snapshot = probe.read();
      assertThat(snapshot.present()).isFalse();
      assertThat(snapshot.detail()).isEqualTo("no GPU on this host");
      StepResult result = new GpuHealthStep(probe, GpuHealthStep.Thresholds.DEFAULTS).run(CONTEXT);
      assertThat(result).isEqualTo(StepResult.passed("no GPU on this host"));
      assertThat(new GpuHealthStep(probe, new GpuHealthStep.Thresholds(85, 0, true)).run(CONTEXT))
          .isEqualTo(StepResult.failed("no GPU on this host but a GPU is required"));
    }
  }

  @Test
  void aMissingLibraryThroughTheLoaderIsNoGpu() {
    AtomicInteger loads = new AtomicInteger();
    try (NvmlGpuProbe probe = new NvmlGpuProbe(() -> {
      loads.incrementAndGet();
      throw new UnsatisfiedLinkError("libnvidia-ml.so.1: cannot open shared object file");
    })) {
      assertThat(probe.read().detail()).isEqualTo("no GPU on this host");
      assertThat(probe.read().present()).isFalse();
      assertThat(loads).hasValue(1);
    }
  }

  @Test
  void driverNotLoadedIsNoGpuAndOtherInitErrorsFail() {
    FakeNvml fake = new FakeNvml();
    fake.initResult = NvmlLibrary.NVML_ERROR_DRIVER_NOT_LOADED;
    try (NvmlGpuProbe probe = new NvmlGpuProbe(() -> fake)) {
      assertThat(probe.read().detail()).isEqualTo("no GPU on this host (nvmlInit_v2: Driver Not Loaded (9))");
    }
    FakeNvml broken = new FakeNvml();
    broken.initResult = 999;
    try (NvmlGpuProbe probe = new NvmlGpuProbe(() -> broken)) {
      assertThat(new GpuHealthStep(probe, GpuHealthStep.Thresholds.DEFAULTS).run(CONTEXT))
          .isEqualTo(StepResult.failed("NVML: nvmlInit_v2: error 999"));
    }
  }

  @Test
  void readingsAndThresholdsThroughAFakeLibrary() {
    FakeNvml fake = new FakeNvml();
    fake.temperatures = new int[] {60, 91};
    fake.ecc = new long[] {0, 2};
    try (NvmlGpuProbe probe = new NvmlGpuProbe(() -> fake)) {
      GpuProbe.Snapshot snapshot = probe.read();
      assertThat(snapshot.gpus()).containsExactly(
          new GpuReading(0, 60, 1L << 30, 80L << 30, 0),
          new GpuReading(1, 91, 1L << 30, 80L << 30, 2));
      StepResult strict = new GpuHealthStep(probe, GpuHealthStep.Thresholds.DEFAULTS).run(CONTEXT);
      assertThat(strict).isEqualTo(StepResult.failed("gpu1 at 91C > 85C; gpu1 has 2 uncorrected ECC errors > 0 "
          + "[gpu0 60C mem 1024/81920 MiB ecc 0; gpu1 91C mem 1024/81920 MiB ecc 2]"));
      StepResult lenient = new GpuHealthStep(probe, new GpuHealthStep.Thresholds(95, 5, true)).run(CONTEXT);
      assertThat(lenient).isEqualTo(StepResult.passed("gpu0 60C mem 1024/81920 MiB ecc 0; "
          + "gpu1 91C mem 1024/81920 MiB ecc 2"));
      assertThat(fake.inits).hasValue(1);
    }
    assertThat(fake.shutdowns).hasValue(1);
  }

  @Test
  void eccNotSupportedIsReportedNotFailedAndZeroDevicesIsNoGpu() {
    FakeNvml fake = new FakeNvml();
    fake.temperatures = new int[] {40};
    fake.eccResult = NvmlLibrary.NVML_ERROR_NOT_SUPPORTED;
    try (NvmlGpuProbe probe = new NvmlGpuProbe(() -> fake)) {
      assertThat(new GpuHealthStep(probe, GpuHealthStep.Thresholds.DEFAULTS).run(CONTEXT))
          .isEqualTo(StepResult.passed("gpu0 40C mem 1024/81920 MiB ecc n/a"));
    }
    FakeNvml none = new FakeNvml();
    none.temperatures = new int[0];
    try (NvmlGpuProbe probe = new NvmlGpuProbe(() -> none)) {
      assertThat(new GpuHealthStep(probe, GpuHealthStep.Thresholds.DEFAULTS).run(CONTEXT))
          .isEqualTo(StepResult.passed("no GPU on this host"));
    }
  }

  /** NVML in Java, for the probe's logic; JNA's by-reference types carry the results as with the real library. */
  static final class FakeNvml implements NvmlLibrary {
    int initResult = NVML_SUCCESS;
    int eccResult = NVML_SUCCESS;
    int[] temperatures = {50};
    long[] ecc = {0};
    final AtomicInteger inits = new AtomicInteger();
    final AtomicInteger shutdowns = new AtomicInteger();

    @Override
    public int nvmlInit_v2() {
      inits.incrementAndGet();
      return initResult;
    }

    @Override
    public int nvmlShutdown() {
      shutdowns.incrementAndGet();
      return NVML_SUCCESS;
    }

    @Override
    public String nvmlErrorString(int result) {
      return result == NVML_ERROR_DRIVER_NOT_LOADED ? "Driver Not Loaded" : null;
    }

    @Override
    public int nvmlDeviceGetCount_v2(IntByReference deviceCount) {
      deviceCount.setValue(temperatures.length);
      return NVML_SUCCESS;
    }

    @Override
    public int nvmlDeviceGetHandleByIndex_v2(int index, PointerByReference device) {
      device.setValue(new Pointer(index + 1));
      return NVML_SUCCESS;
    }

    @Override
    public int nvmlDeviceGetTemperature(Pointer device, int sensorType, IntByReference temp) {
      assertThat(sensorType).isEqualTo(NVML_TEMPERATURE_GPU);
      temp.setValue(temperatures[(int) Pointer.nativeValue(device) - 1]);
      return NVML_SUCCESS;
    }

    @Override
    public int nvmlDeviceGetMemoryInfo(Pointer device, NvmlMemory memory) {
      memory.total = 80L << 30;
      memory.used = 1L << 30;
      memory.free = memory.total - memory.used;
      return NVML_SUCCESS;
    }

    @Override
    public int nvmlDeviceGetTotalEccErrors(Pointer device, int errorType, int counterType, LongByReference eccCounts) {
      assertThat(List.of(errorType, counterType))
          .containsExactly(NVML_MEMORY_ERROR_TYPE_UNCORRECTED, NVML_VOLATILE_ECC);
      if (eccResult != NVML_SUCCESS) {
        return eccResult;
      }
      eccCounts.setValue(ecc[(int) Pointer.nativeValue(device) - 1]);
      return NVML_SUCCESS;
    }
  }
}
