package io.mrgc.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mrgc.enclave.kms.LocalKeyRing;
import io.mrgc.state.StateClient;
import io.mrgc.state.TenantRepository;
import io.mrgc.tenant.KmsDataKeys;
import io.mrgc.tenant.MrgcClient;
import io.mrgc.tenant.MrgcException;
import io.mrgc.wire.keys.DataKeySource;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;

/** {@code mrgc tenant ...}: create tenants (admin) and call MRGC as a tenant with the SDK (encrypted). */
@Command(name = "tenant", mixinStandardHelpOptions = true, description = "Tenants of the local cluster.",
    subcommands = {TenantCommand.Create.class, TenantCommand.Update.class, TenantCommand.Embed.class})
final class TenantCommand implements Runnable {
  @Override
  public void run() {
    System.out.println("use `mrgc tenant create`, `mrgc tenant update` or `mrgc tenant embed` (see --help)");
  }

  /** Shared options: where the local cluster keeps its key ring. */
  static class StateDirOption {
    @Option(names = "--state-dir", description = "The local cluster's state dir (default: ${DEFAULT-VALUE}).")
    Path stateDir = LocalClusterOptions.DEFAULT_STATE_DIR;

    @Option(names = "--key-ring", description = "The key ring standing for KMS (default: <state-dir>/keyring.json; "
        + "`mrgc up --containers` keeps its own and prints where).")
    Path keyRing;

    LocalKeyRing tenantKeyRing() throws IOException {
      // Tenant side: it generates data keys; only the enclaves' side of the ring may release them.
      return new LocalKeyRing(keyRing != null ? keyRing : stateDir.resolve("keyring.json"), null);
    }
  }

  /** Shared options: where the local cluster keeps its state and its DynamoDB. */
  static class AdminOptions extends StateDirOption {
    @Option(names = "--dynamodb-endpoint", description = "DynamoDB of the local cluster (default: ${DEFAULT-VALUE}).")
    URI endpoint = URI.create("http://127.0.0.1:" + LocalClusterOptions.DEFAULT_DYNAMODB_PORT);

    /** Runs {@code work} with a tenant admin on the local cluster's DynamoDB and key ring. */
    void withAdmin(Consumer<TenantAdmin> work) throws IOException {
      try (var http = NettyNioAsyncHttpClient.builder().build();
          StateClient client = StateClient.local(endpoint, "us-east-1", http)) {
        work.accept(new TenantAdmin(new TenantRepository(client), tenantKeyRing()));
      }
    }
  }

  @Command(name = "update", mixinStandardHelpOptions = true,
      description = "Change a tenant's settings: its debug response headers and/or its model allowlist.")
  static final class Update extends AdminOptions implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--tenant", required = true)
    String tenant;

    @Option(names = "--debug-headers", arity = "1", description = "true: tell the tenant which "
        + "instance served each request (x-mrgc-instance); false: hide it (the default).")
    Boolean debugHeaders;

    @Option(names = "--models", split = ",", description = "The models the tenant may use, replacing its allowlist "
        + "(e.g. after `mrgc model publish`); --models '' allows every model.")
    List<String> models;

