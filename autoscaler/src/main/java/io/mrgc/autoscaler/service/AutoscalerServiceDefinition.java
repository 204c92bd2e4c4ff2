package io.mrgc.autoscaler.service;

import io.mrgc.common.config.ConfigReader;
import io.mrgc.common.service.ControlSettings;
import io.mrgc.common.service.Service;
import io.mrgc.common.service.ServiceDefinition;
import io.mrgc.state.config.Deployment;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;

/** {@code mrgc serve autoscaler}: one region's autoscaler (a standby replica waits on the lease). */
public final class AutoscalerServiceDefinition implements ServiceDefinition<AutoscalerConfig> {
  public static final int DEFAULT_ADMIN_PORT = 9470;

  @Override
  public String name() {
    return "autoscaler";
  }

  @Override
  public AutoscalerConfig read(ConfigReader reader) {
    Deployment deployment = Deployment.read(reader);
    return new AutoscalerConfig(deployment, ControlSettings.read(reader, DEFAULT_ADMIN_PORT),
        AutoscalerSettings.read(reader, deployment.mode()));
  }

  @Override
  public List<String> preflight(AutoscalerConfig config) {
    return preflight(config.deployment(), config.autoscaler());
  }

  /** The deployment's preflight, then (when it passed) the fleet's: a launch template EC2 knows. */
  public static List<String> preflight(Deployment deployment, AutoscalerSettings autoscaler) {
    List<String> lacking = new ArrayList<>(deployment.preflight());
    if (lacking.isEmpty()) {
      lacking.addAll(autoscaler.fleet().preflight(deployment.effectiveRegion()));
    }
    return lacking;
  }

  @Override
  public java.util.Optional<io.mrgc.common.service.Placement> placement(AutoscalerConfig config) {
    return java.util.Optional.of(config.deployment().placement(null));
  }

  @Override
  public Service create(AutoscalerConfig config, Vertx vertx) {
    return AutoscalerService.open(config, vertx);
  }
}
