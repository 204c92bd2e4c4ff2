package io.mrgc.state;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/** Small helpers shared by the repositories (here and in the modules that keep their own rows). */
public final class Futures {
  private Futures() {}

  public static Throwable unwrap(Throwable error) {
    Throwable current = error;
    while ((current instanceof CompletionException || current instanceof ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }

  /** Turns DynamoDB's condition failure into {@link WriteRejectedException} with a message saying what was refused. */
  public static <T> CompletableFuture<T> conditional(Supplier<CompletableFuture<T>> write, String whatWasRefused) {
    CompletableFuture<T> result = new CompletableFuture<>();
    CompletableFuture<T> attempt;
    try {
      attempt = write.get();
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
      return result;
    }
    attempt.whenComplete((value, error) -> {
      if (error == null) {
        result.complete(value);
      } else if (unwrap(error) instanceof ConditionalCheckFailedException) {
        result.completeExceptionally(new WriteRejectedException(whatWasRefused, unwrap(error)));
      } else {
        result.completeExceptionally(unwrap(error));
      }
    });
    return result;
  }
}
