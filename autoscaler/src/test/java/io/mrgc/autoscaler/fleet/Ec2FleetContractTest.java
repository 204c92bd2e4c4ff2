package io.mrgc.autoscaler.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * Contract test: the real SDK v2 Ec2Client against an in-test endpoint that parses the EC2 Query protocol form body,
 * checks the parameters the adapter must send, and answers with EC2's XML.
 */
class Ec2FleetContractTest {
  static final String NS = "http://ec2.amazonaws.com/doc/2016-11-15/";

  /** One answer: HTTP status and XML body. */
  record Answer(int status, String xml) {}

  HttpServer server;
  Ec2Client ec2;
  final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
  volatile Function<Map<String, String>, Answer> responder;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      Map<String, String> form = parse(body);
      requests.add(form);
      Answer answer = responder.apply(form);
      byte[] bytes = answer.xml().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "text/xml;charset=UTF-8");
      exchange.sendResponseHeaders(answer.status(), bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.start();
    ec2 = Ec2Client.builder()
        .endpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")))
        .httpClient(UrlConnectionHttpClient.create())
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
        .build();
  }

  @AfterEach
  void stop() {
    ec2.close();
    server.stop(0);
  }

  static Map<String, String> parse(String body) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.put(key, value);
    }
    return out;
  }

  Ec2Fleet fleet(Ec2Fleet.LaunchTemplate template) {
    return new Ec2Fleet(ec2, "us-east-1", template, () -> "token-1");
  }

  @Test
  void launchRunsInstancesFromTheTemplateWithEnclavesAndTags() {
    responder = form -> new Answer(200, """
        <?xml version="1.0" encoding="UTF-8"?>
        <RunInstancesResponse xmlns="%s">
          <requestId>8f3c2d1e-1111-2222-3333-444455556666</requestId>
          <reservationId>r-0123456789abcdef0</reservationId>
          <ownerId>123456789012</ownerId>
          <groupSet/>
          <instancesSet>
            <item>
              <instanceId>i-0aaa1111bbbb2222c</instanceId>
              <imageId>ami-0abcdef1234567890</imageId>
              <instanceState><code>0</code><name>pending</name></instanceState>
              <privateDnsName>ip-10-0-1-10.ec2.internal</privateDnsName>
              <amiLaunchIndex>0</amiLaunchIndex>
              <instanceType>g5.xlarge</instanceType>
              <launchTime>2025-01-06T10:00:00.000Z</launchTime>
              <privateIpAddress>10.0.1.10</privateIpAddress>
              <enclaveOptions><enabled>true</enabled></enclaveOptions>
            </item>
            <item>
              <instanceId>i-0ddd3333eeee4444f</instanceId>
              <imageId>ami-0abcdef1234567890</imageId>
              <instanceState><code>0</code><name>pending</name></instanceState>
              <amiLaunchIndex>1</amiLaunchIndex>
              <instanceType>g5.xlarge</instanceType>
              <launchTime>2025-01-06T10:00:00.000Z</launchTime>
              <privateIpAddress>10.0.1.11</privateIpAddress>
              <enclaveOptions><enabled>true</enabled></enclaveOptions>
            </item>
          </instancesSet>
        </RunInstancesResponse>
        """.formatted(NS));

    List<String> ids = fleet(Ec2Fleet.LaunchTemplate.byId("lt-0123456789abcdef0", "7")).launch(2);

    assertThat(ids).containsExactly("i-0aaa1111bbbb2222c", "i-0ddd3333eeee4444f");
    Map<String, String> form = requests.get(0);
    assertThat(form).containsEntry("Action", "RunInstances")
        .containsEntry("Version", "2016-11-15")
        .containsEntry("LaunchTemplate.LaunchTemplateId", "lt-0123456789abcdef0")
        .containsEntry("LaunchTemplate.Version", "7")
        .doesNotContainKey("LaunchTemplate.LaunchTemplateName")
        .containsEntry("EnclaveOptions.Enabled", "true")
        .containsEntry("MinCount", "2")
        .containsEntry("MaxCount", "2")
        .containsEntry("ClientToken", "token-1")
        .containsEntry("TagSpecification.1.ResourceType", "instance")
        .containsEntry("TagSpecification.1.Tag.1.Key", "mrgc:region")
        .containsEntry("TagSpecification.1.Tag.1.Value", "us-east-1")
        .containsEntry("TagSpecification.1.Tag.2.Key", "mrgc:role")
        .containsEntry("TagSpecification.1.Tag.2.Value", "gpu-node")
        .containsEntry("TagSpecification.2.ResourceType", "volume")
        .containsEntry("TagSpecification.2.Tag.1.Key", "mrgc:region")
        .containsEntry("TagSpecification.2.Tag.2.Value", "gpu-node");
  }

  @Test
  void launchByTemplateName() {
    responder = form -> new Answer(200, """
        <RunInstancesResponse xmlns="%s"><requestId>r1</requestId><reservationId>r-1</reservationId>
          <instancesSet><item><instanceId>i-0fff5555aaaa6666b</instanceId>
            <instanceState><code>0</code><name>pending</name></instanceState></item></instancesSet>
        </RunInstancesResponse>""".formatted(NS));

    assertThat(fleet(Ec2Fleet.LaunchTemplate.byName("mrgc-gpu-node", "$Latest")).launch(1))
        .containsExactly("i-0fff5555aaaa6666b");
    assertThat(requests.get(0)).containsEntry("LaunchTemplate.LaunchTemplateName", "mrgc-gpu-node")
        .containsEntry("LaunchTemplate.Version", "$Latest")
        .doesNotContainKey("LaunchTemplate.LaunchTemplateId");
  }

  @Test
  void describeFiltersByTagsAndLiveStatesAndReadsEveryPage() {
    responder = form -> form.containsKey("NextToken")
        ? new Answer(200, """
            <DescribeInstancesResponse xmlns="%s">
              <requestId>req-2</requestId>
              <reservationSet>
                <item>
                  <reservationId>r-0bbb</reservationId>
                  <ownerId>123456789012</ownerId>
                  <instancesSet>
                    <item>
                      <instanceId>i-0ccc</instanceId>
                      <instanceState><code>32</code><name>shutting-down</name></instanceState>
                      <instanceType>g5.xlarge</instanceType>
                      <launchTime>2025-01-06T08:00:00.000Z</launchTime>
                    </item>
                  </instancesSet>
                </item>
              </reservationSet>
            </DescribeInstancesResponse>""".formatted(NS))
        : new Answer(200, """
            <DescribeInstancesResponse xmlns="%s">
              <requestId>req-1</requestId>
              <reservationSet>
                <item>
                  <reservationId>r-0aaa</reservationId>
                  <ownerId>123456789012</ownerId>
                  <groupSet/>
                  <instancesSet>
                    <item>
                      <instanceId>i-0aaa</instanceId>
                      <imageId>ami-0abcdef1234567890</imageId>
                      <instanceState><code>16</code><name>running</name></instanceState>
                      <instanceType>g5.xlarge</instanceType>
                      <launchTime>2025-01-06T09:00:00.000Z</launchTime>
                      <privateIpAddress>10.0.1.20</privateIpAddress>
                      <tagSet>
                        <item><key>mrgc:region</key><value>us-east-1</value></item>
                        <item><key>mrgc:role</key><value>gpu-node</value></item>
                      </tagSet>
                    </item>
                    <item>
                      <instanceId>i-0bbb</instanceId>
                      <instanceState><code>0</code><name>pending</name></instanceState>
                      <instanceType>g5.xlarge</instanceType>
                      <launchTime>2025-01-06T10:00:00.000Z</launchTime>
                    </item>
                  </instancesSet>
                </item>
              </reservationSet>
              <nextToken>page-2</nextToken>
            </DescribeInstancesResponse>""".formatted(NS));

    List<FleetInstance> instances = fleet(Ec2Fleet.LaunchTemplate.byId("lt-1", "1")).describe();

    assertThat(instances).containsExactly(
        new FleetInstance("i-0aaa", InstanceLifecycle.RUNNING, Instant.parse("2025-01-06T09:00:00Z"), "10.0.1.20"),
        new FleetInstance("i-0bbb", InstanceLifecycle.PENDING, Instant.parse("2025-01-06T10:00:00Z"), null),
        new FleetInstance("i-0ccc", InstanceLifecycle.SHUTTING_DOWN, Instant.parse("2025-01-06T08:00:00Z"), null));
    assertThat(requests).hasSize(2);
    Map<String, String> form = requests.get(0);
    assertThat(form).containsEntry("Action", "DescribeInstances")
        .containsEntry("Filter.1.Name", "tag:mrgc:region")
        .containsEntry("Filter.1.Value.1", "us-east-1")
        .containsEntry("Filter.2.Name", "tag:mrgc:role")
        .containsEntry("Filter.2.Value.1", "gpu-node")
        .containsEntry("Filter.3.Name", "instance-state-name");
    List<String> states = new ArrayList<>();
    for (int n = 1; form.containsKey("Filter.3.Value." + n); n++) {
      states.add(form.get("Filter.3.Value." + n));
    }
    assertThat(states).containsExactly("pending", "running", "stopping", "stopped", "shutting-down");
    assertThat(requests.get(1)).containsEntry("NextToken", "page-2");
  }

  @Test
  void terminateTerminatesExactlyTheGivenIds() {
    responder = form -> new Answer(200, """
        <TerminateInstancesResponse xmlns="%s">
          <requestId>req-3</requestId>
          <instancesSet>
            <item>
              <instanceId>i-0aaa</instanceId>
              <currentState><code>32</code><name>shutting-down</name></currentState>
              <previousState><code>16</code><name>running</name></previousState>
            </item>
            <item>
              <instanceId>i-0bbb</instanceId>
              <currentState><code>48</code><name>terminated</name></currentState>
              <previousState><code>80</code><name>stopped</name></previousState>
            </item>
          </instancesSet>
        </TerminateInstancesResponse>""".formatted(NS));

    List<StateChange> changes = fleet(Ec2Fleet.LaunchTemplate.byId("lt-1", "1")).terminate(List.of("i-0aaa", "i-0bbb"));

    assertThat(changes).containsExactly(
        new StateChange("i-0aaa", InstanceLifecycle.RUNNING, InstanceLifecycle.SHUTTING_DOWN),
        new StateChange("i-0bbb", InstanceLifecycle.STOPPED, InstanceLifecycle.TERMINATED));
    assertThat(requests.get(0)).containsEntry("Action", "TerminateInstances")
        .containsEntry("InstanceId.1", "i-0aaa")
        .containsEntry("InstanceId.2", "i-0bbb")
        .doesNotContainKey("InstanceId.3");
  }

  @Test
  void terminateOfNothingCallsNothing() {
    responder = form -> new Answer(500, "");
    assertThat(fleet(Ec2Fleet.LaunchTemplate.byId("lt-1", "1")).terminate(List.of())).isEmpty();
    assertThat(requests).isEmpty();
  }

  @Test
  void insufficientCapacityBecomesAClearFleetException() {
    responder = form -> new Answer(500, """
        <?xml version="1.0" encoding="UTF-8"?>
        <Response><Errors><Error><Code>InsufficientInstanceCapacity</Code><Message>We currently do not have \
        sufficient g5.xlarge capacity in the Availability Zone you requested (us-east-1a). Our system will be \
        working on provisioning additional capacity.</Message></Error></Errors>\
        <RequestID>5c1d2e3f-aaaa-bbbb-cccc-ddddeeeeffff</RequestID></Response>""");

    assertThatThrownBy(() -> fleet(Ec2Fleet.LaunchTemplate.byId("lt-1", "1")).launch(3))
        .isInstanceOf(FleetException.class)
        .hasMessageStartingWith("RunInstances in us-east-1 failed: InsufficientInstanceCapacity: We currently do not "
            + "have sufficient g5.xlarge capacity")
        .satisfies(e -> {
          FleetException f = (FleetException) e;
          assertThat(f.errorCode()).isEqualTo("InsufficientInstanceCapacity");
          assertThat(f.isCapacityShortage()).isTrue();
        });
  }

  @Test
  void unauthorizedIsNotACapacityShortage() {
    responder = form -> new Answer(403, """
        <Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this \
        operation.</Message></Error></Errors><RequestID>r-9</RequestID></Response>""");

    assertThatThrownBy(() -> fleet(Ec2Fleet.LaunchTemplate.byId("lt-1", "1")).terminate(List.of("i-1")))
        .isInstanceOfSatisfying(FleetException.class, f -> {
          assertThat(f.errorCode()).isEqualTo("UnauthorizedOperation");
          assertThat(f.isCapacityShortage()).isFalse();
          assertThat(f.operation()).isEqualTo("TerminateInstances in us-east-1");
        });
  }

  @Test
  void templateNeedsExactlyOneOfIdAndName() {
    assertThatThrownBy(() -> new Ec2Fleet.LaunchTemplate("lt-1", "name", "1"))
        .hasMessage("launch template needs exactly one of id and name");
    assertThatThrownBy(() -> new Ec2Fleet.LaunchTemplate(null, " ", "1"))
        .hasMessage("launch template needs exactly one of id and name");
    assertThatThrownBy(() -> Ec2Fleet.LaunchTemplate.byId("lt-1", ""))
        .hasMessage("version must not be blank");
  }

  @Test
  void startCheckDescribesTheLaunchTemplateByIdOrName() {
    responder = form -> new Answer(200, """
        <?xml version="1.0" encoding="UTF-8"?>
        <DescribeLaunchTemplatesResponse xmlns="%s">
          <requestId>1afa6e44-eb38-4229-8db6-d5eaexample</requestId>
          <launchTemplates>
            <item>
              <createTime>2025-01-06T10:00:00.000Z</createTime>
              <createdBy>arn:aws:iam::123456789012:root</createdBy>
              <defaultVersionNumber>1</defaultVersionNumber>
              <latestVersionNumber>7</latestVersionNumber>
              <launchTemplateId>lt-0123456789abcdef0</launchTemplateId>
              <launchTemplateName>mrgc-gpu-node</launchTemplateName>
            </item>
          </launchTemplates>
        </DescribeLaunchTemplatesResponse>""".formatted(NS));

    assertThat(fleet(Ec2Fleet.LaunchTemplate.byId("lt-0123456789abcdef0", "7")).checkTemplate()).isEmpty();
    assertThat(fleet(Ec2Fleet.LaunchTemplate.byName("mrgc-gpu-node", "$Default")).checkTemplate()).isEmpty();

    assertThat(requests.get(0)).containsEntry("Action", "DescribeLaunchTemplates")
        .containsEntry("Version", "2016-11-15")
        .containsEntry("LaunchTemplateId.1", "lt-0123456789abcdef0")
        .doesNotContainKey("LaunchTemplateName.1");
    assertThat(requests.get(1)).containsEntry("Action", "DescribeLaunchTemplates")
        .containsEntry("LaunchTemplateName.1", "mrgc-gpu-node")
        .doesNotContainKey("LaunchTemplateId.1");
  }

  @Test
  void startCheckSaysWhenTheLaunchTemplateDoesNotExist() {
    responder = form -> new Answer(400, """
        <?xml version="1.0" encoding="UTF-8"?>
        <Response><Errors><Error><Code>InvalidLaunchTemplateId.NotFound</Code><Message>The specified launch \
        template, with template ID lt-0123456789abcdef0, does not exist.</Message></Error></Errors>\
        <RequestID>r-10</RequestID></Response>""");

    assertThat(fleet(Ec2Fleet.LaunchTemplate.byId("lt-0123456789abcdef0", "7")).checkTemplate()).contains(
        "launch template id 'lt-0123456789abcdef0' cannot be used: DescribeLaunchTemplates in us-east-1 failed: "
            + "InvalidLaunchTemplateId.NotFound: The specified launch template, with template ID "
            + "lt-0123456789abcdef0, does not exist.");
  }
}
