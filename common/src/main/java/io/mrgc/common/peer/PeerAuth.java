package io.mrgc.common.peer;

import io.mrgc.wire.Headers;
import io.vertx.core.MultiMap;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The router/agent HMAC codec, one implementation for both sides.
 *
 * <p>Request: the router puts {@code x-mrgc-peer-auth}{@code : v1;<key id>;<epoch s>;<nonce>;<body sha256 | ->;<mac>} on the
 * forwarded request, the MAC (HMAC-SHA256, base64url) over the method, the request target as sent, the request id,
 * the tenant ({@code x-mrgc-tenant}), the model ({@code x-mrgc-model}, empty when absent), the timestamp, a fresh
 * random nonce, the body's SHA-256 ({@code -} when the router streams the body and signs none) and the key id, each
 * length-prefixed. The agent checks it before anything else ({@link #verify}): a known
 * key, the timestamp within the skew window, the MAC in constant time, the nonce not seen in the window. The nonce,
 * not the request id, is the replay key: request ids may come from clients and repeat.
 *
 * <p>Response: the agent answers {@code x-mrgc-peer-auth}{@code : v1;<key id>;<mac>} over the request's nonce, request id
 * and the response status, with the key the request used; the router checks it ({@link #verifyResponse}), so a
 * peer that holds no key cannot answer in an agent's place.
 */
public final class PeerAuth {
  private static final String VERSION = "v1";
  /** The body field when the router signed no body. */
  private static final String NO_BODY = "-";
  private static final byte[] REQUEST_DOMAIN = "mrgc-peer-request-v1".getBytes(StandardCharsets.UTF_8);
  private static final byte[] RESPONSE_DOMAIN = "mrgc-peer-response-v1".getBytes(StandardCharsets.UTF_8);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  /** What the router keeps of a request it signed, to check the answer. */
  public record Signed(String keyId, String nonce, String requestId) {}

  /**
   * A request that verified: what its answer is signed over, and the SHA-256 of the body the router signed
   * (base64url), or null when the router signed no body (it streamed it); check it with {@link #bodyMatches}.
   */
  public record Verified(String keyId, String nonce, String requestId, String bodySha256) {}

  private final PeerAuthOptions options;
  private final Clock clock;
  private final ReplayGuard replays;

  public PeerAuth(PeerAuthOptions options, Clock clock) {
    if (!options.enabled()) {
      throw new IllegalArgumentException("peer auth is off (PeerAuthOptions.none()): there is no key to sign with");
    }
    this.options = options;
    this.clock = clock;
    this.replays = new ReplayGuard(2 * options.maxClockSkew().toMillis(), options.maxRememberedNonces());
  }

  /** A codec on the system clock, or null when {@code options} turn peer authentication off. */
  public static PeerAuth orNull(PeerAuthOptions options) {
    return options == null || !options.enabled() ? null : new PeerAuth(options, Clock.systemUTC());
  }

  /**
   * Signs a request about to be forwarded: reads the request id, tenant and model from {@code headers} (set them
   * first) and puts {@code x-mrgc-peer-auth} there. Keep the result to check the answer. The body is not signed (the router
   * streams it); see {@link #sign(MultiMap, String, String, ByteBuffer)}.
   */
  public Signed sign(MultiMap headers, String method, String uri) {
    return sign(headers, method, uri, null);
  }

  /**
   * As above, with the SHA-256 of {@code body} (its remaining bytes, not consumed) in the signature, so the agent
   * refuses a body that is not the one the router read; for a router that has the whole body before dispatch.
   * {@code body} null: no body signed.
   */
  public Signed sign(MultiMap headers, String method, String uri, ByteBuffer body) {
    PeerKey key = options.current();
    String requestId = orEmpty(headers.get(Headers.REQUEST_ID));
    byte[] nonceBytes = new byte[16];
    RANDOM.nextBytes(nonceBytes);
    String nonce = B64.encodeToString(nonceBytes);
    String timestamp = Long.toString(clock.millis() / 1000);
    String digest = body == null ? NO_BODY : sha256(body);
    String mac = requestMac(key, method, uri, requestId, orEmpty(headers.get(Headers.TENANT)),
        orEmpty(headers.get(Headers.MODEL)), timestamp, nonce, digest);
    headers.set(Headers.PEER_AUTH, String.join(";", VERSION, key.id(), timestamp, nonce, digest, mac));
    return new Signed(key.id(), nonce, requestId);
  }

  /** Whether {@code body} (its remaining bytes, not consumed) is the one the router signed; true if it signed none. */
  public static boolean bodyMatches(Verified request, ByteBuffer body) {
    return request.bodySha256() == null || constantTimeEquals(request.bodySha256(),
        sha256(body == null ? ByteBuffer.allocate(0) : body));
  }

  /**
   * Checks a received request's signature (see the class comment); throws {@link PeerAuthException} (401) when it
   * is missing, malformed, signed with an unknown key, outside the clock-skew window, wrong, or a replay.
   */
  public Verified verify(MultiMap headers, String method, String uri) {
    String header = single(headers, Headers.PEER_AUTH);
    if (header == null) {
      throw new PeerAuthException(Headers.PEER_AUTH + " is missing");
    }
    String[] parts = header.split(";", -1);
    if (parts.length != 6 || !VERSION.equals(parts[0])) {
      throw new PeerAuthException(Headers.PEER_AUTH + " is malformed");
    }
    PeerKey key = options.key(parts[1]);
    if (key == null) {
      throw new PeerAuthException("signed with an unknown key");
    }
    long timestamp;
    try {
      timestamp = Long.parseLong(parts[2]);
    } catch (NumberFormatException e) {
      throw new PeerAuthException(Headers.PEER_AUTH + " is malformed");
    }
    long now = clock.millis();
    long skew = options.maxClockSkew().toMillis();
    // (range first: a huge timestamp would overflow into the window)
    if (timestamp < 0 || timestamp > Long.MAX_VALUE / 1000 || Math.abs(now - timestamp * 1000) > skew) {
      throw new PeerAuthException("the signature's time is outside the accepted clock skew of "
          + options.maxClockSkew().toSeconds() + " s");
    }
    String requestId = single(headers, Headers.REQUEST_ID);
    String expected = requestMac(key, method, uri, orEmpty(requestId), orEmpty(single(headers, Headers.TENANT)),
        orEmpty(single(headers, Headers.MODEL)), parts[2], parts[3], parts[4]);
    if (!constantTimeEquals(expected, parts[5])) {
      throw new PeerAuthException("the signature does not match the request");
    }
    replays.admit(parts[3], now);
    return new Verified(key.id(), parts[3], orEmpty(requestId), NO_BODY.equals(parts[4]) ? null : parts[4]);
  }

  /** Signs the answer to a verified request ({@code status} is the one sent), with the key the request used. */
  public void signResponse(MultiMap responseHeaders, Verified request, int status) {
    PeerKey key = options.key(request.keyId());
    responseHeaders.set(Headers.PEER_AUTH, String.join(";", VERSION, key.id(),
        responseMac(key, request.nonce(), request.requestId(), status)));
  }

  /** Whether the answer carries a valid signature over the signed request and {@code status}. */
  public boolean verifyResponse(Signed request, int status, MultiMap responseHeaders) {
    String header = single(responseHeaders, Headers.PEER_AUTH);
    if (header == null) {
      return false;
    }
    String[] parts = header.split(";", -1);
    if (parts.length != 3 || !VERSION.equals(parts[0]) || !parts[1].equals(request.keyId())) {
      return false;
    }
    PeerKey key = options.key(parts[1]);
    return key != null && constantTimeEquals(responseMac(key, request.nonce(), request.requestId(), status),
        parts[2]);
  }

  /** Nonces remembered now (for tests and metrics). */
  public int rememberedNonces() {
    return replays.size();
  }

  private static String requestMac(PeerKey key, String method, String uri, String requestId, String tenant,
      String model, String timestamp, String nonce, String bodyDigest) {
    return mac(key, REQUEST_DOMAIN, method, uri, requestId, tenant, model, timestamp, nonce, bodyDigest, key.id());
  }

  private static String sha256(ByteBuffer body) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(body.duplicate());
      return B64.encodeToString(digest.digest());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  private static String responseMac(PeerKey key, String nonce, String requestId, int status) {
    return mac(key, RESPONSE_DOMAIN, key.id(), nonce, requestId, Integer.toString(status));
  }

  private static String mac(PeerKey key, byte[] domain, String... fields) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      byte[] secret = key.secret();
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      java.util.Arrays.fill(secret, (byte) 0);
      mac.update(domain);
      for (String field : fields) { // length-prefixed: no two field lists give the same bytes
        byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
        mac.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
        mac.update(bytes);
      }
      return B64.encodeToString(mac.doFinal());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  private static boolean constantTimeEquals(String expected, String given) {
    return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
        given.getBytes(StandardCharsets.US_ASCII));
  }

  /** The header's one value, or null; twice is refused (which copy would each side read?). */
  private static String single(MultiMap headers, String name) {
    List<String> values = headers.getAll(name);
    if (values.size() > 1) {
      throw new PeerAuthException(name + " appears more than once");
    }
    return values.isEmpty() ? null : values.get(0);
  }

  private static String orEmpty(String value) {
    return value == null ? "" : value;
  }
}
