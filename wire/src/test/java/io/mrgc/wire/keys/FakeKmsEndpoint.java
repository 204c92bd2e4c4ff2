package io.mrgc.wire.keys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An in-test HTTP endpoint that answers like KMS (JSON 1.1, SigV4-signed POSTs), for contract tests of the real
 * SDK v2 KmsClient: the tenant SDK's GenerateDataKey and the enclave's Decrypt. It checks every request's envelope;
 * a test's handler checks the body and answers. {@link #close()} fails when something did not hold.
 */
public final class FakeKmsEndpoint implements AutoCloseable {
  public static final ObjectMapper JSON = new ObjectMapper();
  public static final String KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

  /** Checks one KMS request and answers it. */
  public interface Handler {
    void handle(HttpExchange ex, JsonNode body) throws Exception;
  }

  private final HttpServer server;
  private final AtomicReference<Handler> handler = new AtomicReference<>();
  private final List<String> problems = new ArrayList<>();

  public FakeKmsEndpoint() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", ex -> {
      try (ex) {
        byte[] in = ex.getRequestBody().readAllBytes();
        check(ex.getRequestMethod().equals("POST"), "method POST");
        check("application/x-amz-json-1.1".equals(ex.getRequestHeaders().getFirst("Content-Type")),
            "content type application/x-amz-json-1.1");
        check(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")).startsWith("AWS4-HMAC-SHA256"),
            "SigV4 signed");
        handler.get().handle(ex, JSON.readTree(in));
      } catch (Exception e) {
        synchronized (problems) {
          problems.add("handler failed: " + e);
        }
        respond(ex, 500, "{\"__type\":\"KMSInternalException\",\"message\":\"test handler failed\"}");
      }
    });
    server.start();
  }

  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  public void handle(Handler next) {
    handler.set(next);
  }

  /** Answers every request with this KMS error. */
  public void refuse(int status, String type) {
    handle((ex, body) -> respond(ex, status, "{\"__type\":\"" + type + "\",\"message\":\"test says no\"}"));
  }

  public List<String> problems() {
    synchronized (problems) {
      return List.copyOf(problems);
    }
  }

  public void check(boolean ok, String what) {
    if (!ok) {
      synchronized (problems) {
        problems.add("request check failed: " + what);
      }
    }
  }

  /** The KMS operation of a request ({@code TrentService.Decrypt}, ...). */
  public static String target(HttpExchange ex) {
    return ex.getRequestHeaders().getFirst("X-Amz-Target");
  }

  public static void respond(HttpExchange ex, int status, String body) {
    try {
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
      ex.getResponseHeaders().add("x-amzn-RequestId", "11111111-2222-3333-4444-555555555555");
      ex.sendResponseHeaders(status, b.length);
      ex.getResponseBody().write(b);
    } catch (IOException ignored) {
      // the client went away
    }
  }

  /** An address where nothing listens: KMS unreachable. */
  public static URI deadUri() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return URI.create("http://127.0.0.1:" + s.getLocalPort());
    }
  }

  public static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  /** Stops the endpoint; fails when a request did not look like the SDK's. */
  @Override
  public void close() {
    server.stop(0);
    List<String> seen = problems();
    if (!seen.isEmpty()) {
      throw new AssertionError("KMS requests did not hold: " + seen);
    }
  }
}
