package io.mrgc.state;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.core.async.SdkPublisher;

/** Collects the enhanced client's paginated publishers into lists. */
final class Flows {
  private Flows() {}

  static <T> CompletableFuture<List<T>> collect(SdkPublisher<T> publisher) {
    List<T> items = new ArrayList<>();
    return publisher.subscribe(items::add).thenApply(done -> items);
  }
}
