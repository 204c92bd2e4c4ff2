package io.mrgc.cluster.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-test endpoint speaking what {@link FsxModelStore} calls: S3 PutObject (path-style, checking the body against
 * x-amz-checksum-sha256 as S3 does) and the FSx JSON 1.1 API's CreateDataRepositoryTask (same client request token,
 * same task) and DescribeDataRepositoryTasks (each describe moves the task one step along its script).
 */
final class AwsStoreEmulator implements AutoCloseable {
  static final String FSX_TARGET_PREFIX = "AWSSimbaAPIService_v20180301.";
  static final ObjectMapper JSON = new ObjectMapper();

  /** One state a task shows on a describe: lifecycle, counts, failure message (FAILED only). */
  record Step(String lifecycle, long succeeded, long total, String failure) {
    static Step of(String lifecycle, long succeeded, long total) {
      return new Step(lifecycle, succeeded, total, null);
    }
  }

  /** A stored object and the checksum header it came with. */
  record StoredObject(byte[] body, String checksumSha256, String contentEncoding) {}

  private final HttpServer server;
  /** "bucket/key" -> object, as last PUT. */
  final Map<String, StoredObject> objects = new ConcurrentHashMap<>();
  /** Every CreateDataRepositoryTask request body. */
  final List<JsonNode> creates = new CopyOnWriteArrayList<>();
  /** Scripts for the tasks created next, in order; a task created with no script left succeeds at once. */
  final Deque<List<Step>> scripts = new ArrayDeque<>();
  /** How many creates to answer DataRepositoryTaskExecuting first. */
  volatile int busyCreates;
  private final Map<String, Task> tasksByToken = new ConcurrentHashMap<>();
  private final Map<String, Task> tasksById = new ConcurrentHashMap<>();

  private static final class Task {
    final ObjectNode json;
    final Deque<Step> steps;

    Task(ObjectNode json, Deque<Step> steps) {
      this.json = json;
      this.steps = steps;
    }
  }

