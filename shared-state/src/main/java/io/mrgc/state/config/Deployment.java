package io.mrgc.state.config;

import io.mrgc.common.config.ConfigReader;
import io.mrgc.common.config.Mode;
import io.mrgc.common.service.Placement;
import io.mrgc.state.StateClient;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

/**
 * Where a service runs and which adapters it uses, the keys every service file starts with: {@code mode},
 * {@code region} and {@code state.endpoint} (DynamoDB). In {@code mode: aws} the region may come from the AWS SDK's
 * region chain ({@code AWS_REGION} on ECS and EC2) and credentials from its default chain (task role, instance
 * profile); a host that has neither fails at start saying which, never falling back to local stand-ins.
 */
public record Deployment(Mode mode, String region, Optional<URI> stateEndpoint) {
  public static final List<String> REGIONS = List.of("us-east-1", "us-east-2", "us-west-2");

  public static Deployment read(ConfigReader reader) {
    Mode mode = reader.choice("mode", null, Mode.class,
        "aws: the AWS SDK adapters (DynamoDB, KMS, EC2, Global Accelerator, NSM, vsock); local: the embedded "
            + "stand-ins (DynamoDB Local, key ring, local fleet, front door, Unix sockets)");
    String region = reader.string("region", "",
        "the AWS region this service serves; in mode aws it may be left to AWS_REGION (the SDK's region chain)");
    if (!region.isEmpty() && Region.regions().stream().noneMatch(r -> r.id().equals(region))) {
      reader.problem("region", "'" + region + "' is not an AWS region; allowed: a region id such as "
          + String.join(", ", REGIONS));
    }
    String endpoint = reader.section("state").string("endpoint", "",
        "DynamoDB endpoint override (required in mode local: DynamoDB Local's URL; in mode aws normally unset)");
    Optional<URI> stateEndpoint = Optional.empty();
    if (!endpoint.isEmpty()) {
      try {
        URI uri = URI.create(endpoint);
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
          throw new IllegalArgumentException();
        }
        stateEndpoint = Optional.of(uri);
      } catch (IllegalArgumentException e) {
        reader.problem("state.endpoint", "'" + endpoint + "' is not allowed; allowed: an http(s) URL such as "
            + "http://127.0.0.1:8000");
      }
    }
    if (mode == Mode.LOCAL && region.isEmpty()) {
      reader.problem("region", "missing; required in mode local: one of " + String.join(", ", REGIONS));
    }
    if (mode == Mode.LOCAL && endpoint.isEmpty()) {
      reader.problem("state.endpoint", "missing; required in mode local: DynamoDB Local's URL, e.g. "
          + "http://127.0.0.1:8000");
    }
    return new Deployment(mode, region, stateEndpoint);
  }

  /**
   * What an AWS host lacks: a region (config, or the SDK's chain) and credentials (the SDK's default chain). Empty in
   * mode local.
   */
  public List<String> preflight() {
    List<String> lacking = new ArrayList<>();
    if (mode != Mode.AWS) {
      return lacking;
    }
    if (region.isEmpty()) {
      try {
        new DefaultAwsRegionProviderChain().getRegion();
      } catch (SdkClientException e) {
        lacking.add("region: mode aws but no region: not in the file, MRGC_REGION or the AWS SDK's region chain "
            + "(AWS_REGION, profile)");
      }
    }
    try (DefaultCredentialsProvider credentials = DefaultCredentialsProvider.builder().build()) {
      credentials.resolveCredentials();
    } catch (SdkClientException e) {
      lacking.add("mode aws but no AWS credentials: the SDK's default chain (environment, web identity, ECS task "
          + "role, instance profile) found none: " + e.getMessage());
    }
    return lacking;
  }

  /** The region in effect: the file's, else (mode aws) the SDK's region chain. */
  public String effectiveRegion() {
    return region.isEmpty() ? new DefaultAwsRegionProviderChain().getRegion().id() : region;
  }

  /** Where a service of this deployment runs, for its EMF dimensions ({@code instanceId} null but for agents). */
  public Placement placement(String instanceId) {
    return new Placement(mode, effectiveRegion(), instanceId);
  }

  /**
   * {@code shared} when given (one JVM's client: its owner closes it), else a client of its own, added to
   * {@code owned} for the service to close.
   */
  public StateClient stateFor(StateClient shared, List<AutoCloseable> owned) {
    if (shared != null) {
      return shared;
    }
    StateClient own = openState();
    owned.add(own);
    return own;
  }

  /** A DynamoDB client for this deployment (the caller closes it). */
  public StateClient openState() {
    return mode == Mode.LOCAL
        ? StateClient.localOwned(stateEndpoint.orElseThrow(), effectiveRegion())
        : StateClient.aws(effectiveRegion(), stateEndpoint);
  }
}
