package io.mrgc.failover.state;

import io.mrgc.state.WriteRejectedException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/** DynamoDB's condition failure as {@link WriteRejectedException} saying what was refused (as shared-state does). */
final class Conditional {
  private Conditional() {}

  static <T> CompletableFuture<T> write(Supplier<CompletableFuture<T>> write, String whatWasRefused) {
    CompletableFuture<T> attempt;
    try {
      attempt = write.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return attempt.handle((value, error) -> {
      if (error == null) {
        return value;
      }
      Throwable cause = unwrap(error);
      if (cause instanceof ConditionalCheckFailedException) {
        throw new WriteRejectedException(whatWasRefused, cause);
      }
      throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
    });
  }

  static Throwable unwrap(Throwable error) {
    Throwable current = error;
    while ((current instanceof CompletionException || current instanceof ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }
}
