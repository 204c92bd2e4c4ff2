package io.mrgc.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.common.net.ListenerLimits;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RouterOptionsTest {
  @Test
  void defaultsAreTheDocumentedOnes() {
    RouterOptions options = RouterOptions.defaults("us-east-1", "router-1");
    assertThat(options.host()).isEqualTo("127.0.0.1");
    assertThat(options.port()).isZero();
    assertThat(options.snapshotInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(options.modelRegistryInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(options.heartbeatStaleAfter()).isEqualTo(Duration.ofSeconds(3));
    assertThat(options.maxBodyBytes()).isEqualTo(2 * 1024 * 1024);
    assertThat(options.connectTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(options.requestTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(options.metricsInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(options.baseEjectionTime()).isEqualTo(Duration.ofSeconds(10));
    assertThat(options.slowStart()).isEqualTo(Duration.ofSeconds(30));
    assertThat(options.metricsSeries()).isEqualTo("router#us-east-1#router-1");
    assertThat(options.allowPlaintext()).isFalse();
    assertThat(options.proxyProtocolPort()).isEqualTo(-1);
    assertThat(options.proxyProtocolEnabled()).isFalse();
    assertThat(options.proxyProtocolHeaderTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(options.authCacheTtl()).isEqualTo(Duration.ofSeconds(30));
    assertThat(options.authNegativeCacheTtl()).isEqualTo(Duration.ofSeconds(5));
    assertThat(options.authCacheMaxEntries()).isEqualTo(10_000);
    assertThat(options.defaultRateLimitRps()).isEqualTo(50.0);
    assertThat(options.defaultRateLimitBurst()).isEqualTo(100);
    assertThat(options.rateLimiterMaxTenants()).isEqualTo(10_000);
    assertThat(options.dispatchQueueLimit()).isEqualTo(1024);
    assertThat(options.dispatchQueueTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(options.tenantTurnBatches()).isEqualTo(4);
    assertThat(options.withTenantTurnBatches(1).tenantTurnBatches()).isEqualTo(1);
    assertThat(options.continueTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(options.withDispatchQueueLimit(0).dispatchQueueLimit()).as("0 = never wait").isZero();
    RouterOptions changed = options.withPort(8080).withAllowPlaintext(true).withProxyProtocolPort(0);
    assertThat(changed.port()).isEqualTo(8080);
    assertThat(changed.allowPlaintext()).isTrue();
    assertThat(changed.proxyProtocolEnabled()).isTrue();
    assertThat(changed.withPort(0).withAllowPlaintext(false).withProxyProtocolPort(-1)).isEqualTo(options);
  }

  @Test
  void invalidValuesAreRejectedWithExactMessages() {
    RouterOptions options = RouterOptions.defaults("us-east-1", "router-1");
    assertThatThrownBy(() -> RouterOptions.defaults(" ", "r")).hasMessage("region must not be blank");
    assertThatThrownBy(() -> RouterOptions.defaults("us-east-1", null)).hasMessage("routerId must not be blank");
    assertThatThrownBy(() -> options.withPort(70000)).hasMessage("port must be between 0 and 65535, but was 70000");
    assertThatThrownBy(() -> options.withSnapshotInterval(Duration.ZERO))
        .hasMessage("snapshotInterval must be a positive duration, but was PT0S");
    assertThatThrownBy(() -> options.withModelRegistryInterval(Duration.ZERO))
        .hasMessage("modelRegistryInterval must be a positive duration, but was PT0S");
    assertThatThrownBy(() -> options.withMaxBodyBytes(0))
        .hasMessage("maxBodyBytes must be between 1 and 1073741824, but was 0");
    assertThatThrownBy(() -> options.withMaxEjectedPercent(101))
        .hasMessage("maxEjectedPercent must be between 0 and 100, but was 101");
    assertThatThrownBy(() -> options.withEjectAfterConsecutiveFailures(0))
        .hasMessage("ejectAfterConsecutiveFailures must be between 1 and 1000, but was 0");
    assertThatThrownBy(() -> options.withProxyProtocolPort(-2))
        .hasMessage("proxyProtocolPort must be between -1 and 65535, but was -2");
    assertThatThrownBy(() -> options.withDefaultRateLimitRps(0))
        .hasMessage("defaultRateLimitRps must be between 0 (exclusive) and 1000000, but was 0.0");
    assertThatThrownBy(() -> options.withAuthCacheMaxEntries(0))
        .hasMessage("authCacheMaxEntries must be between 1 and 10000000, but was 0");
    assertThatThrownBy(() -> options.withDispatchQueueLimit(-1))
        .hasMessage("dispatchQueueLimit must be between 0 and 1000000, but was -1");
    assertThatThrownBy(() -> options.withDispatchQueueTimeout(Duration.ofMillis(-5)))
        .hasMessage("dispatchQueueTimeout must be a positive duration, but was PT-0.005S");
    assertThatThrownBy(() -> options.withTenantTurnBatches(0))
        .hasMessage("tenantTurnBatches must be between 1 and 1000000, but was 0");
    assertThatThrownBy(() -> options.withContinueTimeout(Duration.ZERO))
        .hasMessage("continueTimeout must be a positive duration, but was PT0S");
    assertThatThrownBy(() -> options.withRequestTimeout(null))
        .hasMessage("requestTimeout must be a positive duration, but was null");
    assertThatThrownBy(() -> RegionRateLimits.defaults().withLeaseTokens(0))
        .hasMessage("leaseTokens must be between 1 and 1000000, but was 0");
    assertThatThrownBy(() -> RegionRateLimits.defaults().withFallbackProbeInterval(Duration.ZERO))
        .hasMessage("fallbackProbeInterval must be a positive duration, but was PT0S");
    assertThatThrownBy(() -> options.withRateLimits(null)).hasMessage("rateLimits");
  }

  @Test
  void ingressLimitsHaveDefaultsAndExactMessages() {
    IngressLimits ingress = RouterOptions.defaults("us-east-1", "router-1").ingress();
    assertThat(ingress.bodyTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(ingress.tenantBufferBytes()).isEqualTo(8L * 1024 * 1024);
    assertThat(ingress.routerBufferBytes()).isEqualTo(64L * 1024 * 1024);
    assertThat(ingress.listener()).isEqualTo(ListenerLimits.defaults());
    assertThat(ingress.withBodyTimeout(Duration.ofSeconds(3)).withBodyTimeout(Duration.ofSeconds(10)))
        .isEqualTo(ingress);
    assertThatThrownBy(() -> ingress.withBodyTimeout(Duration.ZERO))
        .hasMessage("bodyTimeout must be a positive duration, but was PT0S");
    assertThatThrownBy(() -> ingress.withTenantBufferBytes(0))
        .hasMessage("tenantBufferBytes must be between 1 and 68719476736, but was 0");
    assertThatThrownBy(() -> ingress.withAuthFailuresPerSecond(0))
        .hasMessage("authFailuresPerSecond must be between 0 (exclusive) and 1000000, but was 0.0");
    assertThatThrownBy(() -> ingress.withAuthLookupsPerSource(0))
        .hasMessage("authLookupsPerSource must be between 1 and 1000000, but was 0");
    assertThatThrownBy(() -> ListenerLimits.defaults().withMaxConnections(0))
        .hasMessage("maxConnections must be between 1 and 1000000, but was 0");
    assertThatThrownBy(() -> ListenerLimits.defaults().withHeaderTimeout(Duration.ofMillis(-1)))
        .hasMessage("headerTimeout must be a positive duration, but was PT-0.001S");
  }
}
