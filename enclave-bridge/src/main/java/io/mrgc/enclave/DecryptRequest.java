package io.mrgc.enclave;

/**
 * What the parent asks the enclave to decrypt: the envelope as received, and what the envelope must be bound to:
 * the tenant the router authenticated, the model and the API path the request was sent to. A mismatch with the
 * envelope's authenticated fields is refused (TENANT_MISMATCH), so a replay under another model or path fails.
 */
public record DecryptRequest(byte[] envelope, String expectedTenant, String expectedModel, String expectedPath) {}
