package io.mrgc.failover.service;

import io.mrgc.autoscaler.service.AutoscalerServiceDefinition;
import io.mrgc.autoscaler.service.AutoscalerSettings;
import io.mrgc.common.config.ConfigReader;
import io.mrgc.common.service.ControlSettings;
import io.mrgc.common.service.Service;
import io.mrgc.common.service.ServiceDefinition;
import io.mrgc.state.config.Deployment;
import io.vertx.core.Vertx;
import java.util.List;

/**
 * {@code mrgc serve control}: a region's autoscaler and failover controller in one process (one small ECS task), one
 * state client, one admin listener. Each section is read by the same code as its own service's file.
 */
public final class ControlServiceDefinition implements ServiceDefinition<ControlConfig> {
  public static final int DEFAULT_ADMIN_PORT = 9472;

  @Override
  public String name() {
    return "control";
  }

  @Override
  public ControlConfig read(ConfigReader reader) {
    Deployment deployment = Deployment.read(reader);
    ControlSettings control = ControlSettings.read(reader, DEFAULT_ADMIN_PORT);
    AutoscalerSettings autoscaler = AutoscalerSettings.read(reader.section("autoscaler"), deployment.mode());
    FailoverSettings failover = FailoverSettings.read(reader.section("failover"), deployment);
    return new ControlConfig(deployment, control, autoscaler, failover);
  }

  @Override
  public List<String> preflight(ControlConfig config) {
    return AutoscalerServiceDefinition.preflight(config.deployment(), config.autoscaler());
  }

  @Override
  public java.util.Optional<io.mrgc.common.service.Placement> placement(ControlConfig config) {
    return java.util.Optional.of(config.deployment().placement(null));
  }

  @Override
  public Service create(ControlConfig config, Vertx vertx) {
    return ControlService.open(config, vertx);
  }
}
