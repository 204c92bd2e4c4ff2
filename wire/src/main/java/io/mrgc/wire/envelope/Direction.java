package io.mrgc.wire.envelope;

/** Which way an envelope travels; part of the AAD so a request can never be replayed as a response. */
public enum Direction {
  REQUEST("request"),
  RESPONSE("response");

  private final String wireName;

  Direction(String wireName) {
    this.wireName = wireName;
  }

  /** The exact string in the AAD. */
  public String wireName() {
    return wireName;
  }
}
