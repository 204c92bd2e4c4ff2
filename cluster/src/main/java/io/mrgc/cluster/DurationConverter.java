package io.mrgc.cluster;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads durations as {@code 500ms}, {@code 10s}, {@code 30m}, {@code 2h} or ISO-8601 ({@code PT10S}). */
final class DurationConverter implements ITypeConverter<Duration> {
  private static final Pattern SHORT = Pattern.compile("(\\d+)(ms|s|m|h)");

  @Override
  public Duration convert(String value) {
    Matcher short_ = SHORT.matcher(value.trim());
    if (short_.matches()) {
      long amount = Long.parseLong(short_.group(1));
      return switch (short_.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        default -> Duration.ofHours(amount);
      };
    }
    try {
      return Duration.parse(value.trim());
    } catch (RuntimeException e) {
      throw new TypeConversionException("'" + value + "' is not a duration; use e.g. 500ms, 10s, 30m, 2h or PT10S");
    }
  }
}
