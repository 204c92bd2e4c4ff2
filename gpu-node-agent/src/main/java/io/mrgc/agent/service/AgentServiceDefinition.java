package io.mrgc.agent.service;

import io.mrgc.common.config.ConfigReader;
import io.mrgc.common.config.Mode;
import io.mrgc.common.service.Service;
import io.mrgc.common.service.ServiceDefinition;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code mrgc serve agent}: the node agent of one GPU instance (mode aws) or of one local instance (mode local). */
public final class AgentServiceDefinition implements ServiceDefinition<AgentServiceConfig> {
  /** The Nitro Enclaves device of the parent instance (inside the enclave it is /dev/nsm instead). */
  public static final Path NITRO_ENCLAVES_DEVICE = Path.of("/dev/nitro_enclaves");

  private final Path nitroDevice;

  public AgentServiceDefinition() {
    this(NITRO_ENCLAVES_DEVICE);
  }

  /** With another Nitro Enclaves device path (tests). */
  AgentServiceDefinition(Path nitroDevice) {
    this.nitroDevice = nitroDevice;
  }

  @Override
  public String name() {
    return "agent";
  }

  @Override
  public AgentServiceConfig read(ConfigReader reader) {
    return AgentServiceConfig.read(reader);
  }

  /** Mode aws: region, credentials and the Nitro Enclaves device; always: the model root and the enclave's files. */
  @Override
  public List<String> preflight(AgentServiceConfig config) {
    List<String> lacking = new ArrayList<>(config.deployment().preflight());
    if (config.deployment().mode() == Mode.AWS && !Files.exists(nitroDevice)) {
      lacking.add("mode aws but " + nitroDevice + " is missing: this instance cannot run Nitro Enclaves (an "
          + "instance type with enclave support, enclaves enabled in the launch template, the "
          + "nitro-enclaves-allocator service running)");
    }
    Path modelRoot = config.agent().modelRoot();
    if (!Files.isDirectory(modelRoot)) {
      lacking.add("modelRoot: " + modelRoot + " does not exist or is not a directory; it must be the model "
          + "repository (mode aws: the FSx for Lustre mount)");
    }
    lacking.addAll(config.enclave().hostProblems());
    return lacking;
  }

  @Override
  public java.util.Optional<io.mrgc.common.service.Placement> placement(AgentServiceConfig config) {
    return java.util.Optional.of(config.deployment().placement(config.agent().instanceId()));
  }

  @Override
  public Service create(AgentServiceConfig config, Vertx vertx) {
    return AgentService.create(config, vertx);
  }
}
