package io.mrgc.common;

/**
 * The one canonical form of a request target that every MRGC component accepts (router, node agent, enclave), so
 * that what the router authorizes is exactly what the agent routes on and the enclave binds to.
 *
 * <p>Canonical: {@code /}, or one or more segments {@code /seg}, each of 1+ unreserved characters
 * ({@code A-Z a-z 0-9 . _ ~ -}) and not {@code .} or {@code ..}; at most {@link #MAX_LENGTH} characters; nothing
 * else. So: no dot segments, no empty segments ({@code //}), no trailing slash, no percent-encoding at all (our API
 * never needs one, and decoding is where spellings of one path multiply), no backslash, no {@code ;} parameters, no
 * control or non-ASCII characters, no query string or fragment (our API takes none), no absolute-form target. Such
 * a path is left unchanged by Vert.x's {@code RFC3986.normalizePath}, which vertx-web routes on, and by vertx-web's
 * path-parameter decoding, so a component cannot resolve it to anything other than what it says.
 *
 * <p>Nothing is ever rewritten into canonical form: a request that is not canonical is refused
 * (400 {@code invalid_path}), since any rewrite is one more interpretation an attacker can play against another.
 */
public final class CanonicalPath {
  /** Longest canonical path; the envelope's {@code path} field has the same bound. */
  public static final int MAX_LENGTH = 256;

  private CanonicalPath() {}

  public static boolean isCanonical(String target) {
    return problem(target) == null;
  }

  /**
   * Null when {@code target} (the request-target as received, query included) is canonical, else what is wrong
   * with it, as a message that says what to fix (it never echoes the target).
   */
  public static String problem(String target) {
    if (target == null || target.isEmpty()) {
      return "the request path is empty; send an absolute path such as /v1/embeddings";
    }
    if (target.charAt(0) != '/') {
      return "the request path must start with / (absolute-form and other targets are refused)";
    }
    if (target.length() > MAX_LENGTH) {
      return "the request path is longer than " + MAX_LENGTH + " characters";
    }
    if (target.length() == 1) {
      return null;
    }
    int segmentStart = 1;
    for (int i = 1; i <= target.length(); i++) {
      char c = i < target.length() ? target.charAt(i) : '/';
      if (c == '/') {
        String segmentProblem = segmentProblem(target, segmentStart, i, i == target.length());
        if (segmentProblem != null) {
          return segmentProblem;
        }
        segmentStart = i + 1;
      } else if (!isUnreserved(c)) {
        return characterProblem(c);
      }
    }
    return null;
  }

  private static String segmentProblem(String target, int from, int to, boolean last) {
    int length = to - from;
    if (length == 0) {
      return last ? "the request path must not end with /" : "the request path must not contain empty segments (//)";
    }
    if (target.charAt(from) == '.' && (length == 1 || (length == 2 && target.charAt(from + 1) == '.'))) {
      return "the request path must not contain dot segments (/./ or /../)";
    }
    return null;
  }

  private static String characterProblem(char c) {
    return switch (c) {
      case '%' -> "the request path must not be percent-encoded (%XX); MRGC paths use only A-Z a-z 0-9 . _ ~ -";
      case '?', '#' -> "the request must not carry a query string or fragment; MRGC APIs take none";
      case '\\' -> "the request path must not contain backslashes";
      case ';' -> "the request path must not contain ; parameters";
      default -> c < 0x20 || c == 0x7F ? "the request path must not contain control characters"
          : c > 0x7F ? "the request path must be ASCII"
          : "the request path may contain only A-Z a-z 0-9 . _ ~ - and /";
    };
  }

  /** RFC 3986 unreserved characters. */
  private static boolean isUnreserved(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '-' || c == '.' || c == '_' || c == '~';
  }
}
