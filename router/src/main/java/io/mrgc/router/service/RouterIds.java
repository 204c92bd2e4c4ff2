package io.mrgc.router.service;

import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * This router's id when its configuration sets none (it names the router's metrics series, which must differ between
 * the routers of a region): the ECS task id when the process runs in an ECS task, else the host name, else a random
 * id. Routers that restart get a new id in ECS (a new task), the same one on a host.
 */
final class RouterIds {
  /** Set by the ECS agent in every container; {@code <uri>/task} describes the task, its ARN included. */
  static final String ECS_METADATA_ENV = "ECS_CONTAINER_METADATA_URI_V4";
  private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(2);

  private RouterIds() {}

  static String resolve(Map<String, String> env) {
    String metadata = env.get(ECS_METADATA_ENV);
    if (metadata != null && !metadata.isBlank()) {
      Optional<String> taskId = ecsTaskId(URI.create(metadata.trim()));
      if (taskId.isPresent()) {
        return taskId.get();
      }
    }
    return hostName().orElseGet(RouterIds::random);
  }

  /** The last segment of the task ARN ({@code arn:aws:ecs:REGION:ACCOUNT:task/CLUSTER/TASK_ID}), if it answers. */
  static Optional<String> ecsTaskId(URI metadata) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(METADATA_TIMEOUT).build();
    try {
      HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(metadata + "/task"))
          .timeout(METADATA_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
      String arn = answer.statusCode() == 200 ? new JsonObject(answer.body()).getString("TaskARN", "") : "";
      String id = arn.substring(arn.lastIndexOf('/') + 1);
      return arn.contains("/") && !id.isBlank() ? Optional.of(id) : Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (Exception e) {
      return Optional.empty(); // not usable: fall back to the host name
    }
  }

  private static Optional<String> hostName() {
    try {
      String name = InetAddress.getLocalHost().getHostName();
      return name == null || name.isBlank() || name.equals("localhost") ? Optional.empty() : Optional.of(name);
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  private static String random() {
    byte[] bytes = new byte[4];
    new SecureRandom().nextBytes(bytes);
    return "router-" + HexFormat.of().formatHex(bytes);
  }
}
