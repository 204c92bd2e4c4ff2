package io.mrgc.common;

import java.util.UUID;
import java.util.regex.Pattern;

/** Request ids travel in {@code x-request-id}; a caller's id is kept only if it is short and plain. */
public final class RequestIds {
  public static final String HEADER = "x-request-id";
  private static final Pattern ACCEPTED = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private RequestIds() {}

  public static String fromHeader(String value) {
    return value != null && ACCEPTED.matcher(value).matches() ? value : UUID.randomUUID().toString();
  }
}