  AwsStoreEmulator() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      try {
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        if (target != null) {
          fsx(exchange, target);
        } else if ("PUT".equals(exchange.getRequestMethod())) {
          putObject(exchange);
        } else {
          reply(exchange, 405, "text/plain", new byte[0]);
        }
      } catch (RuntimeException e) {
        reply(exchange, 500, "text/plain", String.valueOf(e).getBytes(StandardCharsets.UTF_8));
      } finally {
        exchange.close();
      }
    });
    server.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private void putObject(HttpExchange exchange) throws IOException {
    String key = exchange.getRequestURI().getPath().substring(1); // path-style: bucket/key, decoded
    byte[] raw = exchange.getRequestBody().readAllBytes();
    String sha256Header = exchange.getRequestHeaders().getFirst("x-amz-checksum-sha256");
    String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
    byte[] body = encoding != null && encoding.contains("aws-chunked") ? dechunk(raw) : raw;
    String actual = Base64.getEncoder().encodeToString(sha256(body));
    if (sha256Header == null || !sha256Header.equals(actual)) {
      reply(exchange, 400, "application/xml", ("<Error><Code>BadDigest</Code><Message>The SHA256 you specified did "
          + "not match the calculated checksum.</Message></Error>").getBytes(StandardCharsets.UTF_8));
      return;
    }
    objects.put(key, new StoredObject(body, sha256Header, encoding));
    exchange.getResponseHeaders().add("ETag", "\"" + actual.hashCode() + "\"");
    exchange.getResponseHeaders().add("x-amz-checksum-sha256", actual);
    reply(exchange, 200, "application/xml", new byte[0]);
  }

  private void fsx(HttpExchange exchange, String target) throws IOException {
    JsonNode request = JSON.readTree(exchange.getRequestBody());
    switch (target.substring(FSX_TARGET_PREFIX.length())) {
      case "CreateDataRepositoryTask" -> {
        creates.add(request);
        if (busyCreates > 0) {
          busyCreates--;
          fsxError(exchange, "DataRepositoryTaskExecuting", "A data repository task is executing");
          return;
        }
        String token = request.path("ClientRequestToken").asText();
        Task task = tasksByToken.computeIfAbsent(token, unused -> newTask(request));
        reply(exchange, 200, "application/x-amz-json-1.1",
            JSON.writeValueAsBytes(JSON.createObjectNode().set("DataRepositoryTask", task.json)));
      }
      case "DescribeDataRepositoryTasks" -> {
        Task task = tasksById.get(request.path("TaskIds").path(0).asText());
        if (task == null) {
          fsxError(exchange, "DataRepositoryTaskNotFound", "no such task");
          return;
        }
        advance(task);
        ObjectNode answer = JSON.createObjectNode();
        answer.putArray("DataRepositoryTasks").add(task.json);
        reply(exchange, 200, "application/x-amz-json-1.1", JSON.writeValueAsBytes(answer));
      }
      default -> fsxError(exchange, "BadRequest", "unexpected " + target);
    }
  }

  private synchronized Task newTask(JsonNode request) {
    String id = "task-" + String.format("%017x", tasksById.size() + 1);
    ObjectNode json = JSON.createObjectNode().put("TaskId", id).put("Lifecycle", "PENDING")
        .put("Type", request.path("Type").asText()).put("FileSystemId", request.path("FileSystemId").asText())
        .put("CreationTime", System.currentTimeMillis() / 1000.0);
    json.set("Paths", request.path("Paths"));
    List<Step> script = scripts.isEmpty() ? List.of(Step.of("SUCCEEDED", 0, 0)) : scripts.poll();
    Task task = new Task(json, new ArrayDeque<>(script));
    tasksById.put(id, task);
    return task;
  }

  private static void advance(Task task) {
    Step step = task.steps.size() > 1 ? task.steps.poll() : task.steps.peek();
    task.json.put("Lifecycle", step.lifecycle());
    ObjectNode status = task.json.putObject("Status").put("TotalCount", step.total())
        .put("SucceededCount", step.succeeded()).put("FailedCount", step.failure() == null ? 0 : 1);
    status.put("LastUpdatedTime", System.currentTimeMillis() / 1000.0);
    if (step.failure() != null) {
      task.json.putObject("FailureDetails").put("Message", step.failure());
    }
  }

  private static void fsxError(HttpExchange exchange, String type, String message) throws IOException {
    exchange.getResponseHeaders().add("X-Amzn-ErrorType", type);
    reply(exchange, 400, "application/x-amz-json-1.1", JSON.writeValueAsBytes(JSON.createObjectNode()
        .put("__type", type).put("Message", message)));
  }

  private static void reply(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
    exchange.getResponseHeaders().add("Content-Type", type);
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      exchange.getResponseBody().write(body);
    }
  }

  /** The data of an aws-chunked body: {@code <hex size>[;ext]\r\n<data>\r\n} ... {@code 0\r\n[trailers]\r\n}. */
  static byte[] dechunk(byte[] raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int pos = 0;
    while (true) {
      int lineEnd = indexOf(raw, pos);
      String header = new String(raw, pos, lineEnd - pos, StandardCharsets.US_ASCII);
      int size = Integer.parseInt(header.split(";", 2)[0].trim(), 16);
      pos = lineEnd + 2;
      if (size == 0) {
        return out.toByteArray();
      }
      out.write(raw, pos, size);
      pos += size + 2;
    }
  }

  private static int indexOf(byte[] raw, int from) {
    for (int i = from; i + 1 < raw.length; i++) {
      if (raw[i] == '\r' && raw[i + 1] == '\n') {
        return i;
      }
    }
    throw new IllegalArgumentException("no CRLF after " + from);
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** From now on every task shows {@code steps} (the last one again and again). */
  void rescript(List<Step> steps) {
    tasksById.values().forEach(task -> {
      task.steps.clear();
      task.steps.addAll(steps);
    });
  }

  /** Objects under {@code bucket/prefix}, key -> body, sorted. */
  Map<String, byte[]> objectsUnder(String bucketAndPrefix) {
    Map<String, byte[]> out = new LinkedHashMap<>();
    objects.keySet().stream().filter(k -> k.startsWith(bucketAndPrefix)).sorted()
        .forEach(k -> out.put(k.substring(bucketAndPrefix.length()), objects.get(k).body()));
    return out;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
