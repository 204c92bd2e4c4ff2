package io.mrgc.autoscaler.sim;

import java.time.Duration;
import java.util.Random;

/**
 * A synthetic, seeded demand trace at a fixed resolution: a diurnal cycle (trough about 04:00, peak about 16:00,
 * weekends at 70 %), two traffic spikes, and noise (multiplicative Gaussian, clipped at +-25 %). Deterministic:
 * the same parameters and seed give the same trace.
 */
public final class Trace {
  private final Duration step;
  private final double[] rps;

  private Trace(Duration step, double[] rps) {
    this.step = step;
    this.rps = rps;
  }

  /** Demand of sample i (RPS over the i-th step). */
  public double rps(int i) {
    return rps[i];
  }

  public int size() {
    return rps.length;
  }

  public Duration step() {
    return step;
  }

  public double peak() {
    double max = 0;
    for (double r : rps) {
      max = Math.max(max, r);
    }
    return max;
  }

  public double mean() {
    double sum = 0;
    for (double r : rps) {
      sum += r;
    }
    return sum / rps.length;
  }

  /**
   * The benchmark's trace: {@code length} at {@code step}, trough 30 RPS, weekday peak 140 RPS, a +80 RPS spike on
   * day 2 at 14:00 (45 minutes) and a +100 RPS spike on day 4 at 20:30 (30 minutes), both rising within 2 minutes and
   * decaying over 10; noise sigma 8 %.
   */
  public static Trace week(Duration length, Duration step, long seed) {
    return generate(length, step, seed, 30, 140, 0.08);
  }

  public static Trace generate(Duration length, Duration step, long seed, double trough, double peak, double sigma) {
    int n = (int) (length.toSeconds() / step.toSeconds());
    double[] out = new double[n];
    Random random = new Random(seed);
    for (int i = 0; i < n; i++) {
      double t = (double) i * step.toSeconds();
      double hours = t / 3600.0;
      int day = (int) (hours / 24);
      double hourOfDay = hours - day * 24;
      double phase = 0.5 - 0.5 * Math.cos(2 * Math.PI * (hourOfDay - 4) / 24);
      double base = trough + (peak - trough) * phase;
      if (day % 7 >= 5) {
        base *= 0.7;
      }
      base += spike(hours, 2 * 24 + 14, 80, 45) + spike(hours, 4 * 24 + 20.5, 100, 30);
      double noise = Math.max(-0.25, Math.min(0.25, random.nextGaussian() * sigma));
      out[i] = Math.max(0, base * (1 + noise));
    }
    return new Trace(step, out);
  }

  /** A spike starting at {@code startHour}: linear rise over 2 min, {@code minutes} at height, decay over 10 min. */
  private static double spike(double hours, double startHour, double height, double minutes) {
    double m = (hours - startHour) * 60;
    if (m < 0) {
      return 0;
    }
    if (m < 2) {
      return height * m / 2;
    }
    if (m < 2 + minutes) {
      return height;
    }
    if (m < 12 + minutes) {
      return height * (1 - (m - 2 - minutes) / 10);
    }
    return 0;
  }
}
