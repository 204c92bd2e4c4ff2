package io.mrgc.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mrgc.state.items.TenantItem;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TenantRepositoryTest {
  private static LocalState state;
  private static StateClient client;
  private static TenantRepository tenants;

  @BeforeAll
  static void startDb() {
    state = LocalState.start();
    client = state.client("us-east-1");
    tenants = new TenantRepository(client);
  }

  @AfterAll
  static void stopDb() {
    client.close();
    state.close();
  }

  @Test
  void createGetFindByKeyHashAndVersionedUpdate() {
    String key = ApiKeys.generate();
    TenantItem created = tenants.create(tenant("acme", ApiKeys.hash(key))).join();
    assertThat(created.getVersion()).isEqualTo(1L);

    TenantItem read = tenants.get("acme").join();
    assertThat(read.getAllowedModels()).containsExactly("m1");
    assertThat(read.getVpcEndpointIds()).isEmpty();
    assertThat(read.getRateLimitRps()).isEqualTo(5.0);
    assertThat(read.getRateLimitBurst()).isEqualTo(10);
    assertThat(read.getKmsKeyId()).isEqualTo("alias/acme");
    assertThat(read.isDisabled()).isFalse();
    assertThat(read.toString()).doesNotContain(read.getApiKeyHash());

    assertThat(tenants.findByApiKeyHash(ApiKeys.hash(key)).join().getTenantId()).isEqualTo("acme");
    assertThat(tenants.findByApiKeyHash(ApiKeys.hash(ApiKeys.generate())).join()).isNull();
    assertThat(tenants.get("nobody").join()).isNull();

    TenantItem copyA = tenants.get("acme").join();
    TenantItem copyB = tenants.get("acme").join();
    copyA.setDisabled(true);
    assertThat(tenants.update(copyA).join().getVersion()).isEqualTo(2L);
    copyB.setAllowedModels(List.of("m2"));
    assertThatThrownBy(() -> tenants.update(copyB).join()).hasCauseInstanceOf(WriteRejectedException.class);
    assertThat(tenants.get("acme").join().isDisabled()).isTrue();
  }

  @Test
  void createFailsWhenTheTenantExistsAndUpdateNeedsAnExistingRow() {
    tenants.create(tenant("dup", ApiKeys.hash(ApiKeys.generate()))).join();
    assertThatThrownBy(() -> tenants.create(tenant("dup", ApiKeys.hash(ApiKeys.generate()))).join())
        .hasCauseInstanceOf(WriteRejectedException.class)
        .hasMessageContaining("tenant dup already exists");

    TenantItem ghost = tenant("ghost", ApiKeys.hash(ApiKeys.generate()));
    assertThatThrownBy(() -> tenants.update(ghost).join()).hasCauseInstanceOf(IllegalArgumentException.class);
    ghost.setVersion(1L);
    assertThatThrownBy(() -> tenants.update(ghost).join()).hasCauseInstanceOf(WriteRejectedException.class);
    assertThat(tenants.get("ghost").join()).isNull();
  }

  @Test
  void apiKeysAreRandomPrefixedAndHashedToHex() {
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      String key = ApiKeys.generate();
      assertThat(key).startsWith("mrgc_").hasSize(ApiKeys.KEY_LENGTH);
      assertThat(ApiKeys.isWellFormed(key)).isTrue();
      keys.add(key);
    }
    assertThat(keys).hasSize(100);
    String key = keys.iterator().next();
    assertThat(ApiKeys.hash(key)).matches("[0-9a-f]{64}").isEqualTo(ApiKeys.hash(key));
    assertThat(ApiKeys.hash("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assertThat(ApiKeys.matches(key, ApiKeys.hash(key))).isTrue();
    assertThat(ApiKeys.matches(key, ApiKeys.hash(ApiKeys.generate()))).isFalse();
    assertThat(ApiKeys.matches(null, ApiKeys.hash(key))).isFalse();
    assertThat(ApiKeys.isWellFormed(null)).isFalse();
    assertThat(ApiKeys.isWellFormed("mrgc_short")).isFalse();
    assertThat(ApiKeys.isWellFormed("xxxx_" + key.substring(5))).isFalse();
    assertThat(ApiKeys.isWellFormed(key.substring(0, key.length() - 1) + "=")).isFalse();
  }

  static TenantItem tenant(String id, String keyHash) {
    TenantItem item = new TenantItem();
    item.setTenantId(id);
    item.setApiKeyHash(keyHash);
    item.setAllowedModels(List.of("m1"));
    item.setRateLimitRps(5.0);
    item.setRateLimitBurst(10);
    item.setKmsKeyId("alias/" + id);
    item.setCreatedAtMillis(System.currentTimeMillis());
    return item;
  }
}
