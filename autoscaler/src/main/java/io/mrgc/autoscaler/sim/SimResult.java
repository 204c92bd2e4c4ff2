package io.mrgc.autoscaler.sim;

import java.util.Locale;

/**
 * One policy's outcome on a trace.
 *
 * @param policy the policy's name
 * @param gpuHours instance-hours paid for (launching instances included: a booting GPU is billed)
 * @param minutesUnderCapacity minutes in which, at any tick, demand exceeded ready capacity (ready x capacity RPS)
 * @param minutes minutes simulated
 * @param scaleActions scale-ups plus scale-downs
 * @param reversals changes of direction between consecutive actions (up then down, or down then up)
 * @param peakInstances the most instances (ready + launching) at once
 */
public record SimResult(String policy, double gpuHours, int minutesUnderCapacity, int minutes, int scaleActions,
    int reversals, int peakInstances) {

  public double underCapacityPercent() {
    return 100.0 * minutesUnderCapacity / minutes;
  }

  public String row(double staticGpuHours) {
    return String.format(Locale.ROOT, "| %s | %.0f | %.0f %% | %d (%.2f %%) | %d | %d | %d |", policy, gpuHours,
        100 * gpuHours / staticGpuHours, minutesUnderCapacity, underCapacityPercent(), scaleActions, reversals,
        peakInstances);
  }

  public static String header() {
    return "| policy | GPU-hours | vs static | minutes with demand above ready capacity | scale actions | reversals "
        + "| peak instances |\n|---|---:|---:|---:|---:|---:|---:|";
  }
}
