package io.mrgc.cluster.models;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An S3 bucket and key prefix ({@code s3://bucket/prefix/}): the data repository association's side in S3. */
public record S3Location(String bucket, String prefix) {
  private static final Pattern URI = Pattern.compile("s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(.*))?");

  /**
   * Reads {@code s3://BUCKET/PREFIX/}; the prefix may be empty, and gets its trailing '/' when it lacks one.
   *
   * @throws IllegalArgumentException saying what to fix
   */
  public static S3Location parse(String uri) {
    Matcher m = URI.matcher(uri == null ? "" : uri);
    String prefix = m.matches() && m.group(2) != null ? m.group(2) : "";
    if (!m.matches() || prefix.startsWith("/") || prefix.contains("//")) {
      throw new IllegalArgumentException("--s3-uri must be s3://BUCKET/PREFIX/ (the S3 side of the FSx data "
          + "repository association; lower-case bucket name, no empty path segment), but was '" + uri + "'");
    }
    return new S3Location(m.group(1), prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/");
  }

  /** The object key of {@code relative} under the prefix. */
  public String key(String relative) {
    return prefix + relative;
  }

  /** {@code s3://bucket/prefix<relative>}. */
  public String uri(String relative) {
    return "s3://" + bucket + "/" + key(relative);
  }
}
