package io.mrgc.common;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Request ids travel in {@code x-request-id} ({@link io.mrgc.wire.Headers#REQUEST_ID}); a caller's id is kept only if
 * it is short and plain.
 */
public final class RequestIds {
  private static final Pattern ACCEPTED = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private RequestIds() {}

  public static String fromHeader(String value) {
    return value != null && ACCEPTED.matcher(value).matches() ? value : UUID.randomUUID().toString();
  }
}
