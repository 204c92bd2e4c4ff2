package io.mrgc.router.proxy;

import io.mrgc.router.pick.Backend;
import io.mrgc.state.ModelCatalog;
import io.mrgc.wire.ErrorCode;
import java.util.List;

/**
 * The router's answer to a request for a model that no instance of its region advertises, decided from the model
 * registry before any of the body is read: 503 {@code model_loading} with Retry-After while the registry has the
 * model AVAILABLE or PUBLISHING (the instances load it, or will once it is published), 503 {@code unavailable} when
 * it is AVAILABLE but every instance of the region refused to load it (a corrupted copy, the memory budget: their
 * heartbeats say so), 404 {@code model_not_found} when it has no version of it or only retired ones.
 *
 * <p>Only then. A model that some instance row lists, whatever that instance's state, is a matter of capacity (busy,
 * draining, stale: the picker and the dispatch queue deal with it), and so is a region with no instance row at all
 * (scaled in, starting, or down: no instance can have said which models it serves). A model that instances advertise
 * but the registry does not know (installed outside it) is served. While the registry was never read the router
 * cannot tell a model being loaded from an unknown one, and answers as without the registry (503 no_capacity) rather
 * than a 404 that could be wrong.
 *
 * @param retryAfterSeconds the Retry-After of a 503, null for a 404
 */
record UnservedModel(ErrorCode code, String message, Integer retryAfterSeconds) {
  /** Retry-After of 503 model_loading: about a registry read plus an agent's load of a small model. */
  static final int LOADING_RETRY_AFTER_SECONDS = 2;
  /** Retry-After of 503 unavailable for a version every instance refused: it takes a new version to mend. */
  static final int REFUSED_RETRY_AFTER_SECONDS = 60;

  /**
   * The refusal for {@code model} (null: the request names none) given the region's instances and the registry's
   * last good {@code catalog} (null: never read); null when the request is routed as usual.
   */
  static UnservedModel of(String model, List<Backend> instances, ModelCatalog catalog, String region) {
    if (model == null || catalog == null || instances.isEmpty()
        || instances.stream().anyMatch(instance -> instance.serves(model))) {
      return null;
    }
    String echoed = RequestModel.echo(model);
    ModelCatalog.Status status = catalog.status(model);
    if (status == ModelCatalog.Status.AVAILABLE && instances.stream().allMatch(instance -> instance.refused(model))) {
      return new UnservedModel(ErrorCode.MODEL_UNAVAILABLE, "model " + echoed + " is published but every instance of "
          + "region " + region + " refused to load it; the operators are told (mrgc model show)",
          REFUSED_RETRY_AFTER_SECONDS);
    }
    return switch (status) {
      case AVAILABLE -> loading("model " + echoed + " is being loaded by the instances of region " + region
          + "; retry in " + LOADING_RETRY_AFTER_SECONDS + " s");
      case PUBLISHING -> loading("model " + echoed + " is being published; the instances of region " + region
          + " load it once it is available; retry in " + LOADING_RETRY_AFTER_SECONDS + " s");
      case RETIRED -> notFound("model " + echoed + " is not served: it was retired from the model registry; "
          + "use another model");
      case UNKNOWN -> notFound("model " + echoed + " is not served: it is not in the model registry; check the "
          + "model name");
    };
  }

  private static UnservedModel loading(String message) {
    return new UnservedModel(ErrorCode.MODEL_LOADING, message, LOADING_RETRY_AFTER_SECONDS);
  }

  private static UnservedModel notFound(String message) {
    return new UnservedModel(ErrorCode.MODEL_NOT_FOUND, message, null);
  }
}
