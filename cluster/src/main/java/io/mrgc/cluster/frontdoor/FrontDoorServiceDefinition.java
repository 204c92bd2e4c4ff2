package io.mrgc.cluster.frontdoor;

import io.mrgc.common.config.ConfigReader;
import io.mrgc.common.config.Mode;
import io.mrgc.common.service.Service;
import io.mrgc.common.service.ServiceDefinition;
import io.mrgc.common.tls.ClientTls;
import io.mrgc.common.tls.ServerTls;
import io.mrgc.state.config.Deployment;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code mrgc serve front-door}: the local stand-in for Global Accelerator as a service of its own. It exists only
 * locally; in AWS Global Accelerator is the front door, so {@code mode: aws} is refused.
 */
public final class FrontDoorServiceDefinition implements ServiceDefinition<FrontDoorServiceConfig> {
  public static final String NAME = "front-door";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public FrontDoorServiceConfig read(ConfigReader reader) {
    Deployment deployment = Deployment.read(reader);
    if (deployment.mode() == Mode.AWS) {
      reader.problem("mode", "'aws' is not allowed for " + NAME + ": in AWS, Global Accelerator is the front door "
          + "and terraform deploys it; allowed: local");
    }
    FrontDoorOptions frontDoor = FrontDoorKeys.read(reader);
    AdminListener admin = AdminListener.read(reader);
    return new FrontDoorServiceConfig(deployment, frontDoor, admin);
  }

  /** The TLS files must be readable files: a missing one would otherwise fail the start later. */
  @Override
  public List<String> preflight(FrontDoorServiceConfig config) {
    List<String> lacking = new ArrayList<>(config.deployment().preflight());
    ServerTls listener = config.frontDoor().tls().listener();
    ClientTls routers = config.frontDoor().tls().routers();
    checkReadable(lacking, "tls.certificateFile", listener.certificateChain());
    checkReadable(lacking, "tls.keyFile", listener.privateKey());
    checkReadable(lacking, "tls.caFile", routers.caCertificates());
    return lacking;
  }

  private static void checkReadable(List<String> lacking, String key, Path file) {
    if (file != null && !(Files.isRegularFile(file) && Files.isReadable(file))) {
      lacking.add(key + ": " + file + " is not a readable file");
    }
  }

  @Override
  public Service create(FrontDoorServiceConfig config, Vertx vertx) {
    return FrontDoorService.fromConfig(config, vertx);
  }
}
