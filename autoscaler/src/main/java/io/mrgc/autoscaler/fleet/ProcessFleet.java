package io.mrgc.autoscaler.fleet;

import io.mrgc.common.net.FreePorts;
import io.mrgc.common.Check;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local processes deployment's {@link Fleet}: what EC2 does for GPU nodes, done with processes. Launching an
 * instance writes its agent configuration (the template with {@code ${instanceId}}, {@code ${port}} (a free port) and
 * {@code ${region}} filled in) and starts the command (by default a child JVM running {@code mrgc serve agent}); its
 * record in the work directory (pid, start time, port) is what {@link #describe} lists, so a restarted or standby
 * autoscaler on the same host sees the instances launched before. Terminating sends SIGTERM (the agent drains and
 * exits) and SIGKILL after the grace. A process that died is gone, as a terminated instance is.
 */
public final class ProcessFleet implements Fleet {
  /** This JVM's java binary and class path, so that the default command starts the same installation. */
  public static final List<String> DEFAULT_COMMAND = List.of("${java}", "-cp", "${classpath}",
      "io.mrgc.cluster.Mrgc", "serve", "agent", "--config", "${config}");
  public static final Duration DEFAULT_TERMINATE_GRACE = Duration.ofSeconds(30);
  private static final Logger LOG = LoggerFactory.getLogger(ProcessFleet.class);
  private static final String RECORD = ".instance";

  /**
   * @param workDir where instance records, generated agent configurations and process logs are kept
   * @param command the command of one instance, each argument with {@code ${...}} placeholders
   * @param agentConfigTemplate the agent's YAML with placeholders
   * @param terminateGrace how long a terminated instance may drain after SIGTERM before SIGKILL
   */
  public record Settings(Path workDir, List<String> command, Path agentConfigTemplate, Duration terminateGrace) {
    public Settings {
      Check.notNull("workDir", workDir);
      command = List.copyOf(Check.notNull("command", command));
      if (command.isEmpty()) {
        throw new IllegalArgumentException("command must not be empty");
      }
      Check.notNull("agentConfigTemplate", agentConfigTemplate);
      Check.positive("terminateGrace", terminateGrace);
    }
  }

  private final String region;
  private final Settings settings;
  private final String template;

  /** Reads the agent configuration template (blocking). */
  public ProcessFleet(String region, Settings settings) {
    this.region = Check.notBlank("region", region);
    this.settings = Check.notNull("settings", settings);
    try {
      this.template = Files.readString(settings.agentConfigTemplate());
      Files.createDirectories(settings.workDir());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public List<String> launch(int count) {
    List<String> ids = Fleet.launchEach(count, this::launchOne);
    LOG.info("launched {} agent processes in {}: {}", ids.size(), region, ids);
    return ids;
  }

  private String launchOne() {
    String id = "i-local-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()).substring(0, 12);
    int port = FreePorts.loopback();
    Path config = settings.workDir().resolve(id + ".yaml").toAbsolutePath();
    Map<String, String> values = Map.of("instanceId", id, "port", Integer.toString(port), "region", region,
        "config", config.toString(), "java", javaBinary(), "classpath", System.getProperty("java.class.path"));
    try {
      Files.writeString(config, substitute(template, values));
      Process process = new ProcessBuilder(command(values))
          .directory(settings.workDir().toFile())
          .redirectErrorStream(true)
          .redirectOutput(settings.workDir().resolve(id + ".log").toFile())
          .start();
      Properties record = new Properties();
      record.setProperty("region", region);
      record.setProperty("pid", Long.toString(process.pid()));
      record.setProperty("launchedAt", Instant.now().toString());
      // With the pid, the process's start time tells it from a later process that got the same pid.
      process.info().startInstant().ifPresent(at -> record.setProperty("startedAt", at.toString()));
      record.setProperty("port", Integer.toString(port));
      try (Writer out = Files.newBufferedWriter(settings.workDir().resolve(id + RECORD))) {
        record.store(out, "an instance of the local process fleet");
      }
    } catch (IOException e) {
      throw new FleetException("launch in " + region, "LaunchFailed", e.getMessage(), e);
    }
    return id;
  }

  /** The command with the placeholders filled in. */
  List<String> command(Map<String, String> values) {
    return settings.command().stream().map(arg -> substitute(arg, values)).toList();
  }

  /** {@code ${name}} replaced by its value for every name given; other text is left as it is. */
  static String substitute(String text, Map<String, String> values) {
    String out = text;
    for (Map.Entry<String, String> e : values.entrySet()) {
      out = out.replace("${" + e.getKey() + "}", e.getValue());
    }
    return out;
  }

  @Override
  public List<FleetInstance> describe() {
    List<FleetInstance> out = new ArrayList<>();
    for (Instance instance : instances()) {
      Optional<ProcessHandle> process = instance.process();
      if (process.isEmpty()) {
        forget(instance.id());
        continue;
      }
      InstanceLifecycle state = instance.terminating() ? InstanceLifecycle.SHUTTING_DOWN : InstanceLifecycle.RUNNING;
      out.add(new FleetInstance(instance.id(), state, instance.launchedAt(), "127.0.0.1"));
    }
    return out;
  }

  @Override
  public List<StateChange> terminate(Collection<String> instanceIds) {
    Check.notNull("instanceIds", instanceIds);
    List<StateChange> changes = new ArrayList<>();
    for (String id : instanceIds) {
      Optional<Instance> instance = instances().stream().filter(i -> i.id().equals(id)).findFirst();
      Optional<ProcessHandle> process = instance.flatMap(Instance::process);
      if (process.isEmpty()) {
        changes.add(new StateChange(id, InstanceLifecycle.TERMINATED, InstanceLifecycle.TERMINATED));
        continue;
      }
      markTerminating(id);
      ProcessHandle handle = process.get();
      handle.destroy(); // SIGTERM: the agent drains and exits
      handle.onExit().orTimeout(settings.terminateGrace().toMillis(), TimeUnit.MILLISECONDS)
          .whenComplete((exited, timeout) -> {
            if (timeout != null && handle.isAlive()) {
              LOG.warn("{} did not exit within {} after SIGTERM: SIGKILL", id, settings.terminateGrace());
              handle.destroyForcibly();
            }
          });
      changes.add(new StateChange(id, InstanceLifecycle.RUNNING, InstanceLifecycle.SHUTTING_DOWN));
    }
    LOG.info("terminating {} agent processes in {}: {}", changes.size(), region, instanceIds);
    return changes;
  }

  /**
   * The running instances' processes by instance id (what an operator would reach with ssh and kill): for chaos
   * tests and for shutting a local deployment down.
   */
  public Map<String, ProcessHandle> processes() {
    Map<String, ProcessHandle> running = new java.util.TreeMap<>();
    for (Instance instance : instances()) {
      instance.process().ifPresent(process -> running.put(instance.id(), process));
    }
    return running;
  }

  /** One instance record; {@link #process} is empty once the process is gone (or its pid was reused). */
  private record Instance(String id, long pid, Instant launchedAt, String startedAt, boolean terminating) {
    Optional<ProcessHandle> process() {
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(p -> startedAt == null
          || p.info().startInstant().map(s -> s.toString().equals(startedAt)).orElse(true));
    }
  }

  private List<Instance> instances() {
    List<Instance> out = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(settings.workDir(), "*" + RECORD)) {
      for (Path file : files) {
        Properties record = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
          record.load(in);
        } catch (IOException e) {
          continue; // written as we read: seen at the next describe
        }
        if (!region.equals(record.getProperty("region"))) {
          continue;
        }
        String name = file.getFileName().toString();
        out.add(new Instance(name.substring(0, name.length() - RECORD.length()),
            Long.parseLong(record.getProperty("pid")), Instant.parse(record.getProperty("launchedAt")),
            record.getProperty("startedAt"), record.getProperty("terminating") != null));
      }
    } catch (IOException e) {
      throw new FleetException("describe in " + region, "ListFailed", e.getMessage(), e);
    }
    return out;
  }

  private void markTerminating(String id) {
    Path file = settings.workDir().resolve(id + RECORD);
    try {
      Files.writeString(file, "terminating=" + Instant.now() + "\n", java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      LOG.debug("could not mark {} terminating: {}", id, e.toString());
    }
  }

  private void forget(String id) {
    try {
      Files.deleteIfExists(settings.workDir().resolve(id + RECORD));
      Files.deleteIfExists(settings.workDir().resolve(id + ".yaml"));
    } catch (IOException e) {
      LOG.debug("could not remove the record of {}: {}", id, e.toString());
    }
  }

  private static String javaBinary() {
    return ProcessHandle.current().info().command()
        .orElse(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
  }
}
