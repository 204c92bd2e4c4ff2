package io.mrgc.failover.service;

import io.mrgc.common.config.ConfigReader;
import io.mrgc.common.service.ControlSettings;
import io.mrgc.common.service.Service;
import io.mrgc.common.service.ServiceDefinition;
import io.mrgc.state.config.Deployment;
import io.vertx.core.Vertx;
import java.util.List;

/** {@code mrgc serve failover-controller}: one region's failover controller (standby replicas wait on the leases). */
public final class FailoverServiceDefinition implements ServiceDefinition<FailoverConfig> {
  public static final int DEFAULT_ADMIN_PORT = 9471;

  @Override
  public String name() {
    return "failover-controller";
  }

  @Override
  public FailoverConfig read(ConfigReader reader) {
    Deployment deployment = Deployment.read(reader);
    return new FailoverConfig(deployment, ControlSettings.read(reader, DEFAULT_ADMIN_PORT),
        FailoverSettings.read(reader, deployment));
  }

  @Override
  public List<String> preflight(FailoverConfig config) {
    return config.deployment().preflight();
  }

  @Override
  public java.util.Optional<io.mrgc.common.service.Placement> placement(FailoverConfig config) {
    return java.util.Optional.of(config.deployment().placement(null));
  }

  @Override
  public Service create(FailoverConfig config, Vertx vertx) {
    return FailoverService.open(config, vertx);
  }
}
