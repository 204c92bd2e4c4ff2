package io.mrgc.common.config;

import java.util.List;

/** Renders a service's declared keys as the markdown table {@code docs/config.md} holds for it. */
public final class ConfigDocs {
  private ConfigDocs() {}

  public static String table(List<KeySpec> keys) {
    StringBuilder out = new StringBuilder("| key | environment | default | allowed | what it does |\n")
        .append("|---|---|---|---|---|\n");
    for (KeySpec key : keys) {
      out.append("| `").append(key.key()).append("` | `").append(key.env()).append("` | ")
          .append(key.required() ? "**required**" : key.defaultText().isEmpty() ? "(none)" : "`" + key.defaultText() + "`")
          .append(" | ").append(escape(key.allowed())).append(" | ").append(escape(key.description())).append(" |\n");
    }
    return out.toString();
  }

  private static String escape(String text) {
    return text.replace("|", "\\|").replace("\n", " ");
  }
}
