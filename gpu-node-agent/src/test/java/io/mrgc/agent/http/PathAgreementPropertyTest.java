package io.mrgc.agent.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.common.CanonicalPath;
import io.mrgc.router.proxy.RequestModel;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.net.RFC3986;
import io.vertx.ext.web.Router;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Issue #10, finding 1, as a property: over generated request paths (dot segments, %2e %2f %5c, double encodings,
 * //, trailing /, unicode, mixed-case encodings, ;params, queries), the model the router authorizes is always the
 * model the agent runs, and every path the router admits is canonical.
 *
 * <p>Each generated request goes over a real socket to one Vert.x server that first takes the router's decision on
 * the request as Vert.x parsed it (the router's own code: {@link CanonicalPath} as its gate applies it, then
 * {@link RequestModel}; an admitted request carries the authorized model in {@code x-mrgc-model}, as the router
 * forwards it) and then hands the request to a vertx-web router with the agent's real path guard and real inference
 * routes ({@link HttpApi#guardPaths}, {@link HttpApi#mountInference}). Behind each gated route a probe answers with
 * the model the agent's handlers would run ({@link Envelopes#requestedModel}: the path's {@code :model}, else the
 * header). Without the canonical check, {@code /v2/models/A/../B/infer} with {@code x-mrgc-model: A} is a
 * counterexample: the router authorizes A and the agent resolves B.
 */
class PathAgreementPropertyTest {
  private static final String ROUTER_VERDICT = "x-test-router-verdict";
  private static final String RESOLVED = "x-test-agent-model";
  private static final String URI_SEEN = "x-test-uri-base64";
  private static Vertx vertx;
  private static HttpServer server;

  @BeforeContainer
  static void start() throws Exception {
    vertx = Vertx.vertx();
    Router agent = Router.router(vertx);
    agent.route().handler(ctx -> {
      ctx.put(Requests.REQUEST_ID, "prop");
      ctx.next();
    });
    HttpApi.guardPaths(agent);
    Envelopes envelopes = new Envelopes(null, null);
    HttpApi.mountInference(agent, route -> route.handler(ctx -> ctx.response()
            .putHeader(RESOLVED, String.valueOf(Envelopes.requestedModel(ctx))).end()),
        new EmbeddingsHandler(new ServedModels(), 1, envelopes), new OipHandlers(new ServedModels(), envelopes));
    server = vertx.createHttpServer().requestHandler(request -> {
      request.response().putHeader(URI_SEEN, Base64.getEncoder()
          .encodeToString(request.uri().getBytes(StandardCharsets.UTF_8)));
      request.response().putHeader(ROUTER_VERDICT, routerDecision(request));
      agent.handle(request);
    });
    server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @AfterContainer
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /**
   * What the router's tenant gate decides from the path and the model header: "refused" or "model=<m>"; an admitted
   * request is then sent on with {@code x-mrgc-model} set to the authorized model, as the router forwards it.
   */
  private static String routerDecision(HttpServerRequest request) {
    if (CanonicalPath.problem(request.uri()) != null) {
      return "refused";
    }
    RequestModel requested = RequestModel.of(request.path(), request.getHeader("x-mrgc-model"));
    if (requested.mismatch() != null) {
      return "refused";
    }
    request.headers().remove("x-mrgc-model");
    if (requested.model() != null) {
      request.headers().set("x-mrgc-model", requested.model());
    }
    return "model=" + requested.model();
  }

  @Property
  void theModelTheRouterAuthorizesIsTheModelTheAgentRuns(@ForAll("paths") String path,
      @ForAll("modelHeaders") String header) throws IOException {
    Answer answer = post(path, header);
    Statistics.label("outcome").collect(answer.routerVerdict == null ? "refused by HTTP parsing"
        : answer.routerVerdict.equals("refused") ? "refused by the router"
        : answer.resolved == null ? "admitted, no inference route" : "admitted, model resolved");
    if (answer.routerVerdict == null) {
      return; // Vert.x refused the request line itself (e.g. a space): neither component ran anything
    }
    if (answer.routerVerdict.equals("refused")) {
      if (!CanonicalPath.isCanonical(answer.uriSeen)) {
        // Defense in depth: the agent refuses what the router refuses, before any route.
        assertThat(answer.status).as(path).isEqualTo(400);
        assertThat(answer.resolved).isNull();
      }
      return;
    }
    // Admitted: the path is canonical, a fixed point of what vertx-web does before routing.
    assertThat(RFC3986.normalizePath(answer.uriSeen)).isEqualTo(answer.uriSeen);
    String authorized = answer.routerVerdict.substring("model=".length());
    if (answer.resolved != null) {
      assertThat(answer.resolved).as("%s with x-mrgc-model %s", path, header).isEqualTo(authorized);
    }
  }

  @Provide
  Arbitrary<String> paths() {
    Arbitrary<String> prefix = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just("/v2/models/")),
        Tuple.of(1, Arbitraries.of("/v1/", "/v2/", "/", "/V2/models/", "//v2/models/")));
    Arbitrary<String> clean = Arbitraries.of("A", "B", "a", "infer", "embeddings", "versions", "1", "ready",
        "models", "v2", "...", "a.b", "~");
    Arbitrary<String> tricky = Arbitraries.of(".", "..", "", "%2e", "%2E", "%2e%2e", "%2E%2e", ".%2e", "%2f", "%2F",
        "%5c", "%5C", "%252e", "%252f", "%25", "%41", "%42", "%6d", "\\", "..\\", ";x=1", "A;v=2", "\u00e9",
        "\uff21", "%c3%a9", "?q=1", "#f", "%00", "\t", "A%20", "+", ":", "@", "B/");
    // Mostly clean segments, so that many paths are admitted and the agreement is checked, not only the refusals.
    Arbitrary<String> piece = Arbitraries.frequencyOf(Tuple.of(6, clean), Tuple.of(1, tricky));
    Arbitrary<String> tail = piece.list().ofMinSize(1).ofMaxSize(3).map(parts -> String.join("/", parts));
    return Combinators.combine(prefix, tail, Arbitraries.of("", "/infer", "/infer", "/versions/1/infer", "/"))
        .as((p, t, s) -> p + t + s);
  }

  @Provide
  Arbitrary<String> modelHeaders() {
    return Arbitraries.frequency(Tuple.of(3, ""), Tuple.of(1, "A"), Tuple.of(1, "B"), Tuple.of(1, "a"));
  }

  /** What came back: the router's verdict, the URI Vert.x parsed, the agent's status and resolved model. */
  private record Answer(int status, String routerVerdict, String uriSeen, String resolved) {}

  private static Answer post(String path, String header) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", server.actualPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST ").getBytes(StandardCharsets.US_ASCII));
      out.write(path.getBytes(StandardCharsets.UTF_8));
      out.write((" HTTP/1.1\r\nHost: agent\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
          + (header.isEmpty() ? "" : "x-mrgc-model: " + header + "\r\n")
          + "Connection: close\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return parse(readAll(socket.getInputStream()));
    }
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] buffer = new byte[4096];
    try {
      for (int n; (n = in.read(buffer)) > 0; ) {
        bytes.write(buffer, 0, n);
      }
    } catch (java.net.SocketException reset) {
      // the agent closes after refusing a request with a body; what arrived before is the answer
    }
    return bytes.toString(StandardCharsets.ISO_8859_1);
  }

  private static Answer parse(String response) {
    List<String> lines = List.of(response.split("\r\n"));
    int status = lines.isEmpty() || lines.get(0).length() < 12 ? -1 : Integer.parseInt(lines.get(0).substring(9, 12));
    String verdict = null;
    String resolved = null;
    String uri = null;
    for (String line : lines) {
      if (line.isEmpty()) {
        break;
      }
      String lower = line.toLowerCase(Locale.ROOT);
      if (lower.startsWith(ROUTER_VERDICT + ":")) {
        verdict = line.substring(ROUTER_VERDICT.length() + 1).trim();
      } else if (lower.startsWith(URI_SEEN + ":")) {
        uri = new String(Base64.getDecoder().decode(line.substring(URI_SEEN.length() + 1).trim()),
            StandardCharsets.UTF_8);
      } else if (lower.startsWith(RESOLVED + ":")) {
        resolved = line.substring(RESOLVED.length() + 1).trim();
      }
    }
    return new Answer(status, verdict, uri, resolved);
  }
}
