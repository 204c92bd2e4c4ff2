package io.mrgc.enclave.server;

import io.mrgc.enclave.DecryptRequest;
import io.mrgc.enclave.Decrypted;
import io.mrgc.enclave.EnclaveHandler;
import io.mrgc.wire.enclave.EnclaveErrorCode;
import io.mrgc.wire.enclave.EnclaveException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for the enclave service. "Decrypts" by reversing the envelope bytes; "encrypts" by prefixing the
 * session id. A tenant named after an {@link EnclaveErrorCode} makes decrypt throw that code; tenant "boom" throws
 * a RuntimeException; tenant "block" waits on {@link #release}.
 */
final class FakeHandler implements EnclaveHandler {
  final AtomicInteger sessions = new AtomicInteger();
  final AtomicInteger pings = new AtomicInteger();
  final CountDownLatch release = new CountDownLatch(1);
  final CountDownLatch blocked = new CountDownLatch(1);

  @Override
  public Decrypted decryptRequest(DecryptRequest r) throws EnclaveException {
    for (EnclaveErrorCode c : EnclaveErrorCode.values()) {
      if (c.name().equals(r.expectedTenant())) {
        throw new EnclaveException(c, "refused: " + c.name().toLowerCase());
      }
    }
    if ("boom".equals(r.expectedTenant())) {
      throw new IllegalStateException("secret internal detail");
    }
    if ("block".equals(r.expectedTenant())) {
      blocked.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    byte[] env = r.envelope();
    byte[] plain = new byte[env.length];
    for (int i = 0; i < env.length; i++) {
      plain[i] = env[env.length - 1 - i];
    }
    String sid = r.expectedTenant() + "|" + r.expectedModel() + "|" + r.expectedPath() + "|" + sessions.incrementAndGet();
    return new Decrypted(sid, plain, "req-" + sid.hashCode());
  }

  @Override
  public byte[] encryptResponse(String sessionId, byte[] plaintext) throws EnclaveException {
    if (sessionId.startsWith("unknown")) {
      throw new EnclaveException(EnclaveErrorCode.UNKNOWN_SESSION, "no such session");
    }
    byte[] sid = (sessionId + ":").getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[sid.length + plaintext.length];
    System.arraycopy(sid, 0, out, 0, sid.length);
    System.arraycopy(plaintext, 0, out, sid.length, plaintext.length);
    return out;
  }

  @Override
  public void ping() {
    pings.incrementAndGet();
  }
}
