package io.mrgc.router;

import io.mrgc.state.ApiKeys;
import io.mrgc.state.StateClient;
import io.mrgc.state.TenantRepository;
import io.mrgc.state.items.TenantItem;
import java.util.function.Consumer;

/** Test helper: creates tenants in the tenants table and hands back their API keys. */
final class Tenants {
  /** The envelope media type tests send when they do not use allowPlaintext. */
  static final String ENVELOPE = "application/vnd.mrgc.envelope+json";

  private Tenants() {}

  /** An enabled tenant with no allowlists and the default rate limit; returns its new API key. */
  static String create(StateClient client, String tenantId) {
    return create(client, tenantId, tenant -> {});
  }

  /** A tenant changed by {@code customize} before it is written; returns its new API key. */
  static String create(StateClient client, String tenantId, Consumer<TenantItem> customize) {
    String key = ApiKeys.generate();
    create(client, tenantId, key, customize);
    return key;
  }

  /** Writes the tenant row for an existing {@code key} (e.g. again after DynamoDB Local lost its memory). */
  static void create(StateClient client, String tenantId, String key, Consumer<TenantItem> customize) {
    TenantItem tenant = new TenantItem();
    tenant.setTenantId(tenantId);
    tenant.setApiKeyHash(ApiKeys.hash(key));
    tenant.setKmsKeyId("alias/" + tenantId);
    tenant.setCreatedAtMillis(System.currentTimeMillis());
    customize.accept(tenant);
    new TenantRepository(client).create(tenant).join();
  }

  static String bearer(String key) {
    return "Bearer " + key;
  }
}
