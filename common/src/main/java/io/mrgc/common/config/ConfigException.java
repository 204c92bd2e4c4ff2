package io.mrgc.common.config;

import java.util.List;

/** A service's configuration cannot be used: every problem found, each naming the key, the value and what is allowed. */
public final class ConfigException extends RuntimeException {
  private final List<String> problems;

  public ConfigException(List<String> problems) {
    super(String.join("\n", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
