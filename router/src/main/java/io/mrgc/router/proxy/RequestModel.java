package io.mrgc.router.proxy;

import io.mrgc.wire.Headers;

/**
 * The model a request asks for, from what the router may read without touching the body: the Open Inference
 * Protocol path ({@code /v2/models/{model}/...}) or the optional {@code x-mrgc-model} header. The path must already
 * be canonical ({@link io.mrgc.common.CanonicalPath}; the tenant gate refuses others first), so the path's model
 * segment is exactly the model the agent's router resolves. On an OIP path the header, if sent, must name the same
 * model ({@link #mismatch()}): the model the router authorizes and forwards is the one in the path.
 *
 * @param model the model, or null when the request names none (then the model filter does not apply)
 * @param mismatch null, or why the request is refused (400): the header names another model than the path
 */
public record RequestModel(String model, String mismatch) {
  private static final String OIP_PREFIX = "/v2/models/";
  private static final int MAX_ECHOED_CHARS = 128;

  public static RequestModel of(String canonicalPath, String modelHeader) {
    String header = modelHeader == null || modelHeader.isBlank() ? null : modelHeader.trim();
    String fromPath = oipModel(canonicalPath);
    if (fromPath == null) {
      return new RequestModel(header, null);
    }
    if (header != null && !header.equals(fromPath)) {
      return new RequestModel(fromPath, "the " + Headers.MODEL + " header names model " + echo(header)
          + " but the path names model " + echo(fromPath) + "; send the path's model or leave the header out");
    }
    return new RequestModel(fromPath, null);
  }

  /** The {@code {model}} segment of an OIP path, or null when the path is not under {@code /v2/models/}. */
  static String oipModel(String path) {
    if (path == null || !path.startsWith(OIP_PREFIX)) {
      return null;
    }
    int end = path.indexOf('/', OIP_PREFIX.length());
    String model = end < 0 ? path.substring(OIP_PREFIX.length()) : path.substring(OIP_PREFIX.length(), end);
    return model.isEmpty() ? null : model;
  }

  /** A model name as error messages may quote it (bounded: names come from callers). */
  public static String echo(String model) {
    return model.length() <= MAX_ECHOED_CHARS ? model : model.substring(0, MAX_ECHOED_CHARS) + "...";
  }
}
