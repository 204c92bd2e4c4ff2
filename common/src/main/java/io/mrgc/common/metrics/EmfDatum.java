package io.mrgc.common.metrics;

import software.amazon.cloudwatchlogs.emf.model.Unit;

/**
 * One value read from one meter, before meters that differ only in dropped tags are aggregated.
 *
 * @param region the meter's own {@code region} tag, or null for the publisher's Region
 * @param max true when values of the same metric combine by maximum (a timer's max), false when they add up
 */
record EmfDatum(String region, String name, Unit unit, double value, boolean max) {
  EmfDatum combine(EmfDatum other) {
    return new EmfDatum(region, name, unit, max ? Math.max(value, other.value) : value + other.value, max);
  }
}
