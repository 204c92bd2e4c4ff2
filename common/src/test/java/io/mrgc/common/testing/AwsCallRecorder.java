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
 * nothing: the walk goes on to its caller. A stack with MRGC frames but none that decides is {@value #TEST}; a stack
 * with no MRGC frame at all (a continuation the SDK's threads run) is {@value #UNATTRIBUTED}.
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
  private static final Map<Class<?>, Boolean> TEST_CLASS = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(AwsCallRecorder::flush, "aws-call-recorder"));
  }

  @Override
  public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
    try {
      String action = action(attributes);
      String[] who = attribute();
      LINES.add(who[0] + "\t" + action + "\t" + who[1]);
    } catch (RuntimeException e) {
      // Never let the recorder break a test's call; a missing line shows up in IamActionsTest.
    }
  }

  static String action(ExecutionAttributes attributes) {
    String serviceId = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
    String prefix = IAM_PREFIX.getOrDefault(serviceId, serviceId.toLowerCase(java.util.Locale.ROOT));
    return prefix + ":" + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
  }

  /** {role, deciding class} for the current thread's stack. */
  static String[] attribute() {
    return StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> {
      boolean sawMrgc = false;
      for (StackWalker.StackFrame frame : (Iterable<StackWalker.StackFrame>) frames::iterator) {
        Class<?> type = frame.getDeclaringClass();
        String name = type.getName();
        if (!name.startsWith("io.mrgc.") || type == AwsCallRecorder.class) {
          continue;
        }
        sawMrgc = true;
        if (isTestClass(type)) {
          return new String[] {TEST, name};
        }
        for (String local : LOCAL_ONLY) {
          if (name.startsWith(local)) {
            return new String[] {TEST, name};
          }
        }
        for (Map.Entry<String, String> service : SERVICES) {
          if (name.startsWith(service.getKey())) {
            return new String[] {service.getValue(), name};
          }
        }
      }
      return new String[] {sawMrgc ? TEST : UNATTRIBUTED, "-"};
    });
  }

  static boolean isTestClass(Class<?> type) {
    return TEST_CLASS.computeIfAbsent(type, t -> {
      String location = Optional.ofNullable(t.getProtectionDomain().getCodeSource())
          .map(CodeSource::getLocation).map(URL::toString).orElse("");
      return location.contains("/test-classes") || location.endsWith("-tests.jar")
          || location.endsWith("-tests.jar!/");
    });
  }

  /** Lines recorded so far in this JVM (for the recorder's own test). */
  public static Set<String> recorded() {
    return Set.copyOf(LINES);
  }

  static synchronized void flush() {
    if (LINES.isEmpty() || !Files.isDirectory(FILE.getParent())) {
      return;
    }
    try (FileChannel channel = FileChannel.open(FILE, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
      ByteBuffer existing = ByteBuffer.allocate((int) channel.size());
      while (existing.hasRemaining() && channel.read(existing) >= 0) {
        // read it all
      }
      Set<String> all = new TreeSet<>(LINES);
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
