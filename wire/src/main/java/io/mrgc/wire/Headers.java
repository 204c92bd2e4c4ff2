package io.mrgc.wire;

/**
 * Every HTTP header name MRGC defines, in one place: the tenant SDK, the front door, the router and the node agent
 * read and write the same names (lower case, as HTTP/2 sends them). See docs/api.md for who sends which.
 */
public final class Headers {
  /** Request and response: the request id (the caller's when it is plain, else a new one); errors quote it. */
  public static final String REQUEST_ID = "x-request-id";
  /** Request: the tenant API key when not sent as {@code Authorization: Bearer}; never forwarded. */
  public static final String API_KEY = "x-api-key";
  /**
   * Request: the model for the candidate filter and the tenant's model allowlist when the path does not carry one
   * (bodies are opaque); the instance receives the model the router checked.
   */
  public static final String MODEL = "x-mrgc-model";
  /** Router to instance: the authenticated tenant id (a client-sent value is dropped); the enclave binds to it. */
  public static final String TENANT = "x-mrgc-tenant";
  /** Router to instance, and back: the HMAC signature proving the message came from this deployment. */
  public static final String PEER_AUTH = "x-mrgc-peer-auth";
  /** Request to the front door: act as a caller near this region. */
  public static final String HOME_REGION = "x-mrgc-home-region";
  /** Response: the region that served. */
  public static final String REGION = "x-mrgc-region";
  /** Response: the instance that served (only for tenants with debug headers). */
  public static final String INSTANCE = "x-mrgc-instance";
  /**
   * Instance to router, internal: its state once the request's car wash is over, or the state that made it refuse.
   * Never forwarded to the client.
   */
  public static final String INSTANCE_STATE = "x-mrgc-instance-state";
  /** Instance to router, internal: the car wash's outcome. Never forwarded to the client. */
  public static final String WASH = "x-mrgc-wash";
  /** Instance to router, internal: the car wash's duration in ms. Never forwarded to the client. */
  public static final String WASH_MS = "x-mrgc-wash-ms";

  private Headers() {}
}
