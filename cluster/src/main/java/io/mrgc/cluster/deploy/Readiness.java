package io.mrgc.cluster.deploy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/** Waits for a deployment's services: each URL in turn must answer 200 ({@code /readyz}, {@code /healthz/region}). */
public final class Readiness {
  private Readiness() {}

  /**
   * Waits until every URL of {@code checks} answers 200, within {@code timeout} in all; {@code failFast} runs between
   * polls and throws when a service died meanwhile (its log in the message); {@code logs} says where to look.
   */
  public static void await(List<URI> checks, Duration timeout, Runnable failFast, String logs) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    for (URI check : checks) {
      while (!answers200(http, check)) {
        failFast.run();
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("not ready after " + timeout.toSeconds() + " s: " + check
              + " does not answer 200; logs in " + logs);
        }
        sleep(250);
      }
    }
  }

  public static boolean answers200(HttpClient http, URI uri) {
    try {
      return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
