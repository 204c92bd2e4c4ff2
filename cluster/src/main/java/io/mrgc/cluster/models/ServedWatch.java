package io.mrgc.cluster.models;

import io.mrgc.state.GpuInstanceRepository;
import io.mrgc.state.InstanceState;
import io.mrgc.state.items.GpuInstanceItem;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Which routable instances (READY or BUSY: the ones routers send to) advertise a model in their heartbeat's
 * {@code models}, and waiting until all of them do.
 */
public final class ServedWatch {
  /** The routable instances, and those of them that serve the model. */
  public record Serving(List<GpuInstanceItem> routable, List<GpuInstanceItem> serving) {
    public boolean everywhere() {
      return !routable.isEmpty() && serving.size() == routable.size();
    }

    public String summary() {
      return "served by " + serving.size() + "/" + routable.size() + " instances"
          + (routable.isEmpty() ? " (no READY or BUSY instance)" : "");
    }

    /** The routable instances that do not serve it, as {@code id (region)}. */
    public String missing() {
      return routable.stream().filter(i -> !serving.contains(i))
          .map(i -> i.getInstanceId() + " (" + i.getRegion() + ")").collect(Collectors.joining(", "));
    }
  }

  private final GpuInstanceRepository instances;
  private final Duration poll;

  public ServedWatch(GpuInstanceRepository instances, Duration poll) {
    this.instances = instances;
    this.poll = poll;
  }

  /** Who serves {@code model} among {@code instances}. */
  public static Serving of(String model, List<GpuInstanceItem> instances) {
    List<GpuInstanceItem> routable = instances.stream().filter(ServedWatch::routable)
        .sorted(Comparator.comparing(GpuInstanceItem::getRegion).thenComparing(GpuInstanceItem::getInstanceId))
        .toList();
    return new Serving(routable, routable.stream().filter(i -> i.getModels().contains(model)).toList());
  }

  /**
   * Polls gpu_instances until every routable instance serves {@code model}, printing each change.
   *
   * @throws IllegalStateException on timeout, naming the instances that do not serve it
   */
  public Serving await(String model, Duration timeout, Consumer<String> progress) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (true) {
      Serving serving = of(model, Await.value(instances.listAll()));
      if (!serving.summary().equals(last)) {
        progress.accept(serving.summary());
        last = serving.summary();
      }
      if (serving.everywhere()) {
        return serving;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(model + " is " + serving.summary() + " after " + timeout
            + (serving.routable().isEmpty() ? "" : "; not by " + serving.missing())
            + ": see `mrgc status` and those agents' logs (a model that does not fit their memory budget, or "
            + "fails its manifest check, is refused there)");
      }
      Thread.sleep(poll.toMillis());
    }
  }

  private static boolean routable(GpuInstanceItem instance) {
    try {
      return InstanceState.valueOf(instance.getState()).routable();
    } catch (IllegalArgumentException | NullPointerException unknown) {
      return false;
    }
  }
}
