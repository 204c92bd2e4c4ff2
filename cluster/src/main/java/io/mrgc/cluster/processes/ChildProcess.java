package io.mrgc.cluster.processes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One service of the processes deployment: {@code mrgc serve SERVICE --config FILE} in a JVM of its own, its output in
 * a log file beside the config. Signals are sent as an operator (or ECS, or a chaos test) would: TERM for a graceful
 * stop, KILL for a crash, STOP/CONT to freeze it as a partitioned host would be.
 */
public final class ChildProcess {
  private final String name;
  private final Path log;
  private final ProcessHandle process;
  /** The process when this JVM started it (its exit code is known), else null (an agent the fleet started). */
  private final Process started;

  private ChildProcess(String name, Path log, ProcessHandle process, Process started) {
    this.name = name;
    this.log = log;
    this.process = process;
    this.started = started;
  }

  /** A process another one started (an agent of the local fleet), to signal it as an operator would. */
  public static ChildProcess of(String name, ProcessHandle process, Path log) {
    return new ChildProcess(name, log, process, null);
  }

  /**
   * Starts {@code service} with {@code config}; {@code jvmFlags} size its heap, {@code env} adds variables (secrets
   * are passed this way, as ECS passes them, never written into the config files).
   */
  public static ChildProcess start(String name, String service, Path config, List<String> jvmFlags,
      Map<String, String> env, Path logDir) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmFlags);
    command.add("-cp");
    command.add(absoluteClassPath());
    command.add("io.mrgc.cluster.Mrgc");
    command.add("serve");
    command.add(service);
    command.add("--config");
    command.add(config.toString());
    try {
      Files.createDirectories(logDir);
      Path log = logDir.resolve(name + ".log");
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
      builder.environment().putAll(env);
      Process process = builder.start();
      return new ChildProcess(name, log, process.toHandle(), process);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + " (" + String.join(" ", command) + ")", e);
    }
  }

  /**
   * This JVM's class path with every entry made absolute: children (and the agents a control process launches from
   * its fleet's directory) run elsewhere than here.
   */
  static String absoluteClassPath() {
    List<String> entries = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (entry.endsWith("*")) {
        entries.add(Path.of(entry.substring(0, entry.length() - 1)).toAbsolutePath() + java.io.File.separator + "*");
      } else if (!entry.isEmpty()) {
        entries.add(Path.of(entry).toAbsolutePath().toString());
      }
    }
    return String.join(java.io.File.pathSeparator, entries);
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public Path log() {
    return log;
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** The exit code, or -1 while it runs or when another process started it. */
  public int exitCode() {
    return started == null || started.isAlive() ? -1 : started.exitValue();
  }

  /** SIGTERM: the service stops gracefully and exits 0. */
  public void terminate() {
    process.destroy();
  }

  /** SIGKILL: the process dies at once, as a crashed host's would. */
  public void kill() {
    process.destroyForcibly();
  }

  /** SIGSTOP: frozen, its sockets open but silent, as a partitioned or hung host. */
  public void pause() {
    signal("STOP");
  }

  /** SIGCONT after {@link #pause}. */
  public void resume() {
    signal("CONT");
  }

  /** Waits for it to exit; true when it did within {@code timeout}. */
  public boolean awaitExit(Duration timeout) {
    try {
      if (started != null) {
        return started.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      }
      process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return !process.isAlive();
    }
  }

  /** Resident memory (VmRSS) in bytes, from /proc; -1 when it cannot be read (exited, not Linux). */
  public long residentBytes() {
    return residentBytes(process.pid());
  }

  /** Resident memory (VmRSS) of process {@code pid} in bytes, from /proc; -1 when it cannot be read. */
  public static long residentBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** The last {@code lines} lines of its log, for failure messages. */
  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private void signal(String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
      if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " " + process.pid() + " (" + name + ") failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + pid() + ")";
  }
}