    @Override
    public Integer call() throws IOException {
      if (debugHeaders == null && models == null) {
        throw new ParameterException(spec.commandLine(),
            "nothing to change: give --debug-headers true|false and/or --models NAME[,NAME...]");
      }
      List<String> allowed = models == null ? null : models.stream().filter(m -> !m.isBlank()).toList();
      withAdmin(admin -> {
        if (debugHeaders != null) {
          admin.setDebugHeaders(tenant, debugHeaders);
        }
        if (allowed != null) {
          admin.setAllowedModels(tenant, allowed);
        }
      });
      if (debugHeaders != null) {
        System.out.println("tenant " + tenant + ": debug headers " + (debugHeaders ? "on" : "off"));
      }
      if (allowed != null) {
        System.out.println("tenant " + tenant + ": models " + (allowed.isEmpty() ? "any" : String.join(",", allowed)));
      }
      System.out.println("(routers see the change within their auth cache TTL)");
      return 0;
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create a tenant: a key in the local key ring (its KMS key) and an API key, printed once.")
  static final class Create extends AdminOptions implements Callable<Integer> {
    @Option(names = "--tenant", required = true, description = "Tenant id: letters, digits, . _ - (max 64).")
    String tenant;

    @Option(names = "--models", split = ",", description = "Models the tenant may use (default: any).")
    List<String> models = List.of();

    @Option(names = "--vpc-endpoints", split = ",", description = "VPC endpoint ids the tenant must come through "
        + "(PrivateLink; default: any path).")
    List<String> vpcEndpoints = List.of();

    @Option(names = "--rate", description = "Requests per second (default: the router's, 50).")
    Double rate;

    @Option(names = "--burst", description = "Burst size (default: the router's, 100).")
    Integer burst;

    @Option(names = "--debug-headers", description = "Tell the tenant which instance served each request "
        + "(x-mrgc-instance response header; default: off, instance ids are internal).")
    boolean debugHeaders;

    @Override
    public Integer call() throws IOException {
      withAdmin(admin -> {
        TenantAdmin.Credentials created = admin.create(tenant,
            new TenantAdmin.TenantSettings(models, vpcEndpoints, rate, burst, debugHeaders));
        System.out.println("tenant   " + created.tenantId());
        System.out.println("KMS key  " + created.kmsKeyId());
        System.out.println("API key  " + created.apiKey() + "   (shown once: only its hash is stored)");
      });
      return 0;
    }
  }

  private static final String AWS_KEY_ARN_PREFIX = "arn:aws:kms:";

  @Command(name = "embed", mixinStandardHelpOptions = true,
      description = "Embed texts as a tenant: encrypt with the SDK, send, print the decrypted answer.")
  static final class Embed extends StateDirOption implements Callable<Integer> {
    @Option(names = "--tenant", required = true)
    String tenant;

    @Option(names = "--api-key", required = true)
    String apiKey;

    @Option(names = "--kms-key", description = "The tenant's KMS key: a key ARN (then AWS KMS is used, with the "
        + "default AWS credentials and the ARN's region) or a local key ring id (default: the tenant's key in the "
        + "local key ring).")
    String kmsKey;

    @Option(names = "--endpoint", description = "Anycast address or PrivateLink name, https:// (http:// only for a "
        + "local cluster run with --plaintext-http; default: ${DEFAULT-VALUE}).")
    URI endpoint = URI.create("https://127.0.1.1:8080");

    @Option(names = "--ca-cert", defaultValue = "${env:MRGC_CA_CERT}", description = "PEM file of the CA to trust "
        + "for the endpoint's certificate, e.g. .mrgc/tls/ca.pem of `mrgc up` (default: $MRGC_CA_CERT, else the "
        + "JVM's CAs).")
    Path caCert;

    @Option(names = "--model", description = "Model (default: ${DEFAULT-VALUE}).")
    String model = "all-minilm-l6-v2";

    @Parameters(arity = "1..*", description = "Texts to embed.")
    List<String> inputs;

    @Override
    public Integer call() throws IOException {
      DataKeySource keys;
      String keyId;
      if (kmsKey != null && kmsKey.startsWith(AWS_KEY_ARN_PREFIX)) {
        keys = KmsDataKeys.create(Region.of(kmsKey.split(":")[3]), DefaultCredentialsProvider.builder().build());
        keyId = kmsKey;
      } else {
        LocalKeyRing keyRing = tenantKeyRing();
        keys = keyRing;
        keyId = kmsKey != null ? kmsKey : keyRing.keys().stream().filter(k -> k.tenant().equals(tenant))
            .map(LocalKeyRing.KeyInfo::keyId).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("tenant " + tenant + " has no key in "
                + keyRing.file() + "; create it with `mrgc tenant create` or pass --kms-key"));
      }
      try (MrgcClient client = MrgcClient.builder().endpoint(endpoint).caCertificate(caCert).tenant(tenant)
          .apiKey(apiKey).kmsKeyId(keyId).dataKeySource(keys).build()) {
        MrgcClient.Embeddings embeddings = client.embed(model, inputs);
        ObjectMapper json = new ObjectMapper();
        ObjectNode out = json.createObjectNode().put("model", embeddings.model())
            .put("prompt_tokens", embeddings.promptTokens());
        var data = out.putArray("data");
        for (float[] vector : embeddings.vectors()) {
          var array = data.addObject().put("dimensions", vector.length).putArray("embedding");
          for (float v : vector) {
            array.add(v);
          }
        }
        System.out.println(json.writeValueAsString(out));
        return 0;
      } catch (MrgcException e) {
        System.err.println("mrgc tenant embed: " + e.getMessage());
        return 1;
      }
    }
  }
}
