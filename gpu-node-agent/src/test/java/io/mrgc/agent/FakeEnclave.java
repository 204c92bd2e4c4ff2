package io.mrgc.agent;

import io.mrgc.enclave.DecryptRequest;
import io.mrgc.enclave.Decrypted;
import io.mrgc.enclave.EnclaveHandler;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A stand-in enclave for the agent's own tests: "envelopes" are JSON with the bound fields and a base64 body (no
 * cryptography; the real one is tested in enclave-bridge and end to end in cluster). It checks the binding the way
 * the real enclave does and can be told to refuse envelopes with any code ({@link #failWith}), or to be dead
 * ({@link #dead}: every call, ping included, fails with ENCLAVE_UNAVAILABLE, until {@link FakeEnclaveControl}
 * restarts it). {@link #onSeal} runs inside every seal, while the request's plaintext is still in the agent.
 */
final class FakeEnclave implements EnclaveHandler {
  volatile EnclaveErrorCode failWith;
  volatile boolean dead;
  volatile Runnable onSeal;
  /** Envelopes handed to the enclave so far (opened or refused). */
  final java.util.concurrent.atomic.AtomicInteger decrypts = new java.util.concurrent.atomic.AtomicInteger();
  private final Map<String, String> sessions = new ConcurrentHashMap<>();

  static byte[] seal(String tenant, String model, String path, String plaintext) {
    return new JsonObject().put("tenant", tenant).put("model", model).put("path", path)
        .put("body", Base64.getEncoder().encodeToString(plaintext.getBytes(StandardCharsets.UTF_8)))
        .toBuffer().getBytes();
  }

  static String open(byte[] sealedResponse) {
    JsonObject response = new JsonObject(new String(sealedResponse, StandardCharsets.UTF_8));
    return new String(Base64.getDecoder().decode(response.getString("response")), StandardCharsets.UTF_8);
  }

  @Override
  public Decrypted decryptRequest(DecryptRequest request) throws EnclaveException {
    decrypts.incrementAndGet();
    failIfDead();
    failIfTold();
    JsonObject envelope;
    try {
      envelope = new JsonObject(new String(request.envelope(), StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      throw new EnclaveException(EnclaveErrorCode.MALFORMED, "not an envelope");
    }
    if (!request.expectedTenant().equals(envelope.getString("tenant"))
        || !request.expectedModel().equals(envelope.getString("model"))
        || !request.expectedPath().equals(envelope.getString("path"))) {
      throw new EnclaveException(EnclaveErrorCode.TENANT_MISMATCH, "envelope bound to another tenant, model or path");
    }
    String session = UUID.randomUUID().toString();
    sessions.put(session, request.expectedTenant());
    return new Decrypted(session, Base64.getDecoder().decode(envelope.getString("body")), "rid");
  }

  @Override
  public byte[] encryptResponse(String sessionId, byte[] plaintext) throws EnclaveException {
    failIfDead();
    failIfTold();
    Runnable hook = onSeal;
    if (hook != null) {
      hook.run();
    }
    if (sessions.remove(sessionId) == null) {
      throw new EnclaveException(EnclaveErrorCode.UNKNOWN_SESSION, "no such session");
    }
    return new JsonObject().put("response", Base64.getEncoder().encodeToString(plaintext)).toBuffer().getBytes();
  }

  @Override
  public void ping() throws EnclaveException {
    failIfDead();
  }

  private void failIfDead() throws EnclaveException {
    if (dead) {
      throw new EnclaveException(EnclaveErrorCode.ENCLAVE_UNAVAILABLE, "enclave is dead");
    }
  }

  private void failIfTold() throws EnclaveException {
    EnclaveErrorCode code = failWith;
    if (code != null) {
      throw new EnclaveException(code, "told to fail with " + code);
    }
  }
}
