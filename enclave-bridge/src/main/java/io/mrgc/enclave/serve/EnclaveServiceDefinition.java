package io.mrgc.enclave.serve;

import io.mrgc.common.config.ConfigReader;
import io.mrgc.common.service.Service;
import io.mrgc.common.service.ServiceDefinition;
import io.mrgc.enclave.attestation.NsmAttestationProvider;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code mrgc serve enclave}: the enclave service as its own process (mode local: beside the agent on a Unix socket;
 * mode aws: inside the Nitro Enclave, where {@link io.mrgc.enclave.EnclaveMain} runs the same configuration). It has
 * no use for Vert.x: the {@code vertx} {@link #create} is given is ignored.
 */
public final class EnclaveServiceDefinition implements ServiceDefinition<EnclaveServeConfig> {
  private final Path nsmDevice;

  public EnclaveServiceDefinition() {
    this(NsmAttestationProvider.DEFAULT_DEVICE);
  }

  /** With another NSM device path (tests). */
  EnclaveServiceDefinition(Path nsmDevice) {
    this.nsmDevice = nsmDevice;
  }

  @Override
  public String name() {
    return "enclave";
  }

  @Override
  public EnclaveServeConfig read(ConfigReader reader) {
    return EnclaveServeConfig.read(reader);
  }

  @Override
  public List<String> preflight(EnclaveServeConfig config) {
    return config.hostProblems(nsmDevice);
  }

  @Override
  public Service create(EnclaveServeConfig config, Vertx vertx) {
    return new Service() {
      private EnclaveProcess process;

      @Override
      public Future<Void> start() {
        try {
          process = EnclaveProcess.start(config);
          return Future.succeededFuture();
        } catch (Exception e) {
          return Future.failedFuture(e);
        }
      }

      @Override
      public Future<String> stop(Duration grace) {
        return Future.succeededFuture(process == null ? "enclave was not running" : process.stop());
      }
    };
  }
}
