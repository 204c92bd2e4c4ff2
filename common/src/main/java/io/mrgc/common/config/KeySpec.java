package io.mrgc.common.config;

/**
 * One configuration key as a service declares it: its full (dotted) name, the environment variable that overrides it,
 * what values are allowed, its default ({@code null}: required) and what it does. {@code docs/config.md} is made of
 * these, so the documentation cannot drift from what the service reads.
 */
public record KeySpec(String key, String env, String allowed, String defaultText, String description,
    boolean secret) {

  public boolean required() {
    return defaultText == null;
  }
}
