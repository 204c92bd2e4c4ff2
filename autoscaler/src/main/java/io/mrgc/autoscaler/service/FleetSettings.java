package io.mrgc.autoscaler.service;

import io.mrgc.autoscaler.fleet.Ec2Fleet;
import io.mrgc.autoscaler.fleet.Fleet;
import io.mrgc.autoscaler.fleet.ProcessFleet;
import io.mrgc.autoscaler.fleet.container.ContainerFleet;
import io.mrgc.common.config.ConfigReader;
import io.mrgc.common.config.Mode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * What launches and terminates the region's GPU nodes: EC2 from a launch template ({@code ec2}, mode aws), agent
 * processes on this host ({@code local}, the local processes deployment) or agent and enclave containers through a
 * container engine's Docker API socket ({@code container}, the local containers deployment). Exactly one of
 * {@code ec2}, {@code local} and {@code container} is set, as {@code type} says.
 */
public record FleetSettings(Type type, Ec2Fleet.LaunchTemplate ec2, ProcessFleet.Settings local,
    ContainerFleet.Settings container) {
  public enum Type {
    EC2,
    LOCAL,
    CONTAINER
  }

  /** Local mode's fleet types, as the problem of a type not allowed there names them. */
  static final String LOCAL_TYPES = "local (agent processes on this host) or container (agent containers through "
      + "the engine's API socket)";

  public static final String DEFAULT_TEMPLATE_VERSION = "$Default";
  public static final Path DEFAULT_WORK_DIR = Path.of(".mrgc", "fleet");

  /** Reads the {@code fleet} section; {@code mode} decides which type is allowed. */
  static FleetSettings read(ConfigReader fleet, Mode mode) {
    Type type = fleet.choice("type", null, Type.class,
        "ec2: GPU instances from the launch template (mode aws); local: agent processes on this host (mode local); "
            + "container: agent and enclave containers through the engine's API socket (mode local)");
    ConfigReader ec2 = fleet.section("ec2");
    String id = ec2.string("launchTemplateId", "",
        "fleet.type ec2: the launch template's id (lt-...); its subnets, security groups, instance profile and AMI "
            + "are the template's; set this or launchTemplateName");
    String name = ec2.string("launchTemplateName", "", "fleet.type ec2: the launch template's name, instead of its id");
    String version = ec2.string("launchTemplateVersion", DEFAULT_TEMPLATE_VERSION,
        "fleet.type ec2: the template version to launch: a number, $Default or $Latest");
    ConfigReader local = fleet.section("local");
    Optional<Path> template = local.optionalPath("agentConfigTemplate",
        "fleet.type local: the agent's YAML, with ${instanceId}, ${port} (a free port) and ${region} filled in for "
            + "each instance launched; required with fleet.type local");
    List<String> command = local.list("command", ProcessFleet.DEFAULT_COMMAND,
        "fleet.type local: the command of one instance; ${config} is its generated agent file, ${java} and "
            + "${classpath} this JVM's, ${instanceId}, ${port} and ${region} as in the template");
    Path workDir = local.path("workDir", DEFAULT_WORK_DIR,
        "fleet.type local: where instance records, generated agent files and their logs are kept (standby "
            + "autoscalers on this host share it)");
    Duration grace = local.duration("terminateGrace", ProcessFleet.DEFAULT_TERMINATE_GRACE,
        "fleet.type local: after SIGTERM, how long an instance may drain before SIGKILL");
    ContainerKeys containerKeys = ContainerKeys.read(fleet.section("container"));

    if (type == Type.EC2 && mode == Mode.LOCAL) {
      fleet.problem("type", "'ec2' is not allowed in mode local; allowed: " + LOCAL_TYPES);
      return null;
    }
    if ((type == Type.LOCAL || type == Type.CONTAINER) && mode == Mode.AWS) {
      fleet.problem("type", "'" + (type == Type.LOCAL ? "local" : "container") + "' is not allowed in mode aws; "
          + "allowed: ec2 (GPU instances from a launch template)");
      return null;
    }
    if (type == Type.EC2) {
      return new FleetSettings(type, launchTemplate(ec2, id, name, version), null, null);
    }
    if (type == Type.CONTAINER) {
      ContainerFleet.Settings settings = containerKeys.settings(fleet.section("container"));
      return settings == null ? null : new FleetSettings(type, null, null, settings);
    }
    if (type == Type.LOCAL) {
      if (template.isEmpty()) {
        local.problem("agentConfigTemplate", "missing; required with fleet.type local: the agent's YAML template");
        return null;
      }
      if (!Files.isReadable(template.get())) {
        local.problem("agentConfigTemplate", "'" + template.get() + "' is not allowed; allowed: a readable file");
        return null;
      }
      return local.build("command", () -> new FleetSettings(type, null,
          new ProcessFleet.Settings(workDir, command, template.get(), grace), null));
    }
    return null;
  }

  private static Ec2Fleet.LaunchTemplate launchTemplate(ConfigReader ec2, String id, String name, String version) {
    if (id.isEmpty() == name.isEmpty()) {
      ec2.problem("launchTemplateId", (id.isEmpty() ? "missing" : "'" + id + "' and launchTemplateName '" + name
          + "' are both set") + "; with fleet.type ec2 set exactly one of launchTemplateId and launchTemplateName");
      return null;
    }
    if (!id.isEmpty() && !id.matches("lt-[0-9a-f]{8,17}")) {
      ec2.problem("launchTemplateId", "'" + id + "' is not allowed; allowed: a launch template id such as "
          + "lt-0123456789abcdef0");
      return null;
    }
    if (!version.matches("[1-9][0-9]*|\\$Default|\\$Latest")) {
      ec2.problem("launchTemplateVersion", "'" + version + "' is not allowed; allowed: a version number, $Default "
          + "or $Latest");
      return null;
    }
    return id.isEmpty() ? Ec2Fleet.LaunchTemplate.byName(name, version) : Ec2Fleet.LaunchTemplate.byId(id, version);
  }

  /** The {@code fleet.container} keys as read, validated by {@link #settings}. */
  private record ContainerKeys(Path socket, String deployment, String network, String agentImage,
      String enclaveImage, Optional<Path> agentConfigFile, Optional<Path> enclaveConfigFile, List<String> agentMounts,
      List<String> enclaveMounts,
      List<String> passEnv, long memory, Duration terminateGrace, String volumeOwner) {
    static ContainerKeys read(ConfigReader c) {
      return new ContainerKeys(
          c.path("socket", ContainerFleet.DEFAULT_SOCKET, "fleet.type container: the container engine's Docker API "
              + "socket (podman's, mounted into the control container; root-equivalent, local only)"),
          c.string("deployment", ContainerFleet.DEFAULT_DEPLOYMENT, "fleet.type container: the io.mrgc.deployment "
              + "label of the containers this fleet launches and lists"),
          c.string("network", "", "fleet.type container: the region's container network, which agents join with "
              + "their container name as DNS alias; empty: mrgc-<region>"),
          c.string("agentImage", ContainerFleet.DEFAULT_AGENT_IMAGE, "fleet.type container: the agent's image"),
          c.string("enclaveImage", ContainerFleet.DEFAULT_ENCLAVE_IMAGE, "fleet.type container: the enclave's image"),
          c.optionalPath("agentConfigFile", "fleet.type container: the agent's YAML on the engine's host (an "
              + "absolute path), mounted read-only at " + ContainerFleet.AGENT_CONFIG_PATH + "; required"),
          c.optionalPath("enclaveConfigFile", "fleet.type container: the enclave's YAML on the engine's host (an "
              + "absolute path), mounted read-only at " + ContainerFleet.ENCLAVE_CONFIG_PATH + "; required"),
          c.list("agentMounts", List.of(), "fleet.type container: more read-only binds into each agent container, "
              + "each hostPath:containerPath (both absolute; e.g. the models)"),
          c.list("enclaveMounts", List.of(), "fleet.type container: more read-only binds into each enclave "
              + "container only, each hostPath:containerPath (both absolute; e.g. the local key ring's directory)"),
          c.list("passEnv", List.of(), "fleet.type container: names of environment variables copied from this "
              + "process into each agent (e.g. MRGC_PEER_AUTH_KEYS; values never logged)"),
          c.bytes("memory", 0, 0, 1L << 40, "fleet.type container: each container's memory limit; 0: none"),
          c.duration("terminateGrace", ContainerFleet.DEFAULT_TERMINATE_GRACE,
              "fleet.type container: after SIGTERM, how long an agent container may drain before SIGKILL"),
          c.string("volumeOwner", ContainerFleet.DEFAULT_VOLUME_OWNER, "fleet.type container: uid:gid owning the "
              + "volume for the enclave's socket (the images' user)"));
    }

    /** The fleet's settings; null with the problems added to {@code c}. */
    ContainerFleet.Settings settings(ConfigReader c) {
      int before = c.problems().size();
      Path agent = file(c, "agentConfigFile", agentConfigFile, "the agent's YAML");
      Path enclave = file(c, "enclaveConfigFile", enclaveConfigFile, "the enclave's YAML");
      List<ContainerFleet.Mount> agentBinds = mounts(c, "agentMounts", agentMounts);
      List<ContainerFleet.Mount> enclaveBinds = mounts(c, "enclaveMounts", enclaveMounts);
      for (String name : passEnv) {
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
          c.problem("passEnv", "'" + name + "' is not allowed; allowed: environment variable names such as "
              + "MRGC_PEER_AUTH_KEYS");
        }
      }
      if (!volumeOwner.matches("[0-9]+:[0-9]+")) {
        c.problem("volumeOwner", "'" + volumeOwner + "' is not allowed; allowed: uid:gid such as 10001:10001");
      }
      if (c.problems().size() > before) {
        return null;
      }
      return c.build("agentImage", () -> new ContainerFleet.Settings(socket, deployment, network, agentImage,
          ContainerFleet.DEFAULT_AGENT_COMMAND, enclaveImage, ContainerFleet.DEFAULT_ENCLAVE_COMMAND, agent, enclave,
          agentBinds, enclaveBinds, passEnv, memory, terminateGrace, volumeOwner));
    }

    private static List<ContainerFleet.Mount> mounts(ConfigReader c, String key, List<String> texts) {
      List<ContainerFleet.Mount> binds = new ArrayList<>();
      for (String text : texts) {
        ContainerFleet.Mount mount = ContainerFleet.Mount.parse(text);
        if (mount == null) {
          c.problem(key, "'" + text + "' is not allowed; allowed: hostPath:containerPath, both absolute "
              + "(mounted read-only)");
        }
        binds.add(mount);
      }
      return binds;
    }

    private static Path file(ConfigReader c, String key, Optional<Path> value, String what) {
      if (value.isEmpty()) {
        c.problem(key, "missing; required with fleet.type container: " + what + " on the engine's host");
        return null;
      }
      if (!value.get().isAbsolute()) {
        c.problem(key, "'" + value.get() + "' is not allowed; allowed: an absolute path on the engine's host");
        return null;
      }
      return value.get();
    }
  }

  /** The fleet for {@code region}; an SDK client it opens is added to {@code owned} (closed by the service). */
  Fleet open(String region, List<AutoCloseable> owned) {
    if (type == Type.LOCAL) {
      return new ProcessFleet(region, local);
    }
    if (type == Type.CONTAINER) {
      return new ContainerFleet(region, container);
    }
    Ec2Client client = Ec2Fleet.newClient(region, Optional.empty());
    owned.add(client);
    return new Ec2Fleet(client, region, ec2);
  }

  /**
   * What the host lacks for this fleet: for ec2, a launch template EC2 knows (DescribeLaunchTemplates); for container,
   * an engine that answers on the socket and has the images and the region network.
   */
  List<String> preflight(String region) {
    if (type == Type.CONTAINER) {
      return new ContainerFleet(region, container).preflight().stream().map(p -> "fleet.container: " + p).toList();
    }
    if (type != Type.EC2) {
      return List.of();
    }
    try (Ec2Client client = Ec2Fleet.newClient(region, Optional.empty())) {
      return new Ec2Fleet(client, region, ec2).checkTemplate().map(p -> List.of("fleet.ec2: " + p)).orElse(List.of());
    }
  }
}
