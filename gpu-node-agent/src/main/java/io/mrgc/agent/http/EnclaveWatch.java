package io.mrgc.agent.http;

import io.mrgc.wire.enclave.EnclaveErrorCode;

/** Told how every enclave call of a request went (the agent tracks reachability and enclave errors from this). */
public interface EnclaveWatch {
  void answered();

  void failed(EnclaveErrorCode code);
}
