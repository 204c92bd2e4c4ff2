package io.mrgc.common.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import java.util.Locale;
import java.util.Set;
import software.amazon.cloudwatchlogs.emf.model.Unit;

/**
 * Micrometer meter names to CloudWatch metric names, deterministically: drop the {@code mrgc.} prefix, upper-case the
 * first letter of every dot-, dash- or underscore-separated part and join them ({@code mrgc.router.request.duration}
 * -> {@code RouterRequestDuration}), then append the value of each name tag, in tag-key order, after a dot
 * ({@code mrgc.router.requests{status_class=5xx}} -> {@code RouterRequests.5xx}). Timers and summaries add
 * {@code .Count}, {@code .Sum} and {@code .Max}.
 */
final class EmfNames {
  private static final String PREFIX = "mrgc.";

  private EmfNames() {}

  static String metricName(Meter.Id id, Set<String> nameTags) {
    String name = id.getName().startsWith(PREFIX) ? id.getName().substring(PREFIX.length()) : id.getName();
    StringBuilder out = new StringBuilder();
    for (String part : name.split("[._-]")) {
      if (!part.isEmpty()) {
        out.append(Character.toUpperCase(part.charAt(0))).append(part, 1, part.length());
      }
    }
    for (Tag tag : id.getTagsAsIterable()) { // Micrometer keeps tags sorted by key
      if (nameTags.contains(tag.getKey())) {
        out.append('.').append(tag.getValue());
      }
    }
    return out.toString();
  }

  /** A counter's unit: Bytes when it counts bytes, else Count. */
  static Unit counterUnit(Meter.Id id) {
    return "bytes".equals(baseUnit(id)) ? Unit.BYTES : Unit.COUNT;
  }

  /** A gauge's or summary's unit from its base unit, else from its name's last part, else None. */
  static Unit valueUnit(Meter.Id id) {
    String unit = baseUnit(id);
    if (unit == null) {
      String name = id.getName();
      unit = name.substring(name.lastIndexOf('.') + 1);
    }
    return switch (unit) {
      case "bytes" -> Unit.BYTES;
      case "seconds" -> Unit.SECONDS;
      case "milliseconds" -> Unit.MILLISECONDS;
      case "percent" -> Unit.PERCENT;
      default -> Unit.NONE;
    };
  }

  private static String baseUnit(Meter.Id id) {
    return id.getBaseUnit() == null ? null : id.getBaseUnit().toLowerCase(Locale.ROOT);
  }
}
