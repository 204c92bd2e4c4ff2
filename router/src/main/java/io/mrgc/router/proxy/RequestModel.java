package io.mrgc.router.proxy;

/**
 * The model a request asks for, from what the router may read without touching the body: the Open Inference
 * Protocol path ({@code /v2/models/{model}/...}) or the optional {@code x-mrgc-model} header. Null = unknown, and
 * then the model filter does not apply.
 */
public final class RequestModel {
  private static final String OIP_PREFIX = "/v2/models/";

  private RequestModel() {}

  public static String of(String path, String modelHeader) {
    if (path != null && path.startsWith(OIP_PREFIX)) {
      int end = path.indexOf('/', OIP_PREFIX.length());
      String model = end < 0 ? path.substring(OIP_PREFIX.length()) : path.substring(OIP_PREFIX.length(), end);
      if (!model.isEmpty()) {
        return model;
      }
    }
    return modelHeader == null || modelHeader.isBlank() ? null : modelHeader.trim();
  }
}
