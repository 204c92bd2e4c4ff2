package io.mrgc.cluster.frontdoor;

import java.util.List;
import java.util.Map;

/** The three regions and, for each, the others from nearest to farthest (what anycast proximity would give). */
public final class Regions {
  public static final String US_EAST_1 = "us-east-1";
  public static final String US_EAST_2 = "us-east-2";
  public static final String US_WEST_2 = "us-west-2";
  public static final List<String> ALL = List.of(US_EAST_1, US_EAST_2, US_WEST_2);

  private static final Map<String, List<String>> NEAREST_FIRST = Map.of(
      US_EAST_1, List.of(US_EAST_1, US_EAST_2, US_WEST_2),
      US_EAST_2, List.of(US_EAST_2, US_EAST_1, US_WEST_2),
      US_WEST_2, List.of(US_WEST_2, US_EAST_2, US_EAST_1));

  private Regions() {}

  /** {@code home} first, then the other known regions by distance. */
  public static List<String> nearestFirst(String home) {
    List<String> order = NEAREST_FIRST.get(home);
    if (order == null) {
      throw new IllegalArgumentException("unknown region " + home + "; known regions are " + ALL);
    }
    return order;
  }
}
