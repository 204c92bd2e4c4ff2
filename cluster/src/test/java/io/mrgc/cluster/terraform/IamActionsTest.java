package io.mrgc.cluster.terraform;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Ties the IAM roles of terraform/modules/iam to the AWS calls the services' code makes: every module's tests record,
 * through common's {@code AwsCallRecorder} (an SDK execution interceptor), {@code role<TAB>action<TAB>frame} lines in
 * their {@code target/aws-actions.tsv}. This module is the reactor's last, so the others' files are there when it runs.
 *
 * <ul>
 *   <li>every recorded action of a role is allowed by that role ({@code actions.json}, equal to main.tf);
 *   <li>every action a role allows was recorded, or is in {@code reviewed-actions.json} with the reason no test
 *       reaches it from service code (host-side callers, AWS-only paths, actions that only authorize another call).
 * </ul>
 * Without any recorded file (this module's tests run alone) the test is skipped, and fails with CI=true.
 */
class IamActionsTest {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Path IAM = ROOT.resolve("terraform/modules/iam");
  static final Set<String> ROLES = Set.of("router", "autoscaler", "failover_controller", "gpu_instance",
      "task_execution");
  static final ObjectMapper JSON = new ObjectMapper();

  /** role -> action -> modules whose tests recorded it. */
  static final Map<String, Map<String, Set<String>>> recorded = new TreeMap<>();
  static final List<String> unattributed = new ArrayList<>();
  static JsonNode actions;
  static JsonNode reviewed;

  @BeforeAll
  static void read() throws IOException {
    actions = JSON.readTree(IAM.resolve("actions.json").toFile());
    reviewed = JSON.readTree(IAM.resolve("reviewed-actions.json").toFile());
    List<Path> files;
    try (Stream<Path> modules = Files.list(ROOT)) {
      files = modules.map(m -> m.resolve("target/aws-actions.tsv")).filter(Files::isRegularFile).sorted().toList();
    }
    if (files.isEmpty()) {
      String why = "no ../*/target/aws-actions.tsv: run the other modules' tests first (mvn test from the root)";
      assertThat("true".equalsIgnoreCase(System.getenv("CI"))).as(why).isFalse();
      Assumptions.abort(why);
    }
    for (Path file : files) {
      String module = file.getParent().getParent().getFileName().toString();
      for (String line : Files.readAllLines(file)) {
        String[] parts = line.split("\t");
        if (parts.length < 2) {
          continue;
        }
        if (parts[0].equals("unattributed")) {
          unattributed.add(module + ": " + line);
        }
        if (ROLES.contains(parts[0])) {
          recorded.computeIfAbsent(parts[0], r -> new TreeMap<>())
              .computeIfAbsent(parts[1], a -> new TreeSet<>()).add(module);
        }
      }
    }
  }

  static Set<String> allowed(String role) {
    Set<String> out = new TreeSet<>();
    actions.path("roles").path(role).forEach(a -> out.add(a.asText()));
    actions.path("conditional").path(role).fieldNames().forEachRemaining(out::add);
    return out;
  }

  @Test
  void everyRecordedActionIsAllowedByItsRole() {
    List<String> denied = new ArrayList<>();
    recorded.forEach((role, byAction) -> byAction.forEach((action, modules) -> {
      if (!allowed(role).contains(action)) {
        denied.add(role + " calls " + action + " (recorded by the tests of " + String.join(", ", modules)
            + ") but terraform/modules/iam does not allow it");
      }
    }));
    assertThat(denied).as("calls the IAM roles deny").isEmpty();
  }

  @Test
  void everyAllowedActionIsRecordedOrReviewed() {
    List<String> unused = new ArrayList<>();
    for (String role : ROLES) {
      for (String action : allowed(role)) {
        boolean called = recorded.getOrDefault(role, Map.of()).containsKey(action);
        String reason = reviewed.path("roles").path(role).path(action).asText("");
        if (!called && reason.isBlank()) {
          unused.add(role + " allows " + action + ", which no test recorded from its code and "
              + "reviewed-actions.json does not list");
        }
      }
    }
    assertThat(unused).as("allowed actions neither called nor reviewed").isEmpty();
  }

  @Test
  void reviewedListNamesOnlyAllowedActions() {
    List<String> stale = new ArrayList<>();
    reviewed.path("roles").fields().forEachRemaining(role -> role.getValue().fieldNames().forEachRemaining(a -> {
      if (!allowed(role.getKey()).contains(a)) {
        stale.add(role.getKey() + " " + a);
      }
    }));
    assertThat(stale).as("reviewed-actions.json entries the role does not allow").isEmpty();
  }

  @Test
  void everyCallIsAttributed() {
    assertThat(unattributed).as("AWS calls with no MRGC frame on the stack (AwsCallRecorder)").isEmpty();
  }

  @Test
  void actionsJsonHasTheActionsOfMainTf() throws IOException {
    Set<String> inMainTf = new TreeSet<>();
    Matcher lists = Pattern.compile("actions\\s*=\\s*\\[([^\\]]*)\\]").matcher(Files.readString(IAM.resolve("main.tf")));
    while (lists.find()) {
      Matcher quoted = Pattern.compile("\"([^\"]+)\"").matcher(lists.group(1));
      while (quoted.find()) {
        inMainTf.add(quoted.group(1));
      }
    }
    inMainTf.remove("sts:AssumeRole");
    Set<String> inJson = new TreeSet<>();
    ROLES.forEach(r -> inJson.addAll(allowed(r)));
    assertThat(inJson).isEqualTo(inMainTf);
  }
}
