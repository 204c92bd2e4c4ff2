package io.mrgc.cluster;

import io.mrgc.enclave.client.EnclaveCanary;
import io.mrgc.enclave.kms.LocalKeyRing;
import io.mrgc.state.ApiKeys;
import io.mrgc.state.ModelRegistry;
import io.mrgc.state.TenantRepository;
import io.mrgc.state.WriteRejectedException;
import io.mrgc.state.items.TenantItem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * Creates tenants in the local cluster: a key in the local key ring (standing for the tenant's KMS key) and a
 * tenants row holding only the API key's hash. The API key is returned once and stored nowhere.
 */
public final class TenantAdmin {
  /** What a new tenant needs to call MRGC; {@code apiKey} is shown once. toString hides the key. */
  public record Credentials(String tenantId, String apiKey, String kmsKeyId) {
    @Override
    public String toString() {
      return "Credentials[tenantId=" + tenantId + ", kmsKeyId=" + kmsKeyId + "]";
    }
  }

  /**
   * Per-tenant settings; empty lists mean any model / any network path, null limits the router's defaults;
   * {@code debugHeaders} shows the tenant which instance served it ({@code x-mrgc-instance}).
   */
  public record TenantSettings(List<String> allowedModels, List<String> vpcEndpointIds, Double rateLimitRps,
      Integer rateLimitBurst, boolean debugHeaders) {
    public TenantSettings(List<String> allowedModels, List<String> vpcEndpointIds, Double rateLimitRps,
        Integer rateLimitBurst) {
      this(allowedModels, vpcEndpointIds, rateLimitRps, rateLimitBurst, false);
    }

    public static TenantSettings defaults() {
      return new TenantSettings(List.of(), List.of(), null, null);
    }

    public TenantSettings withDebugHeaders(boolean value) {
      return new TenantSettings(allowedModels, vpcEndpointIds, rateLimitRps, rateLimitBurst, value);
    }
  }

  private final TenantRepository tenants;
  private final LocalKeyRing keyRing;

  public TenantAdmin(TenantRepository tenants, LocalKeyRing keyRing) {
    this.tenants = tenants;
    this.keyRing = keyRing;
  }

  /** Creates the tenant; fails with a clear message if it exists. Reuses the tenant's key ring key if it has one. */
  public Credentials create(String tenantId, TenantSettings settings) {
    if (EnclaveCanary.TENANT.equals(tenantId)) {
      throw new IllegalArgumentException("tenant id " + tenantId + " is reserved for the enclaves' canary key");
    }
    String keyId = existingKey(tenantId);
    try {
      if (keyId == null) {
        keyId = keyRing.createKey(tenantId);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the key ring " + keyRing.file(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("tenant id " + e.getMessage(), e);
    }
    String apiKey = ApiKeys.generate();
    TenantItem item = new TenantItem();
    item.setTenantId(tenantId);
    item.setApiKeyHash(ApiKeys.hash(apiKey));
    item.setKmsKeyId(keyId);
    item.setAllowedModels(settings.allowedModels());
    item.setVpcEndpointIds(settings.vpcEndpointIds());
    item.setRateLimitRps(settings.rateLimitRps());
    item.setRateLimitBurst(settings.rateLimitBurst());
    item.setDebugHeaders(settings.debugHeaders());
    item.setCreatedAtMillis(System.currentTimeMillis());
    try {
      tenants.create(item).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof WriteRejectedException) {
        throw new IllegalStateException("tenant " + tenantId + " already exists", e.getCause());
      }
      throw e;
    }
    return new Credentials(tenantId, apiKey, keyId);
  }

  /** Turns the tenant's debug response headers on or off; fails with a clear message for an unknown tenant. */
  public void setDebugHeaders(String tenantId, boolean enabled) {
    change(tenantId, item -> item.setDebugHeaders(enabled));
  }

  /** Replaces the tenant's model allowlist (empty: every model); names are checked as the registry checks them. */
  public void setAllowedModels(String tenantId, List<String> models) {
    models.forEach(ModelRegistry::checkName);
    change(tenantId, item -> item.setAllowedModels(new ArrayList<>(models)));
  }

  /** Reads the tenant's row, applies {@code edit} and writes it under its version. */
  private void change(String tenantId, Consumer<TenantItem> edit) {
    TenantItem item = tenants.get(tenantId).join();
    if (item == null) {
      throw new IllegalArgumentException("no tenant " + tenantId + "; create it with `mrgc tenant create`");
    }
    edit.accept(item);
    tenants.update(item).join();
  }

  /** The canary tenant's key ring key (created on first use), for {@link EnclaveCanary}. */
  public String canaryKey() {
    String keyId = existingKey(EnclaveCanary.TENANT);
    try {
      return keyId != null ? keyId : keyRing.createKey(EnclaveCanary.TENANT);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the key ring " + keyRing.file(), e);
    }
  }

  private String existingKey(String tenantId) {
    try {
      return keyRing.keys().stream().filter(k -> k.tenant().equals(tenantId)).map(LocalKeyRing.KeyInfo::keyId)
          .findFirst().orElse(null);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the key ring " + keyRing.file(), e);
    }
  }
}
