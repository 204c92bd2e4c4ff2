package io.mrgc.cluster.models;

import io.mrgc.state.Futures;
import java.util.concurrent.CompletableFuture;

/** Waits for the repositories' futures the way a command wants their failures: thrown as themselves. */
public final class Await {
  private Await() {}

  /** The future's value; its failure thrown unwrapped (not as a CompletionException around it). */
  public static <T> T value(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (RuntimeException e) {
      Throwable cause = Futures.unwrap(e);
      throw cause instanceof RuntimeException runtime ? runtime : new IllegalStateException(cause.getMessage(), cause);
    }
  }
}
