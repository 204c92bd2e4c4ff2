package io.mrgc.enclave.envelope;

/**
 * The authenticated header fields of an envelope (all bound into the AES-GCM AAD): tenant id, KMS key id, model,
 * API path and request id. Values are checked by {@link EnvelopeCodec#checkHeader(EnvelopeHeader)}.
 */
public record EnvelopeHeader(String tenant, String kid, String model, String path, String rid) {}
