package io.mrgc.autoscaler.fleet;

import io.mrgc.common.Check;
import java.util.ArrayList;
import java.util.Collection;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.Ec2ClientBuilder;
import software.amazon.awssdk.services.ec2.model.DescribeLaunchTemplatesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesRequest;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.EnclaveOptionsRequest;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceState;
import software.amazon.awssdk.services.ec2.model.InstanceStateChange;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateSpecification;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.ec2.model.TerminateInstancesRequest;

/**
 * The EC2 adapter of {@link Fleet} on the SDK v2 {@link Ec2Client} (one region's client).
 *
 * <ul>
 *   <li>launch: RunInstances from a launch template (id or name, and version), MinCount = MaxCount = n, Nitro
 *       Enclaves enabled, the instance and its volumes tagged {@code mrgc:region} and {@code mrgc:role=gpu-node}, a
 *       fresh client token per call (so the SDK's retries of that call cannot launch twice).
 *   <li>describe: DescribeInstances filtered by those tags and the non-terminated states, all pages.
 *   <li>terminate: TerminateInstances of exactly the ids given. Drain-before-terminate is the loop's job.
 * </ul>
 *
 * Errors from EC2 become {@link FleetException} with EC2's error code.
 */
public final class Ec2Fleet implements Fleet {
  public static final String TAG_REGION = "mrgc:region";
  public static final String TAG_ROLE = "mrgc:role";
  public static final String ROLE_GPU_NODE = "gpu-node";
  static final List<String> LIVE_STATES = List.of("pending", "running", "stopping", "stopped", "shutting-down");
  private static final Logger LOG = LoggerFactory.getLogger(Ec2Fleet.class);

  /** The launch template: by id (lt-...) or by name, and a version ("$Latest", "$Default" or a number). */
  public record LaunchTemplate(String id, String name, String version) {
    public LaunchTemplate {
      if ((id == null || id.isBlank()) == (name == null || name.isBlank())) {
        throw new IllegalArgumentException("launch template needs exactly one of id and name");
      }
      Check.notBlank("version", version);
    }

    public static LaunchTemplate byId(String id, String version) {
      return new LaunchTemplate(id, null, version);
    }

    public static LaunchTemplate byName(String name, String version) {
      return new LaunchTemplate(null, name, version);
    }
  }

  private final Ec2Client ec2;
  private final String region;
  private final LaunchTemplate template;
  private final Supplier<String> clientTokens;

  public Ec2Fleet(Ec2Client ec2, String region, LaunchTemplate template) {
    this(ec2, region, template, () -> UUID.randomUUID().toString());
  }

  Ec2Fleet(Ec2Client ec2, String region, LaunchTemplate template, Supplier<String> clientTokens) {
    this.ec2 = Check.notNull("ec2", ec2);
    this.region = Check.notBlank("region", region);
    this.template = Check.notNull("template", template);
    this.clientTokens = clientTokens;
  }

  /**
   * The client for {@code region} with the SDK's default credentials (the task role in ECS) on the URL-connection HTTP
   * client; {@code endpoint} overrides the regional endpoint (a VPC endpoint; tests).
   */
  public static Ec2Client newClient(String region, Optional<URI> endpoint) {
    Ec2ClientBuilder builder = Ec2Client.builder().region(Region.of(region))
        .httpClient(UrlConnectionHttpClient.create());
    endpoint.ifPresent(builder::endpointOverride);
    return builder.build();
  }

  /**
   * At start: whether the launch template exists (DescribeLaunchTemplates), so that a wrong id or name fails the start
   * instead of the first scale-up minutes later. Empty when it does; else what is wrong, with EC2's error code.
   */
  public Optional<String> checkTemplate() {
    DescribeLaunchTemplatesRequest.Builder request = DescribeLaunchTemplatesRequest.builder();
    if (template.id() != null) {
      request.launchTemplateIds(template.id());
    } else {
      request.launchTemplateNames(template.name());
    }
    String named = template.id() != null ? "launch template id '" + template.id() + "'"
        : "launch template name '" + template.name() + "'";
    try {
      boolean found = call("DescribeLaunchTemplates", () -> !ec2.describeLaunchTemplates(request.build())
          .launchTemplates().isEmpty());
      return found ? Optional.empty() : Optional.of(named + " not found in " + region);
    } catch (FleetException e) {
      return Optional.of(named + " cannot be used: " + e.getMessage());
    }
  }

