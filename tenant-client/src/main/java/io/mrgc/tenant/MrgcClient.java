package io.mrgc.tenant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mrgc.wire.Headers;
import io.mrgc.wire.MediaTypes;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.wire.envelope.EnvelopeHeader;
import io.mrgc.wire.envelope.TenantEnvelopes;
import io.mrgc.wire.keys.DataKeySource;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The tenant SDK: seals each request under a KMS data key (reused within {@link DataKeyReuse} bounds), sends it to an
 * MRGC endpoint (an anycast address or a PrivateLink DNS name), and opens the sealed answer. Only an attested enclave
 * can unwrap the data key on the other side. Requests the service did not serve are retried in new envelopes within a
 * {@link RetryPolicy}. Thread-safe; one instance per tenant and endpoint.
 *
 * <p>Endpoints are {@code https://} (TLS 1.2 or 1.3, host name checked against the certificate; the JVM's CAs are
 * trusted unless {@link Builder#caCertificate} names a private CA); {@code http://} sends the API key in cleartext and
 * is only for a local cluster started with {@code --plaintext-http}.
 *
 * <pre>{@code
 * try (MrgcClient client = MrgcClient.builder()
 *     .endpoint(URI.create("https://127.0.1.1:8080")).caCertificate(Path.of(".mrgc/tls/ca.pem"))
 *     .tenant("acme").apiKey(key)
 *     .kmsKeyId("local:acme:1").dataKeySource(keyRing).build()) {
 *   List<float[]> vectors = client.embed("all-minilm-l6-v2", List.of("The cat sits on the mat")).vectors();
 * }
 * }</pre>
 */
public final class MrgcClient implements AutoCloseable {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI endpoint;
  private final String tenant;
  private final String apiKey;
  private final Duration timeout;
  private final ReusableDataKey dataKey;
  private final RetryPolicy retries;
  private final RetryTimer timer;
  private final TenantEnvelopes envelopes = new TenantEnvelopes();
  private final HttpClient http;

  private MrgcClient(Builder b) {
    this.endpoint = Objects.requireNonNull(b.endpoint, "endpoint must be set");
    if (!"https".equalsIgnoreCase(endpoint.getScheme()) && !"http".equalsIgnoreCase(endpoint.getScheme())) {
      throw new IllegalArgumentException("endpoint must be an https:// URL (or http:// for a local cluster serving "
          + "plaintext), but was " + endpoint);
    }
    this.tenant = requireText("tenant", b.tenant);
    this.apiKey = requireText("apiKey", b.apiKey);
    this.timeout = b.timeout;
    this.retries = b.retries;
    this.timer = b.timer;
    this.dataKey = new ReusableDataKey(Objects.requireNonNull(b.dataKeySource, "dataKeySource must be set"),
        requireText("kmsKeyId", b.kmsKeyId), tenant, b.reuse, b.clock);
    HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
        .sslParameters(TrustedCa.parameters());
    if (b.caCertificate != null) {
      http.sslContext(TrustedCa.context(b.caCertificate));
    }
    this.http = http.build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Embeddings of {@code inputs} (OpenAI {@code /v1/embeddings}), decrypted. */
  public Embeddings embed(String model, List<String> inputs) {
    ObjectNode body = JSON.createObjectNode().put("model", model);
    ArrayNode input = body.putArray("input");
    inputs.forEach(input::add);
    JsonNode answer = call("/v1/embeddings", model, body);
    List<float[]> vectors = new ArrayList<>();
    for (JsonNode item : answer.path("data")) {
      JsonNode values = item.path("embedding");
      float[] vector = new float[values.size()];
      for (int i = 0; i < vector.length; i++) {
        vector[i] = (float) values.get(i).asDouble();
      }
      vectors.add(vector);
    }
    return new Embeddings(answer.path("model").asText(model), vectors, answer.path("usage").path("prompt_tokens").asInt());
  }

  /**
   * Any inference API: seals {@code body} for {@code path} and {@code model}, and returns the opened JSON answer.
   * Inference is stateless, so a call the service could not serve (no connection, 502, 503, 504, or 429 with a short
   * {@code Retry-After}) is retried within the {@link RetryPolicy}, each attempt in a new envelope with its own
   * request id ({@code <call id>.<attempt>}) and IV.
   *
   * @throws MrgcException a typed error for every refusal (the message is the service's), with the last attempt's
   *     request id and {@link MrgcException#attempts()}
   */
  public JsonNode call(String path, String model, JsonNode body) {
    byte[] plaintext;
    try {
      plaintext = JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalArgumentException("the request body is not serializable JSON", e);
    }
    String callId = UUID.randomUUID().toString();
    long start = timer.nanoTime();
    List<MrgcException> earlier = new ArrayList<>();
    try {
      for (int attempt = 1; ; attempt++) {
        Attempt result = attempt(path, model, callId + "." + attempt, plaintext);
        if (result.answer() != null) {
          return result.answer();
        }
        long wait = result.retryable()
            ? retries.nextWaitNanos(attempt, result.retryAfterNanos(), timer.nanoTime() - start, timer.jitter())
            : -1;
        if (wait < 0) {
          earlier.forEach(result.failure()::addSuppressed);
          throw result.failure().afterAttempts(attempt);
        }
        earlier.add(result.failure());
        timer.sleep(wait);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MrgcException.Unavailable("interrupted while waiting for " + endpoint, e);
    } finally {
      Arrays.fill(plaintext, (byte) 0);
    }
  }

  /** One attempt's outcome: the opened answer, or a failure, retryable or not (with the 429's Retry-After). */
  private record Attempt(JsonNode answer, MrgcException failure, boolean retryable, long retryAfterNanos) {
    static Attempt failed(MrgcException failure, boolean retryable) {
      return new Attempt(null, failure, retryable, -1);
    }
  }

  /** Seals {@code plaintext} anew (its own data-key lease, request id and IV), sends it and reads the answer. */
  private Attempt attempt(String path, String model, String requestId, byte[] plaintext) throws InterruptedException {
    try (ReusableDataKey.Lease key = dataKey.lease()) {
      TenantEnvelopes.SealedRequest sealed = seal(key, model, path, requestId, plaintext);
      HttpResponse<byte[]> response;
      try {
        response = send(path, model, requestId, sealed.envelope());
      } catch (SSLException e) {
        return Attempt.failed(new MrgcException.TlsFailure("no TLS session with " + endpoint + ": " + e.getMessage()
            + "; if its certificate is from a private CA (mrgc up: .mrgc/tls/ca.pem), trust that CA "
            + "(caCertificate, --ca-cert or MRGC_CA_CERT)", requestId, e), false);
      } catch (IOException e) {
        return Attempt.failed(new MrgcException.Unavailable("no answer from " + endpoint + ": " + e, requestId, e),
            true);
      }
      int status = response.statusCode();
      String type = response.headers().firstValue("content-type").orElse("");
      JsonNode answer;
      if (type.startsWith(MediaTypes.ENVELOPE)) {
        byte[] opened = envelopes.openResponse(key.key(), sealed.binding(), response.body());
        try {
          answer = JSON.readTree(opened);
        } catch (IOException e) {
          return Attempt.failed(new MrgcException.Unavailable(status, "invalid_answer", "the sealed answer is not JSON",
              requestId), false);
        } finally {
          Arrays.fill(opened, (byte) 0);
        }
      } else {
        answer = parseOrNull(response.body());
      }
      if (status != 200) {
        int retryAfter = response.headers().firstValue("retry-after").map(MrgcClient::seconds).orElse(-1);
        MrgcException error = error(status, answer, requestId, retryAfter);
        if (status == 429) {
          // waited out only when it says how long; the policy refuses one longer than its maxBackoff
          boolean wait = error.retryable() && retryAfter >= 0;
          return new Attempt(null, error, wait, TimeUnit.SECONDS.toNanos(retryAfter));
        }
        return Attempt.failed(error, error.retryable());
      }
      if (!type.startsWith(MediaTypes.ENVELOPE)) {
        return Attempt.failed(new MrgcException.IntegrityFailure(
            "the answer was not sealed: refusing an unencrypted answer", null), false);
      }
      return new Attempt(answer, null, false, -1);
    } catch (EnclaveException e) {
      if (e.code() == EnclaveErrorCode.AEAD_FAILURE || e.code() == EnclaveErrorCode.MALFORMED) {
        return Attempt.failed(new MrgcException.IntegrityFailure(
            "the sealed answer did not open under this request's key", e), false);
      }
      return Attempt.failed(new MrgcException.Unavailable("could not get a data key from KMS: " + e.getMessage(), e),
          false);
    }
  }

  /** Seals the request; one that cannot be sealed (a bad model name, too large) is the caller's to fix. */
  private TenantEnvelopes.SealedRequest seal(ReusableDataKey.Lease key, String model, String path, String requestId,
      byte[] plaintext) throws EnclaveException {
    try {
      return envelopes.sealRequest(key.key(), key.edk(), new EnvelopeHeader(tenant, key.keyId(), model, path,
          requestId), plaintext);
    } catch (EnclaveException e) {
      if (e.code() == EnclaveErrorCode.MALFORMED) {
        throw new IllegalArgumentException("cannot seal this request: " + e.getMessage(), e);
      }
      throw e;
    }
  }

  private HttpResponse<byte[]> send(String path, String model, String requestId, byte[] envelope)
      throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(endpoint.resolve(path))
        .timeout(timeout)
        .header("content-type", MediaTypes.ENVELOPE)
        .header("authorization", "Bearer " + apiKey)
        .header(Headers.MODEL, model)
        .header(Headers.REQUEST_ID, requestId)
        .POST(HttpRequest.BodyPublishers.ofByteArray(envelope))
        .build();
    return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
  }

  private static MrgcException error(int status, JsonNode body, String requestId, int retryAfterSeconds) {
    JsonNode error = body == null ? null : body.path("error");
    String code = error == null || error.isMissingNode() ? "http_" + status : error.path("code").asText();
    String message = error == null || error.isMissingNode() ? "no error details" : error.path("message").asText();
    return MrgcException.of(status, code, message, requestId, retryAfterSeconds);
  }

  private static JsonNode parseOrNull(byte[] body) {
    try {
      return body.length == 0 ? null : JSON.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }

  /** Retry-After in whole seconds; -1 when it is not that (an HTTP date, garbage). */
  private static int seconds(String value) {
    try {
      int seconds = Integer.parseInt(value.trim());
      return seconds >= 0 ? seconds : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** KMS GenerateDataKey calls this client made (the rest reused a data key). */
  public long kmsCalls() {
    return dataKey.kmsCalls();
  }

  @Override
  public void close() {
    dataKey.close();
  }

  private static String requireText(String name, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must be set");
    }
    return value;
  }

  /** Time, sleep and randomness for retries; tests replace it. */
  interface RetryTimer {
    RetryTimer SYSTEM = new RetryTimer() {
      @Override
      public long nanoTime() {
        return System.nanoTime();
      }

      @Override
      public void sleep(long nanos) throws InterruptedException {
        TimeUnit.NANOSECONDS.sleep(nanos);
      }

      @Override
      public double jitter() {
        return ThreadLocalRandom.current().nextDouble();
      }
    };

    long nanoTime();

    void sleep(long nanos) throws InterruptedException;

    /** A random number in [0, 1). */
    double jitter();
  }

  /** Decrypted embeddings: one vector per input, in input order. */
  public record Embeddings(String model, List<float[]> vectors, int promptTokens) {}

  /** Settings; {@link #build()} checks them. */
  public static final class Builder {
    private URI endpoint;
    private String tenant;
    private String apiKey;
    private String kmsKeyId;
    private DataKeySource dataKeySource;
    private DataKeyReuse reuse = DataKeyReuse.defaults();
    private Duration timeout = DEFAULT_TIMEOUT;
    private Clock clock = Clock.systemUTC();
    private RetryPolicy retries = RetryPolicy.defaults();
    private RetryTimer timer = RetryTimer.SYSTEM;
    private Path caCertificate;

    /**
     * An anycast address ({@code https://127.0.1.1:8080} locally) or a PrivateLink DNS name; {@code https://} unless
     * the cluster serves plaintext HTTP ({@code mrgc up --plaintext-http}, NOT SECURE).
     */
    public Builder endpoint(URI endpoint) {
      this.endpoint = endpoint;
      return this;
    }

    public Builder tenant(String tenant) {
      this.tenant = tenant;
      return this;
    }

    public Builder apiKey(String apiKey) {
      this.apiKey = apiKey;
      return this;
    }

    /** The tenant's KMS key (an ARN in AWS, {@code local:<tenant>:<n>} with the local key ring). */
    public Builder kmsKeyId(String kmsKeyId) {
      this.kmsKeyId = kmsKeyId;
      return this;
    }

    /** {@link KmsDataKeys} in AWS, {@code LocalKeyRing} against {@code mrgc up}. */
    public Builder dataKeySource(DataKeySource dataKeySource) {
      this.dataKeySource = dataKeySource;
      return this;
    }

    public Builder dataKeyReuse(DataKeyReuse reuse) {
      this.reuse = Objects.requireNonNull(reuse, "dataKeyReuse must be set");
      return this;
    }

    public Builder timeout(Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive, but was " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * How requests the service could not serve are retried ({@link RetryPolicy#defaults()}: 3 attempts within 10 s;
     * {@link RetryPolicy#none()}: never). {@link #timeout} bounds each attempt.
     */
    public Builder retries(RetryPolicy retries) {
      this.retries = Objects.requireNonNull(retries, "retries must be set");
      return this;
    }

    Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    Builder retryTimer(RetryTimer timer) {
      this.timer = timer;
      return this;
    }

    /**
     * Trust only the CA certificate(s) in this PEM file for the endpoint's TLS certificate (a private CA, e.g.
     * {@code .mrgc/tls/ca.pem} made by {@code mrgc up}); without it the JVM's CAs are trusted. Read at
     * {@link #build()}, which names the file if it is missing or holds no PEM certificate.
     */
    public Builder caCertificate(Path caCertificate) {
      this.caCertificate = caCertificate;
      return this;
    }

    public MrgcClient build() {
      return new MrgcClient(this);
    }
  }
}
