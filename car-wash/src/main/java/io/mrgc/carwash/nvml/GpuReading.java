package io.mrgc.carwash.nvml;

/** One GPU's health as read through NVML. {@code uncorrectedEccErrors} is -1 where ECC is not supported. */
public record GpuReading(int index, int temperatureC, long memoryUsedBytes, long memoryTotalBytes,
                         long uncorrectedEccErrors) {}
