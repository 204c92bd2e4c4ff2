package io.mrgc.enclave.service;

import io.mrgc.enclave.DecryptRequest;
import io.mrgc.enclave.Decrypted;
import io.mrgc.enclave.EnclaveHandler;
import io.mrgc.enclave.attestation.AttestationProvider;
import io.mrgc.enclave.crypto.RecipientCms;
import io.mrgc.enclave.kms.RecipientKms;
import io.mrgc.wire.crypto.AesGcm;
import io.mrgc.wire.crypto.Bytes;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.wire.envelope.EnvelopeCodec;
import io.mrgc.wire.envelope.EnvelopeCrypto;
import io.mrgc.wire.envelope.EnvelopeHeader;
import io.mrgc.wire.envelope.RequestEnvelope;
import io.mrgc.wire.envelope.ResponseBinding;
import io.mrgc.wire.keys.EncryptionContexts;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enclave's side of {@link EnclaveHandler}: holds an RSA-2048 key pair made at construction (enclave boot),
 * obtains tenant data keys from KMS only as CiphertextForRecipient (attestation document carrying the public key),
 * opens request envelopes, and seals responses under the same data key with a fresh IV.
 *
 * <p>decryptRequest: parse (MALFORMED; v=1 too unless {@link EnvelopeFreshness#acceptV1}) -> the {@code ts} inside
 * the freshness window (ENVELOPE_EXPIRED) and not before this enclave's start (REPLAY_UNVERIFIABLE: its
 * predecessor's replay cache died with it) -> the envelope's tenant, model and path must equal the request's expected
 * values (TENANT_MISMATCH) -> not opened before (REPLAYED_ENVELOPE) -> data key from the {@link DataKeyCache} or KMS
 * Decrypt with Recipient within the KMS deadline (KEY_REFUSED, KMS_UNAVAILABLE) -> AES-GCM open (AEAD_FAILURE, no
 * detail) -> recorded in the {@link ReplayCache} until its window ends (REPLAYED_ENVELOPE when another copy won the
 * race, REPLAY_UNVERIFIABLE when full) -> a session (id = this boot's 64-bit id and 128 random bits, TTL 60 s by
 * default, at most 4096 open; when full ENCLAVE_UNAVAILABLE) keeps a copy of the data key and the response binding.
 * Only authenticated envelopes are recorded, so nobody can burn a tenant's (EDK, IV) with a forged copy.
 * encryptResponse ends the session whatever happens (UNKNOWN_SESSION when absent or expired; ENCLAVE_UNAVAILABLE
 * when the session belongs to an earlier boot of the enclave, i.e. it restarted between decrypt and seal, which the
 * tenant can retry). Data keys are zeroed when sessions end or cache entries are evicted. Thread-safe.
 */
public final class EnclaveService implements EnclaveHandler, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EnclaveService.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private record Session(byte[] dataKey, ResponseBinding binding, long expiresAtNanos) {}

  private static final int BOOT_ID_BYTES = 8;
  private static final int SESSION_RANDOM_BYTES = 16;

  private final RecipientKms kms;
  private final AttestationProvider attestation;
  private final EnclaveServiceConfig config;
  private final LongSupplier nanoClock;
  private final EnvelopeCodec codec;
  private final DataKeyCache cache;
  private final KeyPair keyPair;
  private final byte[] publicKeyDer;
  private final LinkedHashMap<String, Session> sessions = new LinkedHashMap<>();
  private final ConcurrentHashMap<String, ReentrantLock> inflight = new ConcurrentHashMap<>();
  private final LongSupplier wallMillis;
  private final ReplayCache replays;
  private final KmsDeadline kmsDeadline;
  /** Starts every session id, so a session id from before a restart is told apart from an unknown one. */
  private final byte[] bootId = new byte[BOOT_ID_BYTES];
  /** Envelopes sealed before this (wall clock) may have been served by the enclave this one replaced. */
  private final long bootWallMillis;
  private final AtomicLong kmsCalls = new AtomicLong();
  private final AtomicLong cacheHits = new AtomicLong();
  private volatile boolean closed;

  public EnclaveService(RecipientKms kms, AttestationProvider attestation) {
    this(kms, attestation, EnclaveServiceConfig.defaults());
  }

  public EnclaveService(RecipientKms kms, AttestationProvider attestation, EnclaveServiceConfig config) {
    this(kms, attestation, config, System::nanoTime);
  }

  /** @param nanoClock monotonic time source for the cache and session expiry (tests pass a fake one) */
  public EnclaveService(RecipientKms kms, AttestationProvider attestation, EnclaveServiceConfig config,
      LongSupplier nanoClock) {
    this(kms, attestation, config, nanoClock, System::currentTimeMillis);
  }

  /**
   * @param nanoClock monotonic time source for the cache and session expiry (tests pass a fake one)
   * @param wallMillis wall clock (epoch milliseconds) that envelope timestamps are checked against
   */
  public EnclaveService(RecipientKms kms, AttestationProvider attestation, EnclaveServiceConfig config,
      LongSupplier nanoClock, LongSupplier wallMillis) {
    this.wallMillis = wallMillis;
    this.replays = new ReplayCache(config.freshness().replayCacheEntries());
    this.kmsDeadline = new KmsDeadline(config.kmsTimeout());
    RANDOM.nextBytes(bootId);
    this.bootWallMillis = wallMillis.getAsLong();
    this.kms = kms;
    this.attestation = attestation;
    this.config = config;
    this.nanoClock = nanoClock;
    this.codec = new EnvelopeCodec(config.maxEnvelopeBytes());
    this.cache = new DataKeyCache(config.cache(), nanoClock);
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048, RANDOM);
      this.keyPair = g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("RSA-2048 is not available in this JVM", e);
    }
    this.publicKeyDer = keyPair.getPublic().getEncoded();
    // Warm up AES-GCM so the first request does not pay the JIT (reference/enclave.md §7).
    byte[] k = AesGcm.randomKey();
    AesGcm.seal(k, AesGcm.randomIv(), new byte[0], new byte[4096]);
    Bytes.zero(k);
    LOG.info("enclave service ready: RSA-2048 key made, cache {} entries / {} / {} uses, sessions {} / {}, "
        + "envelopes up to {} old ({} ahead), replay cache {}, v=1 {}, KMS deadline {}",
        config.cache().maxEntries(), config.cache().maxAge(), config.cache().maxUses(), config.maxSessions(),
        config.sessionTtl(), config.freshness().maxAge(), config.freshness().maxFutureSkew(),
        config.freshness().replayCacheEntries(), config.freshness().acceptV1() ? "accepted" : "refused",
        config.kmsTimeout());
  }

  /** The DER SubjectPublicKeyInfo of this enclave's RSA key, as put in attestation documents. */
  public byte[] publicKeyDer() {
    return publicKeyDer.clone();
  }

  /** How many KMS Decrypt calls this service has made. */
  public long kmsCalls() {
    return kmsCalls.get();
  }

  /** How many requests were served with a cached data key. */
  public long cacheHits() {
    return cacheHits.get();
  }

  public int cachedKeys() {
    return cache.size();
  }

  /** Envelopes remembered for replay detection now. */
  public int rememberedEnvelopes() {
    return replays.size();
  }

  public synchronized int openSessions() {
    purgeExpired(nanoClock.getAsLong());
    return sessions.size();
  }

  @Override
  public Decrypted decryptRequest(DecryptRequest request) throws EnclaveException {
    checkOpen();
    if (request == null) {
      throw new EnclaveException(EnclaveErrorCode.MALFORMED, "decrypt request is missing");
    }
    RequestEnvelope env = codec.parseRequest(request.envelope());
    EnvelopeHeader h = env.header();
    long now = wallMillis.getAsLong();
    long rememberUntil = freshUntil(h, now);
    expect("tenant", request.expectedTenant(), h.tenant(), "the authenticated tenant");
    expect("model", request.expectedModel(), h.model(), "the model the request was sent to");
    expect("path", request.expectedPath(), h.path(), "the API path the request was sent to");
    ResponseBinding binding = ResponseBinding.of(env);
    ReplayCache.Key replayKey = ReplayCache.Key.of(binding.edkSha256(), env.iv());
    if (replays.seen(replayKey, now)) {
      throw replayed(h);
    }

    byte[] dataKey = dataKey(env);
    try {
      byte[] plaintext = EnvelopeCrypto.openRequest(dataKey, env);
      ReplayCache.Outcome recorded = replays.record(replayKey, rememberUntil, wallMillis.getAsLong());
      if (recorded != ReplayCache.Outcome.RECORDED) {
        Bytes.zero(plaintext);
        throw recorded == ReplayCache.Outcome.REPLAYED ? replayed(h)
            : new EnclaveException(EnclaveErrorCode.REPLAY_UNVERIFIABLE, "the enclave remembers "
                + config.freshness().replayCacheEntries() + " envelopes of the last "
                + config.freshness().maxAge().toSeconds() + " s and takes no more until some expire; retry shortly");
      }
      String sessionId;
      try {
        sessionId = newSession(dataKey.clone(), binding);
      } catch (EnclaveException e) {
        replays.forget(replayKey); // not served: the tenant may send this envelope again
        Bytes.zero(plaintext);
        throw e;
      }
      LOG.debug("decrypted request rid={} tenant={} model={} bytes={}", h.rid(), h.tenant(), h.model(),
          plaintext.length);
      return new Decrypted(sessionId, plaintext, h.rid());
    } catch (EnclaveException e) {
      LOG.debug("refused request rid={} tenant={}: {}", h.rid(), h.tenant(), e.code());
      throw e;
    } finally {
      Bytes.zero(dataKey);
    }
  }

  @Override
  public byte[] encryptResponse(String sessionId, byte[] plaintext) throws EnclaveException {
    checkOpen();
    Session s;
    synchronized (this) {
      s = sessionId == null ? null : sessions.remove(sessionId);
    }
    if (s == null) {
      if (fromAnEarlierBoot(sessionId)) {
        throw new EnclaveException(EnclaveErrorCode.ENCLAVE_UNAVAILABLE,
            "the enclave restarted after this request was decrypted and its session is gone; retry the request");
      }
      throw new EnclaveException(EnclaveErrorCode.UNKNOWN_SESSION, "unknown or expired session");
    }
    try {
      if (nanoClock.getAsLong() - s.expiresAtNanos() >= 0) {
        throw new EnclaveException(EnclaveErrorCode.UNKNOWN_SESSION, "unknown or expired session");
      }
      if (plaintext == null) {
        throw new EnclaveException(EnclaveErrorCode.MALFORMED, "response plaintext is missing");
      }
      byte[] out = codec.encode(EnvelopeCrypto.sealResponse(s.dataKey(), s.binding(), plaintext));
      LOG.debug("sealed response rid={} tenant={} bytes={}", s.binding().header().rid(),
          s.binding().header().tenant(), plaintext.length);
      return out;
    } finally {
      Bytes.zero(s.dataKey());
    }
  }

  @Override
  public void ping() throws EnclaveException {
    checkOpen();
  }

  /** Zeroes every cached data key and session; later calls fail with ENCLAVE_UNAVAILABLE. */
  @Override
  public synchronized void close() {
    closed = true;
    kmsDeadline.close();
    replays.clear();
    cache.clear();
    sessions.values().forEach(s -> Bytes.zero(s.dataKey()));
    sessions.clear();
  }

  private void checkOpen() throws EnclaveException {
    if (closed) {
      throw new EnclaveException(EnclaveErrorCode.ENCLAVE_UNAVAILABLE, "enclave service is closed");
    }
  }

  /**
   * Until when (epoch ms) the envelope must be remembered: the end of its freshness window.
   *
   * @throws EnclaveException ENVELOPE_EXPIRED outside the window; MALFORMED for v=1 unless it is accepted
   */
  private long freshUntil(EnvelopeHeader h, long now) throws EnclaveException {
    EnvelopeFreshness f = config.freshness();
    long maxAge = f.maxAge().toMillis();
    // v=2: [now - maxAge, now + skew], and not sealed before this enclave started (REPLAY_UNVERIFIABLE)
    if (h.version() < 2) {
      if (!f.acceptV1()) {
        throw new EnclaveException(EnclaveErrorCode.MALFORMED, "envelope v=1 is refused: it has no timestamp and"
            + " could be replayed; seal v=2 (this enclave accepts v=1 only with acceptV1 set)");
      }
      return now + maxAge; // best effort: a v=1 envelope is replayable once it leaves the cache
    }
    long age = now - h.ts();
    if (age > maxAge) {
      throw new EnclaveException(EnclaveErrorCode.ENVELOPE_EXPIRED, "envelope was sealed " + age / 1000
          + " s ago; this enclave accepts envelopes up to " + maxAge / 1000 + " s old: seal a new one (and check"
          + " the sender's clock)");
    }
    if (-age > f.maxFutureSkew().toMillis()) {
      throw new EnclaveException(EnclaveErrorCode.ENVELOPE_EXPIRED, "envelope timestamp is " + (-age) / 1000
          + " s in the future; this enclave allows " + f.maxFutureSkew().toSeconds()
          + " s of clock skew: check the sender's clock");
    }
    if (h.ts() < bootWallMillis) {
      throw new EnclaveException(EnclaveErrorCode.REPLAY_UNVERIFIABLE, "envelope was sealed before this enclave"
          + " started, so it cannot tell whether an earlier enclave served it; seal the request anew and retry");
    }
    return h.ts() + maxAge;
  }

  private static EnclaveException replayed(EnvelopeHeader h) {
    LOG.info("refused a replayed envelope rid={} tenant={}", h.rid(), h.tenant());
    return new EnclaveException(EnclaveErrorCode.REPLAYED_ENVELOPE,
        "this envelope was already received; seal every request (and every retry) anew");
  }

  private boolean fromAnEarlierBoot(String sessionId) {
    byte[] id;
    try {
      id = sessionId == null ? null : Base64.getUrlDecoder().decode(sessionId);
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (id == null || id.length != BOOT_ID_BYTES + SESSION_RANDOM_BYTES) {
      return false;
    }
    return !java.util.Arrays.equals(id, 0, BOOT_ID_BYTES, bootId, 0, BOOT_ID_BYTES);
  }

  private static void expect(String field, String expected, String actual, String what) throws EnclaveException {
    if (expected == null) {
      throw new EnclaveException(EnclaveErrorCode.TENANT_MISMATCH, "the parent gave no " + what + " to check");
    }
    if (!expected.equals(actual)) {
      throw new EnclaveException(EnclaveErrorCode.TENANT_MISMATCH,
          "envelope field \"" + field + "\" does not match " + what);
    }
  }

  /** The data key for the envelope, from the cache or KMS; the caller zeroes it. */
  private byte[] dataKey(RequestEnvelope env) throws EnclaveException {
    EnvelopeHeader h = env.header();
    String cacheKey = DataKeyCache.cacheKey(h.tenant(), h.kid(), env.edk());
    byte[] key = cache.acquire(cacheKey);
    if (key != null) {
      cacheHits.incrementAndGet();
      return key;
    }
    // One KMS call per key at a time; the others wait for it, but never past the KMS deadline.
    ReentrantLock lock = inflight.computeIfAbsent(cacheKey, k -> new ReentrantLock());
    boolean locked = false;
    try {
      locked = lock.tryLock(kmsDeadline.timeout().toNanos(), TimeUnit.NANOSECONDS);
      if (!locked) {
        throw new EnclaveException(EnclaveErrorCode.KMS_UNAVAILABLE, "KMS did not release this data key within "
            + kmsDeadline.timeout().toMillis() + " ms; try again later");
      }
      key = cache.acquire(cacheKey);
      if (key != null) {
        cacheHits.incrementAndGet();
        return key;
      }
      key = fromKms(env);
      cache.put(cacheKey, key);
      return key;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EnclaveException(EnclaveErrorCode.KMS_UNAVAILABLE, "interrupted while waiting for KMS");
    } finally {
      if (locked) {
        if (!lock.hasQueuedThreads()) {
          inflight.remove(cacheKey, lock);
        }
        lock.unlock();
      }
    }
  }

  private byte[] fromKms(RequestEnvelope env) throws EnclaveException {
    EnvelopeHeader h = env.header();
    byte[] document = attestation.attestationDocument(publicKeyDer);
    kmsCalls.incrementAndGet();
    byte[] cms;
    try {
      cms = kmsDeadline.call(
          () -> kms.decryptForRecipient(env.edk(), h.kid(), EncryptionContexts.forTenant(h.tenant()), document));
    } catch (EnclaveException e) {
      LOG.info("KMS refused data key rid={} tenant={} kid={}: {} {}", h.rid(), h.tenant(), h.kid(), e.code(),
          e.getMessage());
      throw e;
    }
    byte[] key = RecipientCms.open(keyPair.getPrivate(), cms, AesGcm.KEY_BYTES);
    LOG.debug("KMS released data key rid={} tenant={} kid={}", h.rid(), h.tenant(), h.kid());
    return key;
  }

  private synchronized String newSession(byte[] dataKey, ResponseBinding binding) throws EnclaveException {
    long now = nanoClock.getAsLong();
    purgeExpired(now);
    if (sessions.size() >= config.maxSessions()) {
      Bytes.zero(dataKey);
      throw new EnclaveException(EnclaveErrorCode.ENCLAVE_UNAVAILABLE,
          "enclave has " + config.maxSessions() + " open sessions; try again later");
    }
    byte[] id = new byte[BOOT_ID_BYTES + SESSION_RANDOM_BYTES];
    RANDOM.nextBytes(id);
    System.arraycopy(bootId, 0, id, 0, BOOT_ID_BYTES);
    String sessionId = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    sessions.put(sessionId, new Session(dataKey, binding, now + config.sessionTtl().toNanos()));
    return sessionId;
  }

  private void purgeExpired(long now) {
    for (Iterator<Map.Entry<String, Session>> it = sessions.entrySet().iterator(); it.hasNext(); ) {
      Session s = it.next().getValue();
      if (now - s.expiresAtNanos() >= 0) {
        Bytes.zero(s.dataKey());
        it.remove();
      } else {
        break; // insertion order = expiry order (one TTL for all)
      }
    }
  }
}
