package io.mrgc.cluster.frontdoor;

import io.mrgc.common.Check;
import io.mrgc.common.tls.ClientTls;
import io.mrgc.common.tls.ServerTls;

/**
 * TLS on both sides of the front door, so that nothing on the tenant path is cleartext: it terminates the tenant's
 * TLS on the anycast addresses (as Global Accelerator's NLB listener or the router would in AWS) and opens a new TLS
 * connection to the chosen region's router, health checks included, trusting only the given CA.
 *
 * @param listener certificate and key of the anycast listeners ({@link ServerTls#none()}: plaintext HTTP)
 * @param routers the CA the routers' certificates chain to ({@link ClientTls#none()}: plaintext HTTP to routers)
 */
public record FrontDoorTls(ServerTls listener, ClientTls routers) {
  public FrontDoorTls {
    Check.notNull("listener", listener);
    Check.notNull("routers", routers);
  }

  /** Plaintext HTTP on both sides (tests of other things, and `mrgc up --plaintext-http`). */
  public static FrontDoorTls none() {
    return new FrontDoorTls(ServerTls.none(), ClientTls.none());
  }
}
