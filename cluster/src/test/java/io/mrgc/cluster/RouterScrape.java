package io.mrgc.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * What a region's router serves on /metrics (Prometheus text) on its admin listener, fetched over HTTP as on-call
 * would.
 */
final class RouterScrape {
  /** HTTP/1.1 as curl speaks it: the JDK client would otherwise try an h2c upgrade. */
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private RouterScrape() {}

  static String metrics(LocalCluster cluster, String region) {
    return scrape(cluster.routerAdminUrls().get(region).resolve("/metrics"));
  }

  /** What a region's failover controller serves on /metrics on its own admin listener. */
  static String controllerMetrics(LocalCluster cluster, String region) {
    return scrape(cluster.failoverAdminUrls().get(region).resolve("/metrics"));
  }

  private static String scrape(URI url) {
    try {
      return HTTP.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new IllegalStateException("GET " + url + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("GET " + url + " interrupted", e);
    }
  }
}
