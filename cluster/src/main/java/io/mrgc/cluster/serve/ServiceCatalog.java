package io.mrgc.cluster.serve;

import io.mrgc.autoscaler.service.AutoscalerServiceDefinition;
import io.mrgc.cluster.frontdoor.FrontDoorServiceDefinition;
import io.mrgc.common.service.ServiceDefinition;
import io.mrgc.failover.service.ControlServiceDefinition;
import io.mrgc.failover.service.FailoverServiceDefinition;
import io.mrgc.router.service.RouterServiceDefinition;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every service {@code mrgc serve NAME} can run, by name, in the order docs/config.md lists them. */
public final class ServiceCatalog {
  private ServiceCatalog() {}

  public static List<ServiceDefinition<?>> all() {
    return List.of(
        new RouterServiceDefinition(),
        new io.mrgc.agent.service.AgentServiceDefinition(),
        new io.mrgc.enclave.serve.EnclaveServiceDefinition(),
        new AutoscalerServiceDefinition(),
        new FailoverServiceDefinition(),
        new ControlServiceDefinition(),
        new FrontDoorServiceDefinition());
  }

  public static Map<String, ServiceDefinition<?>> byName() {
    Map<String, ServiceDefinition<?>> byName = new LinkedHashMap<>();
    all().forEach(definition -> byName.put(definition.name(), definition));
    return byName;
  }
}
