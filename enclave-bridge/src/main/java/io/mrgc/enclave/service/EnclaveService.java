package io.mrgc.enclave.service;

import io.mrgc.enclave.DecryptRequest;
import io.mrgc.enclave.Decrypted;
import io.mrgc.enclave.EnclaveErrorCode;
import io.mrgc.enclave.EnclaveException;
import io.mrgc.enclave.EnclaveHandler;
import io.mrgc.enclave.attestation.AttestationProvider;
import io.mrgc.enclave.crypto.AesGcm;
import io.mrgc.enclave.crypto.Bytes;
import io.mrgc.enclave.crypto.RecipientCms;
import io.mrgc.enclave.envelope.EnvelopeCodec;
import io.mrgc.enclave.envelope.EnvelopeCrypto;
import io.mrgc.enclave.envelope.EnvelopeHeader;
import io.mrgc.enclave.envelope.RequestEnvelope;
import io.mrgc.enclave.envelope.ResponseBinding;
import io.mrgc.enclave.kms.EncryptionContexts;
import io.mrgc.enclave.kms.RecipientKms;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enclave's side of {@link EnclaveHandler}: holds an RSA-2048 key pair made at construction (enclave boot),
 * obtains tenant data keys from KMS only as CiphertextForRecipient (attestation document carrying the public key),
 * opens request envelopes, and seals responses under the same data key with a fresh IV.
 *
 * <p>decryptRequest: parse (MALFORMED) -> the envelope's tenant, model and path must equal the request's expected
 * values (TENANT_MISMATCH) -> data key from the {@link DataKeyCache} or KMS Decrypt with Recipient (KEY_REFUSED,
 * KMS_UNAVAILABLE) -> AES-GCM open (AEAD_FAILURE, no detail) -> a session (random 128-bit id, TTL 60 s by default,
 * at most 4096 open; when full ENCLAVE_UNAVAILABLE) keeps a copy of the data key and the response binding.
 * encryptResponse ends the session whatever happens (UNKNOWN_SESSION when absent or expired). Data keys are zeroed
 * when sessions end or cache entries are evicted. Thread-safe.
 */
public final class EnclaveService implements EnclaveHandler, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EnclaveService.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private record Session(byte[] dataKey, ResponseBinding binding, long expiresAtNanos) {}

  private final RecipientKms kms;
  private final AttestationProvider attestation;
  private final EnclaveServiceConfig config;
  private final LongSupplier nanoClock;
  private final EnvelopeCodec codec;
  private final DataKeyCache cache;
  private final KeyPair keyPair;
  private final byte[] publicKeyDer;
  private final LinkedHashMap<String, Session> sessions = new LinkedHashMap<>();
  private final ConcurrentHashMap<String, Object> inflight = new ConcurrentHashMap<>();
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
    LOG.info("enclave service ready: RSA-2048 key made, cache {} entries / {} / {} uses, sessions {} / {}",
        config.cache().maxEntries(), config.cache().maxAge(), config.cache().maxUses(), config.maxSessions(),
        config.sessionTtl());
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
    expect("tenant", request.expectedTenant(), h.tenant(), "the authenticated tenant");
    expect("model", request.expectedModel(), h.model(), "the model the request was sent to");
    expect("path", request.expectedPath(), h.path(), "the API path the request was sent to");

    byte[] dataKey = dataKey(env);
    try {
      byte[] plaintext = EnvelopeCrypto.openRequest(dataKey, env);
      String sessionId = newSession(dataKey.clone(), ResponseBinding.of(env));
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
    cache.clear();
    sessions.values().forEach(s -> Bytes.zero(s.dataKey()));
    sessions.clear();
  }

  private void checkOpen() throws EnclaveException {
    if (closed) {
      throw new EnclaveException(EnclaveErrorCode.ENCLAVE_UNAVAILABLE, "enclave service is closed");
    }
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
    Object lock = inflight.computeIfAbsent(cacheKey, k -> new Object());
    try {
      synchronized (lock) {
        key = cache.acquire(cacheKey);
        if (key != null) {
          cacheHits.incrementAndGet();
          return key;
        }
        key = fromKms(env);
        cache.put(cacheKey, key);
        return key;
      }
    } finally {
      inflight.remove(cacheKey, lock);
    }
  }

  private byte[] fromKms(RequestEnvelope env) throws EnclaveException {
    EnvelopeHeader h = env.header();
    byte[] document = attestation.attestationDocument(publicKeyDer);
    kmsCalls.incrementAndGet();
    byte[] cms;
    try {
      cms = kms.decryptForRecipient(env.edk(), h.kid(), EncryptionContexts.forTenant(h.tenant()), document);
    } catch (EnclaveException e) {
      LOG.info("KMS refused data key rid={} tenant={} kid={}: {} {}", h.rid(), h.tenant(), h.kid(), e.code(),
          e.getMessage());
      throw e;
    } catch (RuntimeException e) {
      throw new EnclaveException(EnclaveErrorCode.KMS_UNAVAILABLE,
          "KMS call failed unexpectedly: " + e.getClass().getSimpleName());
    }
    byte[] key;
    try {
      key = RecipientCms.open(keyPair.getPrivate(), cms);
    } catch (IllegalArgumentException e) {
      throw new EnclaveException(EnclaveErrorCode.INTERNAL, "KMS answer unusable: " + e.getMessage());
    }
    if (key.length != AesGcm.KEY_BYTES) {
      Bytes.zero(key);
      throw new EnclaveException(EnclaveErrorCode.INTERNAL, "KMS released a data key that is not 32 bytes");
    }
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
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
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
