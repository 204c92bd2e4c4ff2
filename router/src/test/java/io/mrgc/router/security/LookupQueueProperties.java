package io.mrgc.router.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The auth lookup queue's fairness (issue #10, finding 8), for any mix of sources: each source's lookups come out in
 * its own order, no source is served twice while another waits unserved in between (round-robin), bounds are kept,
 * and a lookup's wait is at most one turn per other waiting source.
 */
class LookupQueueProperties {
  private static final int PER_SOURCE = 5;
  private static final int SOURCES = 6;

  @Provide
  Arbitrary<List<Integer>> offers() {
    return Arbitraries.integers().between(0, 9).list().ofMaxSize(120);
  }

  @Property
  void roundRobinAcrossSourcesFifoWithinOne(@ForAll("offers") List<Integer> offers) {
    LookupQueue queue = new LookupQueue(PER_SOURCE, SOURCES);
    Map<String, List<String>> accepted = new HashMap<>();
    int n = 0;
    for (int source : offers) {
      String name = "10.0.0." + source;
      String hash = "h" + n++;
      boolean full = accepted.getOrDefault(name, List.of()).size() >= PER_SOURCE
          || (!accepted.containsKey(name) && accepted.size() >= SOURCES);
      boolean offered = queue.offer(new LookupQueue.Waiting("key", hash, name, null));
      assertThat(offered).isEqualTo(!full);
      if (offered) {
        accepted.computeIfAbsent(name, s -> new ArrayList<>()).add(hash);
      }
    }
    int total = accepted.values().stream().mapToInt(List::size).sum();
    assertThat(queue.size()).isEqualTo(total);

    Map<String, Integer> served = new HashMap<>();
    List<String> order = new ArrayList<>();
    for (LookupQueue.Waiting next = queue.poll(); next != null; next = queue.poll()) {
      int index = served.merge(next.source(), 1, Integer::sum) - 1;
      assertThat(next.hash()).as("FIFO within a source").isEqualTo(accepted.get(next.source()).get(index));
      order.add(next.source());
    }
    assertThat(order).hasSize(total);
    // Round-robin: in each round every source with lookups left is served exactly once.
    int round = 0;
    int position = 0;
    while (position < order.size()) {
      int currentRound = round;
      long active = accepted.values().stream().filter(list -> list.size() > currentRound).count();
      List<String> thisRound = order.subList(position, position + (int) active);
      assertThat(thisRound).doesNotHaveDuplicates();
      position += (int) active;
      round++;
    }
  }
}
