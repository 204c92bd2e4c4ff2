package io.mrgc.cluster.serve;

import io.mrgc.common.service.ServiceDefinition;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every service {@code mrgc serve NAME} can run, by name, in the order docs/config.md lists them. */
public final class ServiceCatalog {
  private ServiceCatalog() {}

  public static List<ServiceDefinition<?>> all() {
    return List.of(
        // each component adds its definition here
        new io.mrgc.agent.service.AgentServiceDefinition(),
        new io.mrgc.enclave.serve.EnclaveServiceDefinition()
    );
  }

  public static Map<String, ServiceDefinition<?>> byName() {
    Map<String, ServiceDefinition<?>> byName = new LinkedHashMap<>();
    all().forEach(definition -> byName.put(definition.name(), definition));
    return byName;
  }
}
