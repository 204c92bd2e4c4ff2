package io.mrgc.cluster.serve;

import io.mrgc.common.service.ServiceDefinition;
import io.mrgc.common.service.ServiceRunner;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code mrgc serve NAME --config FILE}: runs one service in this process from its configuration file (plus
 * {@code MRGC_...} environment overrides), as an ECS task or a GPU instance's unit does. Exit codes: 0 stopped by
 * SIGTERM/SIGINT after a graceful stop, 1 could not start or stop cleanly, 2 the configuration (or the host, for
 * mode aws) has problems, all of them printed.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run one service from its configuration file (see docs/config.md).")
public final class ServeCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SERVICE",
      description = "router, agent, enclave, autoscaler, failover-controller, control or front-door")
  String service;

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "the service's YAML file")
  Path config;

  @Option(names = "--check-config",
      description = "print the effective configuration (secrets masked) and exit 0, or every problem and exit 2")
  boolean checkOnly;

  @Override
  public Integer call() {
    ServiceDefinition<?> definition = ServiceCatalog.byName().get(service);
    if (definition == null) {
      spec.commandLine().getErr().println("mrgc serve: unknown service '" + service + "'; known: "
          + String.join(", ", ServiceCatalog.byName().keySet()));
      spec.commandLine().getErr().flush();
      return ServiceRunner.EXIT_CONFIG;
    }
    if (checkOnly) {
      return ServiceRunner.check(definition, config, System.getenv(), spec.commandLine().getOut(),
          spec.commandLine().getErr());
    }
    return ServiceRunner.serve(definition, config, System.getenv(), spec.commandLine().getErr());
  }
}
