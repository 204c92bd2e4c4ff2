package io.mrgc.agent;

import io.mrgc.carwash.steps.EnclaveControl;
import io.mrgc.enclave.DecryptRequest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Restarts a {@link FakeEnclave} the way a real control restarts an enclave: stop, start (it answers again), and
 * prove the new one works with a first decrypt. A test can hold restarts until it has seen what it wants
 * ({@link #holdRestarts}), and counts restarts and proofs.
 */
final class FakeEnclaveControl implements EnclaveControl {
  private static final String PROOF = "{\"proof\":true}";

  private final FakeEnclave enclave;
  final AtomicInteger restarts = new AtomicInteger();
  final AtomicInteger proofs = new AtomicInteger();
  private volatile CountDownLatch gate;

  FakeEnclaveControl(FakeEnclave enclave) {
    this.enclave = enclave;
  }

  /** Restarts wait until {@link #letRestartsGo()}. */
  void holdRestarts() {
    gate = new CountDownLatch(1);
  }

  void letRestartsGo() {
    CountDownLatch held = gate;
    if (held != null) {
      held.countDown();
    }
  }

  @Override
  public void restart() throws Exception {
    CountDownLatch held = gate;
    if (held != null && !held.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("restart held for too long");
    }
    restarts.incrementAndGet();
    enclave.dead = false;
    byte[] envelope = FakeEnclave.seal("proof-tenant", "proof-model", "/proof", PROOF);
    byte[] plaintext = enclave.decryptRequest(new DecryptRequest(envelope, "proof-tenant", "proof-model", "/proof"))
        .plaintext();
    if (!PROOF.equals(new String(plaintext, StandardCharsets.UTF_8))) {
      throw new IllegalStateException("the restarted enclave's first decrypt did not prove it");
    }
    proofs.incrementAndGet();
  }
}
