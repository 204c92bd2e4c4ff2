package io.mrgc.common.peer;

import io.mrgc.common.Check;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * How a router and a node agent prove to each other who they are: an HMAC-SHA256 with a per-deployment key over the
 * identity the router forwards (see {@link PeerAuth}). The forwarded tenant identity is trusted only then.
 *
 * <p>{@code current} signs; {@code current} and {@code previous} verify, so keys rotate without downtime: give every
 * agent the new key as {@code current} and the old one as {@code previous} (agents answer with the key the request
 * used), then the routers the same, then drop {@code previous} everywhere. {@link #none()}: no peer authentication
 * (agents trust the forwarded headers, routers do not sign); only for tests and single-process tools.
 *
 * @param current the key that signs (null: peer authentication off)
 * @param previous a second key that is still accepted (null: none)
 * @param maxClockSkew how far a signature's timestamp may be from the verifier's clock, either way; a request id's
 *     nonce is remembered for twice this long, so a replay inside the window is refused
 * @param maxRememberedNonces bound on the nonces a verifier remembers (only signatures that verified are
 *     remembered); when full, new requests are refused with 503 {@code peer_auth_busy} until old nonces expire
 */
public record PeerAuthOptions(PeerKey current, PeerKey previous, Duration maxClockSkew, int maxRememberedNonces) {
  public static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_REMEMBERED_NONCES = 100_000;
  /** The environment variable {@link #fromEnv()} reads: {@code id:base64secret[,id:base64secret]}, current first. */
  public static final String ENV = "MRGC_PEER_AUTH_KEYS";

  public PeerAuthOptions {
    if (previous != null && current == null) {
      throw new IllegalArgumentException("peer auth previous key is set, but current is not");
    }
    if (previous != null && previous.id().equals(current.id())) {
      throw new IllegalArgumentException("peer auth keys current and previous must have different ids, but both are "
          + current.id());
    }
    Check.positive("maxClockSkew", maxClockSkew);
    Check.between("maxRememberedNonces", maxRememberedNonces, 1, 10_000_000);
  }

  /** Peer authentication off (the agent trusts forwarded headers): tests and tools only. */
  public static PeerAuthOptions none() {
    return new PeerAuthOptions(null, null, DEFAULT_MAX_CLOCK_SKEW, DEFAULT_MAX_REMEMBERED_NONCES);
  }

  /** Signs and verifies with {@code current}, also accepts {@code previous} (may be null). */
  public static PeerAuthOptions of(PeerKey current, PeerKey previous) {
    return new PeerAuthOptions(Check.notNull("current", current), previous, DEFAULT_MAX_CLOCK_SKEW,
        DEFAULT_MAX_REMEMBERED_NONCES);
  }

  /** One fresh random key: what {@code mrgc up} uses for the whole local deployment (never logged). */
  public static PeerAuthOptions generate() {
    return of(PeerKey.generate(), null);
  }

  /** Keys written {@code id:base64secret}, separated by commas or new lines, current first, at most two. */
  public static PeerAuthOptions parse(String keys) {
    List<PeerKey> parsed = Arrays.stream((keys == null ? "" : keys).split("[,\\n]"))
        .map(String::trim).filter(s -> !s.isEmpty() && !s.startsWith("#")).map(PeerKey::parse).toList();
    if (parsed.isEmpty() || parsed.size() > 2) {
      throw new IllegalArgumentException("peer auth keys must be one or two id:base64secret entries (current, "
          + "then previous), but there were " + parsed.size());
    }
    return of(parsed.get(0), parsed.size() == 2 ? parsed.get(1) : null);
  }

  /** The keys of a file in the {@link #parse} form (lines starting with # are comments). */
  public static PeerAuthOptions fromFile(Path file) {
    try {
      return parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the peer auth key file " + file, e);
    }
  }

  /** The keys in the environment variable {@value #ENV}. */
  public static PeerAuthOptions fromEnv() {
    String value = System.getenv(ENV);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(ENV + " must hold the peer auth keys (id:base64secret), but is not set");
    }
    return parse(value);
  }

  public boolean enabled() {
    return current != null;
  }

  /** The same keys with another clock-skew window. */
  public PeerAuthOptions withMaxClockSkew(Duration skew) {
    return new PeerAuthOptions(current, previous, skew, maxRememberedNonces);
  }

  /** The same keys with another bound on remembered nonces. */
  public PeerAuthOptions withMaxRememberedNonces(int max) {
    return new PeerAuthOptions(current, previous, maxClockSkew, max);
  }

  /** The key with id {@code id} among current and previous, or null. */
  PeerKey key(String id) {
    if (current != null && current.id().equals(id)) {
      return current;
    }
    return previous != null && previous.id().equals(id) ? previous : null;
  }
}
