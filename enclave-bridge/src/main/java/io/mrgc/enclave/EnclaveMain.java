package io.mrgc.enclave;

import io.mrgc.enclave.attestation.NsmAttestationProvider;
import io.mrgc.enclave.kms.AwsKms;
import io.mrgc.enclave.server.EnclaveServer;
import io.mrgc.enclave.service.EnclaveService;
import io.mrgc.enclave.service.EnclaveServiceConfig;
import io.mrgc.enclave.transport.VsockTransport;
import java.net.URI;
import java.util.concurrent.CountDownLatch;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * The process inside the Nitro Enclave image: the enclave service (RSA-2048 key pair made now, attestation from
 * /dev/nsm, KMS Decrypt with Recipient) behind the framed protocol on vsock. Usage:
 * {@code EnclaveMain <region> [vsock port, default 5000] [KMS endpoint, e.g. https://kms.<region>.amazonaws.com
 * reached through the parent's vsock-proxy and an in-enclave forwarder]}. Credentials come from the parent (the
 * enclave has no instance metadata): the default provider chain reads them from the environment it is given.
 */
public final class EnclaveMain {
  private EnclaveMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1 || args.length > 3) {
      System.err.println("usage: EnclaveMain <region> [vsock port, default "
          + VsockTransport.DEFAULT_PORT + "] [KMS endpoint]");
      System.exit(2);
    }
    Region region = Region.of(args[0]);
    int port = args.length > 1 ? Integer.parseInt(args[1]) : VsockTransport.DEFAULT_PORT;
    URI kmsEndpoint = args.length > 2 ? URI.create(args[2]) : null;
    // The parent's client uses the default call timeout; KMS calls must give up before it does.
    EnclaveServiceConfig config = EnclaveServiceConfig.defaults()
        .requireCompatibleWith(io.mrgc.enclave.client.EnclaveClientConfig.defaults());
    EnclaveService service = new EnclaveService(
        AwsKms.create(region, kmsEndpoint, DefaultCredentialsProvider.builder().build(), config.kmsTimeout()),
        new NsmAttestationProvider(), config);
    EnclaveServer server = new EnclaveServer(VsockTransport.enclaveListener(port), service);
    server.start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.stop();
      service.close();
      stopped.countDown();
    }, "enclave-shutdown"));
    stopped.await();
  }
}
