package io.mrgc.carwash.nvml;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The few NVML functions the wash uses (nvml.h; libnvidia-ml.so.1 ships with the driver). Every call returns an
 * {@code nvmlReturn_t}: {@link #NVML_SUCCESS} or an error code.
 */
public interface NvmlLibrary extends Library {
  int NVML_SUCCESS = 0;
  int NVML_ERROR_UNINITIALIZED = 1;
  int NVML_ERROR_NOT_SUPPORTED = 3;
  int NVML_ERROR_DRIVER_NOT_LOADED = 9;
  int NVML_ERROR_LIBRARY_NOT_FOUND = 12;
  /** nvmlTemperatureSensors_t NVML_TEMPERATURE_GPU. */
  int NVML_TEMPERATURE_GPU = 0;
  /** nvmlMemoryErrorType_t NVML_MEMORY_ERROR_TYPE_UNCORRECTED. */
  int NVML_MEMORY_ERROR_TYPE_UNCORRECTED = 1;
  /** nvmlEccCounterType_t NVML_VOLATILE_ECC (since the last driver load). */
  int NVML_VOLATILE_ECC = 0;

  int nvmlInit_v2();

  int nvmlShutdown();

  String nvmlErrorString(int result);

  int nvmlDeviceGetCount_v2(IntByReference deviceCount);

  int nvmlDeviceGetHandleByIndex_v2(int index, PointerByReference device);

  int nvmlDeviceGetTemperature(Pointer device, int sensorType, IntByReference temp);

  int nvmlDeviceGetMemoryInfo(Pointer device, NvmlMemory memory);

  int nvmlDeviceGetTotalEccErrors(Pointer device, int errorType, int counterType, LongByReference eccCounts);
}