  @Override
  public List<String> launch(int count) {
    Check.between("count", count, 1, 100);
    List<Tag> tags = List.of(Tag.builder().key(TAG_REGION).value(region).build(),
        Tag.builder().key(TAG_ROLE).value(ROLE_GPU_NODE).build());
    RunInstancesRequest request = RunInstancesRequest.builder()
        .launchTemplate(LaunchTemplateSpecification.builder()
            .launchTemplateId(template.id()).launchTemplateName(template.name()).version(template.version()).build())
        .enclaveOptions(EnclaveOptionsRequest.builder().enabled(true).build())
        .tagSpecifications(
            TagSpecification.builder().resourceType(ResourceType.INSTANCE).tags(tags).build(),
            TagSpecification.builder().resourceType(ResourceType.VOLUME).tags(tags).build())
        .minCount(count)
        .maxCount(count)
        .clientToken(clientTokens.get())
        .build();
    List<String> ids = call("RunInstances", () -> ec2.runInstances(request).instances().stream()
        .map(Instance::instanceId).toList());
    LOG.info("launched {} gpu nodes in {}: {}", ids.size(), region, ids);
    return ids;
  }

  @Override
  public List<FleetInstance> describe() {
    DescribeInstancesRequest request = DescribeInstancesRequest.builder()
        .filters(
            Filter.builder().name("tag:" + TAG_REGION).values(region).build(),
            Filter.builder().name("tag:" + TAG_ROLE).values(ROLE_GPU_NODE).build(),
            Filter.builder().name("instance-state-name").values(LIVE_STATES).build())
        .build();
    return call("DescribeInstances", () -> {
      List<FleetInstance> out = new ArrayList<>();
      ec2.describeInstancesPaginator(request).reservations().forEach(r -> r.instances().forEach(i ->
          out.add(new FleetInstance(i.instanceId(), lifecycle(i.state()), i.launchTime(), i.privateIpAddress()))));
      return out;
    });
  }

  @Override
  public List<StateChange> terminate(Collection<String> instanceIds) {
    Check.notNull("instanceIds", instanceIds);
    if (instanceIds.isEmpty()) {
      return List.of();
    }
    TerminateInstancesRequest request = TerminateInstancesRequest.builder().instanceIds(instanceIds).build();
    List<StateChange> changes = call("TerminateInstances", () -> ec2.terminateInstances(request)
        .terminatingInstances().stream().map(Ec2Fleet::change).toList());
    LOG.info("terminated {} gpu nodes in {}: {}", changes.size(), region, instanceIds);
    return changes;
  }

  private static StateChange change(InstanceStateChange c) {
    return new StateChange(c.instanceId(), lifecycle(c.previousState()), lifecycle(c.currentState()));
  }

  static InstanceLifecycle lifecycle(InstanceState state) {
    if (state == null || state.name() == null) {
      return InstanceLifecycle.UNKNOWN;
    }
    return switch (state.name()) {
      case PENDING -> InstanceLifecycle.PENDING;
      case RUNNING -> InstanceLifecycle.RUNNING;
      case STOPPING -> InstanceLifecycle.STOPPING;
      case STOPPED -> InstanceLifecycle.STOPPED;
      case SHUTTING_DOWN -> InstanceLifecycle.SHUTTING_DOWN;
      case TERMINATED -> InstanceLifecycle.TERMINATED;
      default -> InstanceLifecycle.UNKNOWN;
    };
  }

  private <T> T call(String operation, Supplier<T> call) {
    try {
      return call.get();
    } catch (Ec2Exception e) {
      String code = e.awsErrorDetails() != null && e.awsErrorDetails().errorCode() != null
          ? e.awsErrorDetails().errorCode() : "HTTP " + e.statusCode();
      String message = e.awsErrorDetails() != null && e.awsErrorDetails().errorMessage() != null
          ? e.awsErrorDetails().errorMessage() : e.getMessage();
      throw new FleetException(operation + " in " + region, code, message, e);
    }
  }
}
