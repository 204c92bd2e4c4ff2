package io.mrgc.state;

/**
 * A held lease. {@code fencingToken} goes with every write the holder makes to fenced rows; {@code expiresAtMillis}
 * is when others may take it unless renewed.
 */
public record Lease(String name, String holder, long fencingToken, long expiresAtMillis) {
  public boolean validAt(long nowMillis) {
    return nowMillis < expiresAtMillis;
  }
}
