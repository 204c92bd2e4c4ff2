package io.mrgc.autoscaler.fleet.container;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mrgc.common.Check;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A minimal client of the Docker Engine API (as podman's Docker-compatible service serves it) over a Unix domain
 * socket, with the JDK alone: one HTTP/1.1 request per connection ({@code Connection: close}), request bodies with
 * Content-Length, responses with Content-Length, chunked transfer encoding or read to the end. Bounded: every call has
 * a deadline (connect, write and read together) and a response larger than {@code maxResponseBytes} is refused.
 * Only what {@link ContainerFleet} needs. Blocking: call it from a worker thread, never from an event loop.
 *
 * <p>Errors: an engine answer of 400 or more becomes an {@link EngineException} with the status and the engine's own
 * {@code message}; a socket that does not answer in time, or an answer that is not HTTP, is an EngineException with
 * status 0.
 */
public final class EngineApi {
  /** The API version in every path; podman 4 serves 1.40 and 1.41. */
  public static final String VERSION = "v1.41";
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_RESPONSE_BYTES = 8 << 20;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_HEADER_BYTES = 64 << 10;

  private final Path socket;
  private final Duration timeout;
  private final int maxResponseBytes;

  /**
   * @param socket the engine's Unix socket (e.g. /run/podman-api.sock)
   * @param timeout the deadline of one call without a stop grace (a stop call gets its grace on top)
   * @param maxResponseBytes the largest response body accepted
   */
  public EngineApi(Path socket, Duration timeout, int maxResponseBytes) {
    this.socket = Check.notNull("socket", socket);
    this.timeout = Check.positive("timeout", timeout);
    this.maxResponseBytes = Check.between("maxResponseBytes", maxResponseBytes, 1024, 1 << 30);
  }

  public EngineApi(Path socket) {
    this(socket, DEFAULT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES);
  }

  public Path socket() {
    return socket;
  }

  /** One HTTP response: its status, headers in lower case, and body. */
  public record Response(int status, Map<String, String> headers, byte[] body) {
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** An engine call that failed: the HTTP status (0: no answer) and the engine's message. */
  public static final class EngineException extends RuntimeException {
    private final int status;
    private final String engineMessage;

    public EngineException(String operation, int status, String engineMessage, Throwable cause) {
      super(operation + ": " + (status == 0 ? "" : "HTTP " + status + ": ") + engineMessage, cause);
      this.status = status;
      this.engineMessage = engineMessage;
    }

    public int status() {
      return status;
    }

    public String engineMessage() {
      return engineMessage;
    }
  }

  // ---- the calls the fleet needs ----

  /** {@code GET /_ping}: "OK" when the engine answers. */
  public String ping() {
    return expect("ping", call("GET", "/_ping", null, timeout), 200).text().trim();
  }

  /** Whether the engine has this image locally ({@code GET /images/{name}/json}: 200 or 404). */
  public boolean imageExists(String image) {
    return found("inspect image " + image, "GET", "/images/" + enc(image) + "/json", 200);
  }

  /** Whether the engine has this network ({@code GET /networks/{name}}: 200 or 404). */
  public boolean networkExists(String network) {
    return found("inspect network " + network, "GET", "/networks/" + enc(network), 200);
  }

  /** {@code POST /containers/create?name=}; returns the new container's id. */
  public String createContainer(String name, ObjectNode spec) {
    Response r = expect("create container " + name,
        call("POST", "/containers/create?name=" + enc(name), spec, timeout), 201, 200);
    return json(r).path("Id").asText();
  }

  /** {@code POST /containers/{id}/start} (a container already running is fine). */
  public void start(String container) {
    expect("start " + container, call("POST", "/containers/" + enc(container) + "/start", null, timeout), 204, 304);
  }

  /** {@code POST /containers/{id}/stop?t=}: SIGTERM (the image's stop signal), SIGKILL after {@code grace}. */
  public void stop(String container, Duration grace) {
    long seconds = Math.max(0, (grace.toMillis() + 999) / 1000);
    expect("stop " + container, call("POST", "/containers/" + enc(container) + "/stop?t=" + seconds, null,
        timeout.plus(Duration.ofSeconds(seconds))), 204, 304);
  }

  /** {@code POST /containers/{id}/kill?signal=}. */
  public void kill(String container, String signal) {
    expect("kill " + container, call("POST", "/containers/" + enc(container) + "/kill?signal=" + enc(signal), null,
        timeout), 204);
  }

  /** {@code DELETE /containers/{id}?force=true&v=true}; false when there was no such container. */
  public boolean remove(String container) {
    return found("remove " + container, "DELETE", "/containers/" + enc(container) + "?force=true&v=true", 204, 200);
  }

  /** {@code GET /containers/json?all=true&filters=} with every label given as {@code key=value}. */
  public List<JsonNode> list(Map<String, String> labels) {
    Response r = expect("list containers", call("GET", "/containers/json?all=true&filters=" + labelFilter(labels),
        null, timeout), 200);
    List<JsonNode> out = new ArrayList<>();
    json(r).forEach(out::add);
    return out;
  }

  /** {@code GET /containers/{id}/json}; empty when there is no such container. */
  public Optional<JsonNode> inspect(String container) {
    Response r = call("GET", "/containers/" + enc(container) + "/json", null, timeout);
    if (r.status() == 404) {
      return Optional.empty();
    }
    return Optional.of(json(expect("inspect " + container, r, 200)));
  }

  /** {@code POST /volumes/create} with labels and the local driver's options (e.g. {@code o=uid=10001,gid=10001}). */
  public void createVolume(String name, Map<String, String> labels, Map<String, String> driverOptions) {
    ObjectNode body = JSON.createObjectNode().put("Name", name).put("Driver", "local");
    ObjectNode l = body.putObject("Labels");
    labels.forEach(l::put);
    ObjectNode o = body.putObject("DriverOpts");
    driverOptions.forEach(o::put);
    expect("create volume " + name, call("POST", "/volumes/create", body, timeout), 201, 200);
  }

  /** {@code DELETE /volumes/{name}?force=true}; false when there was no such volume. */
  public boolean removeVolume(String name) {
    return found("remove volume " + name, "DELETE", "/volumes/" + enc(name) + "?force=true", 204, 200);
  }

  /** {@code GET /volumes?filters=} by labels: the volumes' names. */
  public List<String> volumes(Map<String, String> labels) {
    Response r = expect("list volumes", call("GET", "/volumes?filters=" + labelFilter(labels), null, timeout), 200);
    List<String> out = new ArrayList<>();
    json(r).path("Volumes").forEach(v -> out.add(v.path("Name").asText()));
    return out;
  }

  // ---- HTTP over the socket ----

  /** One request; any status comes back (only a transport failure throws). {@code body} null: no body. */
  public Response call(String method, String path, JsonNode body, Duration deadline) {
    String operation = method + " " + path;
    byte[] payload = body == null ? new byte[0] : body.toString().getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder()
        .append(method).append(' ').append('/').append(VERSION).append(path).append(" HTTP/1.1\r\n")
        .append("Host: docker\r\n")
        .append("User-Agent: mrgc-autoscaler\r\n")
        .append("Accept: application/json\r\n")
        .append("Connection: close\r\n");
    if (body != null) {
      head.append("Content-Type: application/json\r\n");
    }
    if (body != null || !method.equals("GET")) {
      head.append("Content-Length: ").append(payload.length).append("\r\n");
    }
    head.append("\r\n");
    long until = System.nanoTime() + deadline.toNanos();
    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
         Selector selector = Selector.open()) {
      channel.configureBlocking(false);
      Io io = new Io(channel, selector, until, operation);
      io.write(ByteBuffer.wrap(head.toString().getBytes(StandardCharsets.ISO_8859_1)));
      io.write(ByteBuffer.wrap(payload));
      return readResponse(io, maxResponseBytes, operation);
    } catch (IOException e) {
      throw new EngineException(operation, 0, "engine socket " + socket + ": " + e, e);
    }
  }

  /** Reads one HTTP/1.1 response from {@code in}; package-private for the parser's tests. */
  static Response readResponse(Source in, int maxBody, String operation) throws IOException {
    String status = in.line(MAX_HEADER_BYTES);
    String[] parts = status.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new EngineException(operation, 0, "not an HTTP response: '" + abbreviate(status) + "'", null);
    }
    int code;
    try {
      code = Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new EngineException(operation, 0, "not an HTTP status: '" + abbreviate(status) + "'", null);
    }
    Map<String, String> headers = new java.util.LinkedHashMap<>();
    int headerBytes = status.length();
    for (String line = in.line(MAX_HEADER_BYTES); !line.isEmpty(); line = in.line(MAX_HEADER_BYTES)) {
      headerBytes += line.length();
      if (headerBytes > MAX_HEADER_BYTES) {
        throw new EngineException(operation, 0, "response headers over " + MAX_HEADER_BYTES + " bytes", null);
      }
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.merge(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim(),
            (a, b) -> a + ", " + b);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String te = headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT);
    if (code == 204 || code == 304 || code / 100 == 1) {
      // no body
    } else if (te.contains("chunked")) {
      while (true) {
        String sizeLine = in.line(1024);
        int semi = sizeLine.indexOf(';');
        long size;
        try {
          size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
        } catch (NumberFormatException e) {
          throw new EngineException(operation, 0, "bad chunk size '" + abbreviate(sizeLine) + "'", null);
        }
        if (size == 0) {
          while (!in.line(MAX_HEADER_BYTES).isEmpty()) {
            // trailers, ignored
          }
          break;
        }
        if (out.size() + size > maxBody) {
          throw tooLarge(operation, maxBody);
        }
        in.copy(out, (int) size);
        if (!in.line(16).isEmpty()) {
          throw new EngineException(operation, 0, "chunk not followed by CRLF", null);
        }
      }
    } else if (headers.containsKey("content-length")) {
      long length;
      try {
        length = Long.parseLong(headers.get("content-length"));
      } catch (NumberFormatException e) {
        throw new EngineException(operation, 0, "bad Content-Length '" + headers.get("content-length") + "'", null);
      }
      if (length > maxBody) {
        throw tooLarge(operation, maxBody);
      }
      in.copy(out, (int) length);
    } else {
      in.copyToEnd(out, maxBody, () -> tooLarge(operation, maxBody));
    }
    return new Response(code, headers, out.toByteArray());
  }

  private static EngineException tooLarge(String operation, int maxBody) {
    return new EngineException(operation, 0, "response body over " + maxBody + " bytes", null);
  }

  /** The bytes of a response, read with a bound. */
  interface Source {
    /** One line without its CRLF (or LF); at most {@code max} bytes. */
    String line(int max) throws IOException;

    void copy(ByteArrayOutputStream out, int n) throws IOException;

    void copyToEnd(ByteArrayOutputStream out, int max, java.util.function.Supplier<EngineException> tooLarge)
        throws IOException;
  }

  /** Non-blocking channel I/O against one deadline. */
  private static final class Io implements Source {
    private final SocketChannel channel;
    private final Selector selector;
    private final long until;
    private final String operation;
    private final ByteBuffer buffer = ByteBuffer.allocate(16 << 10).flip();
    private boolean eof;

    Io(SocketChannel channel, Selector selector, long until, String operation) throws IOException {
      this.channel = channel;
      this.selector = selector;
      this.until = until;
      this.operation = operation;
      channel.register(selector, 0);
    }

    void write(ByteBuffer data) throws IOException {
      while (data.hasRemaining()) {
        if (channel.write(data) == 0) {
          await(SelectionKey.OP_WRITE);
        }
      }
    }

    private void await(int ops) throws IOException {
      long left = until - System.nanoTime();
      if (left <= 0) {
        throw new EngineException(operation, 0, "no answer from the engine in time", null);
      }
      channel.keyFor(selector).interestOps(ops);
      selector.select(Math.max(1, left / 1_000_000));
      selector.selectedKeys().clear();
    }

    /** More bytes in the buffer; false at the end of the stream. */
    private boolean fill() throws IOException {
      if (eof) {
        return false;
      }
      buffer.compact();
      try {
        while (true) {
          int n = channel.read(buffer);
          if (n > 0) {
            return true;
          }
          if (n < 0) {
            eof = true;
            return false;
          }
          await(SelectionKey.OP_READ);
        }
      } finally {
        buffer.flip();
      }
    }

    @Override
    public String line(int max) throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      while (true) {
        if (!buffer.hasRemaining() && !fill()) {
          throw new EngineException(operation, 0, "the engine closed the connection mid-response", null);
        }
        byte b = buffer.get();
        if (b == '\n') {
          byte[] bytes = line.toByteArray();
          int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
          return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
        }
        if (line.size() >= max) {
          throw new EngineException(operation, 0, "response line over " + max + " bytes", null);
        }
        line.write(b);
      }
    }

    @Override
    public void copy(ByteArrayOutputStream out, int n) throws IOException {
      int left = n;
      while (left > 0) {
        if (!buffer.hasRemaining() && !fill()) {
          throw new EngineException(operation, 0, "the engine closed the connection mid-response", null);
        }
        int take = Math.min(left, buffer.remaining());
        out.write(buffer.array(), buffer.arrayOffset() + buffer.position(), take);
        buffer.position(buffer.position() + take);
        left -= take;
      }
    }

    @Override
    public void copyToEnd(ByteArrayOutputStream out, int max, java.util.function.Supplier<EngineException> tooLarge)
        throws IOException {
      while (buffer.hasRemaining() || fill()) {
        if (out.size() + buffer.remaining() > max) {
          throw tooLarge.get();
        }
        copy(out, buffer.remaining());
      }
    }
  }

  // ---- helpers ----

  /** A call whose 404 means "no such thing" (false) and whose {@code ok} statuses mean true. */
  private boolean found(String operation, String method, String path, int... ok) {
    Response r = call(method, path, null, timeout);
    if (r.status() == 404) {
      return false;
    }
    expect(operation, r, ok);
    return true;
  }

  /** The {@code filters} query value selecting every label given as {@code key=value}, URL-encoded. */
  private static String labelFilter(Map<String, String> labels) {
    ObjectNode filters = JSON.createObjectNode();
    ArrayNode label = filters.putArray("label");
    labels.forEach((k, v) -> label.add(k + "=" + v));
    return enc(filters.toString());
  }

  private static Response expect(String operation, Response r, int... ok) {
    for (int status : ok) {
      if (r.status() == status) {
        return r;
      }
    }
    throw new EngineException(operation, r.status(), message(r), null);
  }

  /** The engine's {@code message} field, or the body as text (abbreviated). */
  static String message(Response r) {
    try {
      JsonNode node = JSON.readTree(r.body());
      if (node != null && node.hasNonNull("message")) {
        return node.get("message").asText();
      }
    } catch (IOException | RuntimeException e) {
      // not JSON: the text itself
    }
    String text = r.text().trim();
    return text.isEmpty() ? "(no message)" : abbreviate(text);
  }

  private static JsonNode json(Response r) {
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new EngineException("parse response", r.status(), "not JSON: " + abbreviate(r.text()), e);
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }

  private static String enc(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** A JSON object to build a create body with. */
  public static ObjectNode object() {
    return JSON.createObjectNode();
  }
}
