package io.mrgc.carwash;

/**
 * What a step knows about the wash it runs in: the request it follows ({@code requestId}; a scheduled wash with no
 * request uses an id starting with {@value #SCHEDULED_PREFIX}), the wash's sequence number on this instance (1, 2, ...) and
 * when it started (epoch ms).
 */
public record WashContext(String requestId, long sequence, long startedAtMillis) {
  /** Request ids of washes that follow no request start with this. */
  public static final String SCHEDULED_PREFIX = "scheduled-";

  public boolean followsRequest() {
    return requestId != null && !requestId.startsWith(SCHEDULED_PREFIX);
  }
}
