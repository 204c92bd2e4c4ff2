package io.mrgc.wire.envelope;

/**
 * The authenticated header fields of an envelope (all bound into the AES-GCM AAD): format version, tenant id, KMS
 * key id, model, API path, request id and, from v=2 on, the sender's timestamp ({@code ts}, epoch milliseconds; the
 * enclave refuses an envelope outside its freshness window and remembers each one it opened for that window). Values
 * are checked by {@link EnvelopeCodec#checkHeader(EnvelopeHeader)}.
 *
 * @param ts epoch milliseconds when the tenant sealed the request; {@link #NO_TIMESTAMP} in a v=1 header
 */
public record EnvelopeHeader(int version, String tenant, String kid, String model, String path, String rid, long ts) {
  /** The {@code ts} of a v=1 header, which has none. */
  public static final long NO_TIMESTAMP = -1;

  /** A v=2 header stamped with the current time: what a tenant seals a new request with. */
  public EnvelopeHeader(String tenant, String kid, String model, String path, String rid) {
    this(EnvelopeCodec.VERSION, tenant, kid, model, path, rid, System.currentTimeMillis());
  }

  /** A v=2 header with the given timestamp (tests, and senders with their own clock). */
  public static EnvelopeHeader v2(String tenant, String kid, String model, String path, String rid, long ts) {
    return new EnvelopeHeader(2, tenant, kid, model, path, rid, ts);
  }

  /** A legacy v=1 header (no timestamp; refused by enclaves unless v=1 is enabled there). */
  public static EnvelopeHeader v1(String tenant, String kid, String model, String path, String rid) {
    return new EnvelopeHeader(1, tenant, kid, model, path, rid, NO_TIMESTAMP);
  }

  /** The same header under another request id (each attempt of a call has its own). */
  public EnvelopeHeader withRid(String newRid) {
    return new EnvelopeHeader(version, tenant, kid, model, path, newRid, ts);
  }
}
