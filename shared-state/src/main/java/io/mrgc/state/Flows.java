package io.mrgc.state;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.core.async.SdkPublisher;
import software.amazon.awssdk.enhanced.dynamodb.model.Page;

/** Collects the enhanced client's paginated publishers into lists. */
final class Flows {
  private Flows() {}

  static <T> CompletableFuture<List<T>> collect(SdkPublisher<T> publisher) {
    List<T> items = new ArrayList<>();
    return publisher.subscribe(items::add).thenApply(done -> items);
  }

  /**
   * The first {@code limit} items of a paginated query, requesting one page at a time and cancelling once it has
   * enough, so that a long partition is not read to its end.
   */
  static <T> CompletableFuture<List<T>> first(SdkPublisher<Page<T>> pages, int limit) {
    CompletableFuture<List<T>> result = new CompletableFuture<>();
    pages.subscribe(new Subscriber<Page<T>>() {
      private final List<T> items = new ArrayList<>();
      private Subscription subscription;

      @Override
      public void onSubscribe(Subscription s) {
        subscription = s;
        s.request(1);
      }

      @Override
      public void onNext(Page<T> page) {
        for (T item : page.items()) {
          if (items.size() < limit) {
            items.add(item);
          }
        }
        if (items.size() >= limit) {
          subscription.cancel();
          result.complete(List.copyOf(items));
        } else {
          subscription.request(1);
        }
      }

      @Override
      public void onError(Throwable error) {
        result.completeExceptionally(error);
      }

      @Override
      public void onComplete() {
        result.complete(List.copyOf(items));
      }
    });
    return result;
  }
}
