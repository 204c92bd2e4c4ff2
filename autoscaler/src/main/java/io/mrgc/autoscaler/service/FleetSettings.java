package io.mrgc.autoscaler.service;

import io.mrgc.autoscaler.fleet.Ec2Fleet;
import io.mrgc.autoscaler.fleet.Fleet;
import io.mrgc.autoscaler.fleet.ProcessFleet;
import io.mrgc.common.config.ConfigReader;
import io.mrgc.common.config.Mode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * What launches and terminates the region's GPU nodes: EC2 from a launch template ({@code ec2}, mode aws) or agent
 * processes on this host ({@code local}, the local processes deployment). Exactly one of {@code ec2} and
 * {@code local} is set, as {@code type} says.
 */
public record FleetSettings(Type type, Ec2Fleet.LaunchTemplate ec2, ProcessFleet.Settings local) {
  public enum Type {
    EC2,
    LOCAL
  }

  public static final String DEFAULT_TEMPLATE_VERSION = "$Default";
  public static final Path DEFAULT_WORK_DIR = Path.of(".mrgc", "fleet");

  /** Reads the {@code fleet} section; {@code mode} decides which type is allowed. */
  static FleetSettings read(ConfigReader fleet, Mode mode) {
    Type type = fleet.choice("type", null, Type.class,
        "ec2: GPU instances from the launch template (mode aws); local: agent processes on this host (mode local)");
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

    if (type == Type.EC2 && mode == Mode.LOCAL) {
      fleet.problem("type", "'ec2' is not allowed in mode local; allowed: local (agent processes on this host)");
      return null;
    }
    if (type == Type.LOCAL && mode == Mode.AWS) {
      fleet.problem("type", "'local' is not allowed in mode aws; allowed: ec2 (GPU instances from a launch template)");
      return null;
    }
    if (type == Type.EC2) {
      return new FleetSettings(type, launchTemplate(ec2, id, name, version), null);
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
          new ProcessFleet.Settings(workDir, command, template.get(), grace)));
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

  /** The fleet for {@code region}; an SDK client it opens is added to {@code owned} (closed by the service). */
  Fleet open(String region, List<AutoCloseable> owned) {
    if (type == Type.LOCAL) {
      return new ProcessFleet(region, local);
    }
    Ec2Client client = Ec2Fleet.newClient(region, Optional.empty());
    owned.add(client);
    return new Ec2Fleet(client, region, ec2);
  }

  /** What the host lacks for this fleet: for ec2, a launch template EC2 knows (DescribeLaunchTemplates). */
  List<String> preflight(String region) {
    if (type != Type.EC2) {
      return List.of();
    }
    try (Ec2Client client = Ec2Fleet.newClient(region, Optional.empty())) {
      return new Ec2Fleet(client, region, ec2).checkTemplate().map(p -> List.of("fleet.ec2: " + p)).orElse(List.of());
    }
  }
}
