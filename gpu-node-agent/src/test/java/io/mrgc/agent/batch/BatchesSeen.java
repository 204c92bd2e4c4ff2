package io.mrgc.agent.batch;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

/** A {@link BatchObserver} for tests: keeps every session run it is told of; reports a fixed serving count. */
public final class BatchesSeen implements BatchObserver {
  /** One session run as the worker reported it. */
  public record Seen(String tenant, List<String> requestIds, int inputs) {}

  private final List<Seen> seen = new ArrayList<>();
  private final IntSupplier serving;

  /** Serving "many": a batch waits up to maxBatchWait for more. */
  public BatchesSeen() {
    this(() -> Integer.MAX_VALUE);
  }

  public BatchesSeen(IntSupplier serving) {
    this.serving = serving;
  }

  @Override
  public synchronized void batch(String model, String tenant, List<String> requestIds, int inputs) {
    seen.add(new Seen(tenant, requestIds, inputs));
  }

  @Override
  public int serving() {
    return serving.getAsInt();
  }

  public synchronized List<Seen> all() {
    return List.copyOf(seen);
  }

  /** Every run after the first {@code skip}. */
  public synchronized List<Seen> after(int skip) {
    return List.copyOf(seen.subList(skip, seen.size()));
  }
}
