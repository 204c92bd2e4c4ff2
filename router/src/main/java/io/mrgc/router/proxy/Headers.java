package io.mrgc.router.proxy;

import io.vertx.core.MultiMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/** Header names the router reads or writes, and the hop-by-hop filter (RFC 9110 section 7.6.1). */
public final class Headers {
  /**
   * Model name for the candidate filter and the tenant's model allowlist when the path does not carry one (bodies
   * are opaque); required for inference on {@code /v1/...}. The instance receives the model the router checked.
   */
  public static final String MODEL = "x-mrgc-model";
  /**
   * To the instance: the authenticated tenant id, set by the router (a client-sent value is dropped). The node agent
   * and the enclave bind the envelope to it.
   */
  public static final String TENANT = "x-mrgc-tenant";
  /** Request: the tenant API key when not sent as {@code Authorization: Bearer}; never forwarded. */
  public static final String API_KEY = "x-api-key";
  /** Response: the region that served. */
  public static final String REGION = "x-mrgc-region";
  /** Response: the instance that served. */
  public static final String INSTANCE = "x-mrgc-instance";
  /**
   * From the instance, internal: its state once the request's car wash is over (READY, or WASHING, QUARANTINED,
   * DRAINING); on a refusal, the state that made it refuse. Never forwarded to the client.
   */
  public static final String INSTANCE_STATE = "x-mrgc-instance-state";
  /** From the instance, internal: the car wash's outcome. Never forwarded to the client. */
  public static final String WASH = "x-mrgc-wash";
  /** From the instance, internal: the car wash's duration in ms. Never forwarded to the client. */
  public static final String WASH_MS = "x-mrgc-wash-ms";

  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
      "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade");

  private Headers() {}

  /**
   * Copies end-to-end headers from {@code from} to {@code to}: hop-by-hop ones, those the Connection header names,
   * and {@code skip} (lower case) stay behind.
   */
  public static void copyEndToEnd(MultiMap from, MultiMap to, Set<String> skip) {
    Set<String> dropped = new HashSet<>(HOP_BY_HOP);
    dropped.addAll(skip);
    for (String connection : from.getAll("connection")) {
      for (String token : connection.split(",")) {
        dropped.add(token.trim().toLowerCase(Locale.ROOT));
      }
    }
    for (var entry : from) {
      if (!dropped.contains(entry.getKey().toLowerCase(Locale.ROOT))) {
        to.add(entry.getKey(), entry.getValue());
      }
    }
  }
}
