package io.mrgc.tenant;

import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.wire.keys.DataKey;
import io.mrgc.wire.keys.DataKeySource;
import io.mrgc.wire.keys.EncryptionContexts;
import java.time.Clock;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * The data key the SDK currently seals with, renewed from KMS within the {@link DataKeyReuse} bounds. Each request
 * gets its own copy of the key bytes (zeroed by the caller after the answer), so a rotation never pulls a key out
 * from under a request in flight.
 */
final class ReusableDataKey {
  /** One request's view: its copy of the key and the EDK that goes into the envelope. */
  record Lease(String keyId, byte[] key, byte[] edk) implements AutoCloseable {
    @Override
    public void close() {
      Arrays.fill(key, (byte) 0);
    }

    @Override
    public String toString() {
      return "Lease[keyId=" + keyId + "]";
    }
  }

  private final DataKeySource kms;
  private final String keyId;
  private final String tenant;
  private final DataKeyReuse reuse;
  private final Clock clock;
  private final LongAdder kmsCalls = new LongAdder();
  private DataKey current;
  private long createdAtMillis;
  private int uses;

  ReusableDataKey(DataKeySource kms, String keyId, String tenant, DataKeyReuse reuse, Clock clock) {
    this.kms = kms;
    this.keyId = keyId;
    this.tenant = tenant;
    this.reuse = reuse;
    this.clock = clock;
  }

  synchronized Lease lease() throws EnclaveException {
    long now = clock.millis();
    if (current == null || uses >= reuse.maxMessages() || now - createdAtMillis >= reuse.maxAge().toMillis()) {
      if (current != null) {
        current.close();
      }
      kmsCalls.increment();
      current = kms.generateDataKey(keyId, EncryptionContexts.forTenant(tenant));
      createdAtMillis = now;
      uses = 0;
    }
    uses++;
    return new Lease(keyId, current.plaintext().clone(), current.edk());
  }

  long kmsCalls() {
    return kmsCalls.sum();
  }

  synchronized void close() {
    if (current != null) {
      current.close();
      current = null;
    }
  }
}
