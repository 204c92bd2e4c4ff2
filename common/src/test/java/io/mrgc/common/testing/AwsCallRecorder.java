package io.mrgc.common.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Records the IAM action of every AWS SDK v2 call a module's tests make, and which service's code made it, for
 * {@code IamActionsTest} (cluster) to compare with terraform/modules/iam/actions.json.
 *
 * <p>Registered for every test JVM that has common's test jar on its class path, through the SDK's global interceptor
 * file {@code software/amazon/awssdk/global/handlers/execution.interceptors}: every SDK client built there gets it.
 *
 * <p>Attribution, at {@code beforeExecution} (run in the thread that called the client): the stack is walked from the
 * SDK call outwards; the first MRGC frame that decides is
 * <ul>
 *   <li>a test class (loaded from {@code test-classes} or a {@code -tests.jar}): {@value #TEST};
 *   <li>local-only setup ({@code Tables}, {@code io.mrgc.state.local}, {@code io.mrgc.cluster}: the local stand-ins,
 *       DynamoDB Local, the operator CLI): {@value #TEST};
 *   <li>a service's main code: {@code io.mrgc.router} router, {@code io.mrgc.autoscaler} autoscaler,
 *       {@code io.mrgc.failover} failover_controller, {@code io.mrgc.agent}, {@code io.mrgc.carwash} and
 *       {@code io.mrgc.enclave} gpu_instance (the enclave calls KMS with the parent instance's credentials).
 * </ul>
 * Shared code ({@code io.mrgc.state}, {@code io.mrgc.common}, {@code io.mrgc.tenant}, {@code io.mrgc.wire}) decides
 * nothing: the walk goes on to its caller. A stack with only shared MRGC frames is a continuation (a repository's
 * {@code thenCompose} lambda the SDK's threads run): it is attributed, at exit, to every role whose code called the
 * same shared method ({@code Class#method}, a lambda by its enclosing method) directly, {@value #TEST} if none did.
 * A stack with no MRGC frame at all is {@value #UNATTRIBUTED}.
 *
 * <p>Lines {@code role<TAB>action<TAB>frame} (frame: the class that decided) are merged into
 * {@code target/aws-actions.tsv} of the working directory (surefire's: the module) at JVM exit, under a file lock;
 * the file keeps the union of every run since the last {@code mvn clean}.
 */
public final class AwsCallRecorder implements ExecutionInterceptor {
  public static final String TEST = "test";
  public static final String UNATTRIBUTED = "unattributed";
  public static final Path FILE = Path.of("target", "aws-actions.tsv");

  /** Package prefixes of service main code, first match wins. */
  static final List<Map.Entry<String, String>> SERVICES = List.of(
      Map.entry("io.mrgc.router.", "router"),
      Map.entry("io.mrgc.autoscaler.", "autoscaler"),
      Map.entry("io.mrgc.failover.", "failover_controller"),
      Map.entry("io.mrgc.agent.", "gpu_instance"),
      Map.entry("io.mrgc.carwash.", "gpu_instance"),
      Map.entry("io.mrgc.enclave.", "gpu_instance"));

  /** Local-only code: creates tables, runs DynamoDB Local, stands in for AWS, or is the operator's CLI. */
  static final List<String> LOCAL_ONLY = List.of(
      "io.mrgc.state.Tables", "io.mrgc.state.local.", "io.mrgc.cluster.");

  /** IAM service prefix by SDK service id, where lowercasing the id is not it. */
  static final Map<String, String> IAM_PREFIX = Map.of(
      "CloudWatchLogs", "logs",
      "CloudWatch", "cloudwatch");

  private static final Set<String> LINES = ConcurrentHashMap.newKeySet();
  /** Continuations: {@code Class#method<TAB>action} of calls whose stack has only shared MRGC frames. */
  private static final Set<String> CONTINUATIONS = ConcurrentHashMap.newKeySet();
  /** Roles whose code called through each shared {@code Class#method} (the stack between the SDK and the decider). */
  private static final Map<String, Set<String>> ROLES_BY_SHARED = new ConcurrentHashMap<>();
  private static final Map<Class<?>, Boolean> TEST_CLASS = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(AwsCallRecorder::flush, "aws-call-recorder"));
  }

  @Override
  public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
    try {
      record(action(attributes));
    } catch (RuntimeException e) {
      // Never let the recorder break a test's call; a missing line shows up in IamActionsTest.
    }
  }

  static String action(ExecutionAttributes attributes) {
    String serviceId = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
    String prefix = IAM_PREFIX.getOrDefault(serviceId, serviceId.toLowerCase(java.util.Locale.ROOT));
    return prefix + ":" + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
  }

  /** Attributes the current thread's stack and records the action. */
  static void record(String action) {
    StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> {
      List<String> shared = new ArrayList<>();
      for (StackWalker.StackFrame frame : (Iterable<StackWalker.StackFrame>) frames::iterator) {
        Class<?> type = frame.getDeclaringClass();
        String name = type.getName();
        if (!name.startsWith("io.mrgc.") || type == AwsCallRecorder.class) {
          continue;
        }
        String role = decide(type, name);
        if (role != null) {
          LINES.add(role + "\t" + action + "\t" + name.replaceAll("\\$.*", ""));
          for (String key : shared) {
            ROLES_BY_SHARED.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(role);
          }
          return null;
        }
        shared.add(key(frame));
      }
      if (shared.isEmpty()) {
        LINES.add(UNATTRIBUTED + "\t" + action + "\t-");
      } else {
        CONTINUATIONS.add(shared.get(0) + "\t" + action);
      }
      return null;
    });
  }

  /** The role a frame of this class decides, or null for shared code. */
  static String decide(Class<?> type, String name) {
    if (isTestClass(type)) {
      return TEST;
    }
    for (String local : LOCAL_ONLY) {
      if (name.startsWith(local)) {
        return TEST;
      }
    }
    for (Map.Entry<String, String> service : SERVICES) {
      if (name.startsWith(service.getKey())) {
        return service.getValue();
      }
    }
    return null;
  }

  /** Class#method of a shared frame, a lambda's frame named by its enclosing method. */
  static String key(StackWalker.StackFrame frame) {
    String method = frame.getMethodName();
    if (method.startsWith("lambda$")) {
      method = method.substring("lambda$".length()).replaceAll("\\$.*", "");
    }
    return frame.getDeclaringClass().getName().replaceAll("\\$.*", "") + "#" + method;
  }

  /** Recorded lines, continuations resolved to the roles that called the same shared method directly. */
  public static Set<String> recorded() {
    Set<String> all = new TreeSet<>(LINES);
    for (String continuation : CONTINUATIONS) {
      String[] parts = continuation.split("\t");
      Set<String> roles = ROLES_BY_SHARED.getOrDefault(parts[0], Set.of(TEST));
      for (String role : roles) {
        all.add(role + "\t" + parts[1] + "\t" + parts[0] + " (continuation)");
      }
    }
    return all;
  }

  static boolean isTestClass(Class<?> type) {
    return TEST_CLASS.computeIfAbsent(type, t -> {
      String location = Optional.ofNullable(t.getProtectionDomain().getCodeSource())
          .map(CodeSource::getLocation).map(URL::toString).orElse("");
      return location.contains("/test-classes") || location.endsWith("-tests.jar")
          || location.endsWith("-tests.jar!/");
    });
  }

  static synchronized void flush() {
    if (LINES.isEmpty() && CONTINUATIONS.isEmpty() || !Files.isDirectory(FILE.getParent())) {
      return;
    }
    try (FileChannel channel = FileChannel.open(FILE, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
      ByteBuffer existing = ByteBuffer.allocate((int) channel.size());
      while (existing.hasRemaining() && channel.read(existing) >= 0) {
        // read it all
      }
      Set<String> all = recorded();
      for (String line : new String(existing.array(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank()) {
          all.add(line);
        }
      }
      byte[] out = (String.join("\n", all) + "\n").getBytes(StandardCharsets.UTF_8);
      channel.truncate(0);
      channel.position(0);
      channel.write(ByteBuffer.wrap(out));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
