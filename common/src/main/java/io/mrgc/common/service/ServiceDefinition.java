package io.mrgc.common.service;

import io.mrgc.common.config.ConfigReader;
import io.vertx.core.Vertx;
import java.util.List;

/**
 * How one kind of service is configured and made: {@code C} is its validated configuration.
 *
 * @param <C> the service's configuration record
 */
public interface ServiceDefinition<C> {
  /** The name {@code mrgc serve NAME} takes. */
  String name();

  /**
   * Declares and reads every key (problems are collected by the reader, not thrown). Must declare every key even when
   * required ones are missing (a missing value reads as null): docs/config.md is made from an empty file's reading.
   */
  C read(ConfigReader reader);

  /**
   * What the host lacks for this configuration (e.g. {@code mode: aws} without credentials, a region or
   * {@code /dev/nsm}), one message each; checked at start and by {@code --check-config}.
   */
  default List<String> preflight(C config) {
    return List.of();
  }

  /**
   * Where a service of {@code config} runs (mode, region, instance): its EMF metrics' dimensions, and in mode aws
   * whether EMF is on by default. Empty: the service publishes no EMF lines.
   */
  default java.util.Optional<Placement> placement(C config) {
    return java.util.Optional.empty();
  }

  /** The service, on {@code vertx}; not started. */
  Service create(C config, Vertx vertx);
}
