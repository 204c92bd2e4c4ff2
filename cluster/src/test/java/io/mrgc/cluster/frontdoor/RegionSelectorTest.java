package io.mrgc.cluster.frontdoor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RegionSelectorTest {
  private static final List<String> FROM_EAST_1 = Regions.nearestFirst(Regions.US_EAST_1);
  private static final Set<String> ALL_HEALTHY = Set.copyOf(Regions.ALL);

  @Test
  void healthyHomeAtFullDialKeepsItsTraffic() {
    assertThat(new RegionSelector(() -> 0.99).select(FROM_EAST_1, ALL_HEALTHY, Map.of())).isEqualTo("us-east-1");
  }

  @Test
  void dialKeepsItsShareAndPassesTheRestToTheNextNearest() {
    Map<String, Integer> dials = Map.of("us-east-1", 30);
    assertThat(new RegionSelector(() -> 0.2).select(FROM_EAST_1, ALL_HEALTHY, dials)).isEqualTo("us-east-1");
    assertThat(new RegionSelector(() -> 0.5).select(FROM_EAST_1, ALL_HEALTHY, dials)).isEqualTo("us-east-2");
    assertThat(new RegionSelector(() -> 0.0).select(FROM_EAST_1, ALL_HEALTHY, Map.of("us-east-1", 0)))
        .isEqualTo("us-east-2");
  }

  @Test
  void dialShareHoldsOverManyRequests() {
    Random random = new Random(7);
    RegionSelector selector = new RegionSelector(random::nextDouble);
    int home = 0;
    for (int i = 0; i < 10_000; i++) {
      if (selector.select(FROM_EAST_1, ALL_HEALTHY, Map.of("us-east-1", 30)).equals("us-east-1")) {
        home++;
      }
    }
    assertThat(home).isBetween(2_800, 3_200);
  }

  @Test
  void healthFailoverIgnoresTheNextRegionsDial() {
    Set<String> eastOneDown = Set.of("us-east-2", "us-west-2");
    Map<String, Integer> dials = Map.of("us-east-2", 0);
    assertThat(new RegionSelector(() -> 0.99).select(FROM_EAST_1, eastOneDown, dials)).isEqualTo("us-east-2");
  }

  @Test
  void failsOpenWhenEveryRegionIsUnhealthy() {
    assertThat(new RegionSelector(() -> 0.5).select(FROM_EAST_1, Set.of(), Map.of())).isEqualTo("us-east-1");
  }

  @Test
  void trafficDialledAwayEverywhereStillLandsOnTheNearestHealthyRegion() {
    Map<String, Integer> allZero = Map.of("us-east-1", 0, "us-east-2", 0, "us-west-2", 0);
    assertThat(new RegionSelector(() -> 0.5).select(FROM_EAST_1, ALL_HEALTHY, allZero)).isEqualTo("us-east-1");
    Map<String, Integer> westOnly = Map.of("us-east-1", 0, "us-east-2", 0, "us-west-2", 40);
    assertThat(new RegionSelector(() -> 0.9).select(FROM_EAST_1, ALL_HEALTHY, westOnly)).isEqualTo("us-west-2");
  }

  @Test
  void healthNeedsConsecutiveResultsToFlip() {
    RouterHealth health = new RouterHealth(2);
    assertThat(health.record(false)).isFalse();
    assertThat(health.record(true)).isFalse();
    assertThat(health.record(false)).isFalse();
    assertThat(health.healthy()).isTrue();
    assertThat(health.record(false)).isTrue();
    assertThat(health.healthy()).isFalse();
    assertThat(health.record(true)).isFalse();
    assertThat(health.record(true)).isTrue();
    assertThat(health.healthy()).isTrue();
  }
}
