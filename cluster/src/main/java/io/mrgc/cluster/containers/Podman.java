package io.mrgc.cluster.containers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The podman command line, which runs the containers deployment: each call is one {@code podman ...} that must
 * succeed, its standard output returned, its error output in the exception otherwise. Nothing is installed here: when
 * podman is missing, {@link #require()} says how to get it.
 */
public final class Podman {
  static final String HOW_TO_GET =
      "install podman and runc (as root on Debian: containers/setup-host.sh, or apt-get install podman runc), then "
          + "build the images with ./mrgc images build";
  private static final long CALL_TIMEOUT_SECONDS = 120;

  private final String executable;

  private Podman(String executable) {
    this.executable = executable;
  }

  /** podman from the PATH ({@code MRGC_PODMAN} names another executable); fails with how to get it if missing. */
  public static Podman require() {
    Podman podman = new Podman(System.getenv().getOrDefault("MRGC_PODMAN", "podman"));
    try {
      podman.run("version", "--format", "{{.Client.Version}}");
    } catch (RuntimeException e) {
      throw new IllegalStateException("podman is not available (" + e.getMessage() + "): " + HOW_TO_GET, e);
    }
    return podman;
  }

  /** Runs {@code podman args...}; returns its standard output, trimmed. */
  public String run(String... args) {
    return run(List.of(args));
  }

  public String run(List<String> args) {
    return run(args, Map.of());
  }

  /** Runs {@code podman args...} with {@code env} added to its environment (secrets: never on a command line). */
  public String run(List<String> args, Map<String, String> env) {
    Result result = call(args, env);
    if (result.exit != 0) {
      throw new IllegalStateException("podman " + String.join(" ", args.subList(0, Math.min(2, args.size())))
          + " failed (exit " + result.exit + "): " + result.error.strip());
    }
    return result.output.strip();
  }

  /** The last {@code lines} lines a container wrote, standard output and error together. */
  public String logs(String container, int lines) {
    Result result = call(List.of("logs", "--tail", Integer.toString(lines), container), Map.of());
    return (result.output + result.error).strip();
  }

  /** Whether {@code podman args...} exits 0 (for checks such as {@code image exists}). */
  public boolean succeeds(String... args) {
    return call(List.of(args), Map.of()).exit == 0;
  }

  /** Starts a long-running {@code podman args...} (the API service) with its output in {@code log}. */
  public Process start(List<String> args, java.nio.file.Path log) {
    List<String> command = new ArrayList<>();
    command.add(executable);
    command.addAll(args);
    try {
      return new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start podman " + args, e);
    }
  }

  private record Result(int exit, String output, String error) {}

  private Result call(List<String> args, Map<String, String> env) {
    List<String> command = new ArrayList<>();
    command.add(executable);
    command.addAll(args);
    try {
      ProcessBuilder builder = new ProcessBuilder(command);
      builder.environment().putAll(env);
      Process process = builder.start();
      process.getOutputStream().close();
      // read both streams fully before waiting: a full pipe would block podman
      java.util.concurrent.CompletableFuture<String> error = java.util.concurrent.CompletableFuture.supplyAsync(
          () -> read(process.getErrorStream()));
      String output = read(process.getInputStream());
      if (!process.waitFor(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("podman " + args.get(0) + " did not finish in " + CALL_TIMEOUT_SECONDS + " s");
      }
      return new Result(process.exitValue(), output, error.join());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + executable + " (" + e.getMessage() + ")", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static String read(java.io.InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
