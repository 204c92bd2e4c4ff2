package io.mrgc.carwash.nvml;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link GpuProbe} over NVML through JNA. The library is loaded on the first read; a host without
 * libnvidia-ml.so.1, without a loaded driver or with no device has no GPU. NVML is initialised once (on the first
 * read that finds the library) and shut down by {@link #close()}. Thread-safe (reads are serialised).
 */
public final class NvmlGpuProbe implements GpuProbe, AutoCloseable {
  public static final String LIBRARY = "libnvidia-ml.so.1";
  private static final Logger log = LoggerFactory.getLogger(NvmlGpuProbe.class);

  private final Supplier<NvmlLibrary> loader;
  private NvmlLibrary nvml;
  private String absentBecause;
  private boolean initialised;

  /** Loads {@value #LIBRARY} (then {@code nvidia-ml}) through JNA. */
  public NvmlGpuProbe() {
    this(NvmlGpuProbe::loadNative);
  }

  /** {@code loader} returns the library or throws {@link UnsatisfiedLinkError} when there is none. */
  public NvmlGpuProbe(Supplier<NvmlLibrary> loader) {
    this.loader = loader;
  }

  static NvmlLibrary loadNative() {
    try {
      return Native.load(LIBRARY, NvmlLibrary.class);
    } catch (UnsatisfiedLinkError first) {
      return Native.load("nvidia-ml", NvmlLibrary.class);
    }
  }

  @Override
  public synchronized Snapshot read() {
    if (absentBecause != null) {
      return Snapshot.absent(absentBecause);
    }
    if (nvml == null) {
      try {
        nvml = loader.get();
      } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
        absentBecause = "no GPU on this host";
        log.info("NVML not available ({}): no GPU health checks on this host", LIBRARY);
        return Snapshot.absent(absentBecause);
      }
    }
    if (!initialised) {
      int rc = nvml.nvmlInit_v2();
      if (rc == NvmlLibrary.NVML_ERROR_DRIVER_NOT_LOADED || rc == NvmlLibrary.NVML_ERROR_LIBRARY_NOT_FOUND) {
        absentBecause = "no GPU on this host (nvmlInit_v2: " + error(rc) + ")";
        return Snapshot.absent(absentBecause);
      }
      if (rc != NvmlLibrary.NVML_SUCCESS) {
        return Snapshot.failed("nvmlInit_v2: " + error(rc));
      }
      initialised = true;
    }
    IntByReference count = new IntByReference();
    int rc = nvml.nvmlDeviceGetCount_v2(count);
    if (rc != NvmlLibrary.NVML_SUCCESS) {
      return Snapshot.failed("nvmlDeviceGetCount_v2: " + error(rc));
    }
    if (count.getValue() == 0) {
      return Snapshot.absent("no GPU on this host");
    }
    List<GpuReading> readings = new ArrayList<>();
    for (int index = 0; index < count.getValue(); index++) {
      PointerByReference handleRef = new PointerByReference();
      rc = nvml.nvmlDeviceGetHandleByIndex_v2(index, handleRef);
      if (rc != NvmlLibrary.NVML_SUCCESS) {
        return Snapshot.failed("gpu" + index + " nvmlDeviceGetHandleByIndex_v2: " + error(rc));
      }
      Pointer handle = handleRef.getValue();
      IntByReference temperature = new IntByReference();
      rc = nvml.nvmlDeviceGetTemperature(handle, NvmlLibrary.NVML_TEMPERATURE_GPU, temperature);
      if (rc != NvmlLibrary.NVML_SUCCESS) {
        return Snapshot.failed("gpu" + index + " nvmlDeviceGetTemperature: " + error(rc));
      }
      NvmlMemory memory = new NvmlMemory();
      rc = nvml.nvmlDeviceGetMemoryInfo(handle, memory);
      if (rc != NvmlLibrary.NVML_SUCCESS) {
        return Snapshot.failed("gpu" + index + " nvmlDeviceGetMemoryInfo: " + error(rc));
      }
      LongByReference ecc = new LongByReference();
      rc = nvml.nvmlDeviceGetTotalEccErrors(handle, NvmlLibrary.NVML_MEMORY_ERROR_TYPE_UNCORRECTED,
          NvmlLibrary.NVML_VOLATILE_ECC, ecc);
      long eccErrors;
      if (rc == NvmlLibrary.NVML_SUCCESS) {
        eccErrors = ecc.getValue();
      } else if (rc == NvmlLibrary.NVML_ERROR_NOT_SUPPORTED) {
        eccErrors = -1;
      } else {
        return Snapshot.failed("gpu" + index + " nvmlDeviceGetTotalEccErrors: " + error(rc));
      }
      readings.add(new GpuReading(index, temperature.getValue(), memory.used, memory.total, eccErrors));
    }
    return Snapshot.of(readings);
  }

  private String error(int rc) {
    String text = null;
    try {
      text = nvml.nvmlErrorString(rc);
    } catch (RuntimeException | UnsatisfiedLinkError ignored) {
      // fall back to the code alone
    }
    return text == null ? "error " + rc : text + " (" + rc + ")";
  }

  @Override
  public synchronized void close() {
    if (initialised) {
      nvml.nvmlShutdown();
      initialised = false;
    }
  }
}
