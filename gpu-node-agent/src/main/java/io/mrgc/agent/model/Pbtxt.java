package io.mrgc.agent.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small reader for protobuf text format, enough for Triton's config.pbtxt: fields {@code name: value},
 * nested messages {@code name { ... }} or {@code name: { ... }}, lists {@code name: [ a, b ]} and {@code name [ {..} ]},
 * strings, numbers, enum identifiers and {@code #} comments. Repeated fields collect into lists.
 */
public final class Pbtxt {
  /** A parsed message: field name to its values (strings, longs/doubles, enum names, or nested messages). */
  public record Message(Map<String, List<Object>> fields) {
    public List<Object> all(String field) {
      return fields.getOrDefault(field, List.of());
    }

    public Object first(String field) {
      List<Object> values = all(field);
      return values.isEmpty() ? null : values.get(0);
    }

    public String string(String field) {
      Object value = first(field);
      return value == null ? null : value.toString();
    }

    public List<Message> messages(String field) {
      List<Message> result = new ArrayList<>();
      for (Object value : all(field)) {
        if (value instanceof Message m) {
          result.add(m);
        }
      }
      return result;
    }
  }

  private final String text;
  private int pos;

  private Pbtxt(String text) {
    this.text = text;
  }

  public static Message parse(String text) {
    Pbtxt parser = new Pbtxt(text);
    Message message = parser.message(false);
    parser.skipSpace();
    if (parser.pos < text.length()) {
      throw parser.error("unexpected '" + text.charAt(parser.pos) + "'");
    }
    return message;
  }

  private Message message(boolean nested) {
    Map<String, List<Object>> fields = new LinkedHashMap<>();
    while (true) {
      skipSpace();
      if (pos >= text.length()) {
        if (nested) {
          throw error("missing '}'");
        }
        return new Message(fields);
      }
      char c = text.charAt(pos);
      if (c == '}') {
        if (!nested) {
          throw error("unexpected '}'");
        }
        pos++;
        return new Message(fields);
      }
      String name = identifier();
      skipSpace();
      boolean colon = peek(':');
      if (colon) {
        pos++;
        skipSpace();
      }
      List<Object> values = fields.computeIfAbsent(name, k -> new ArrayList<>());
      if (peek('[')) {
        pos++;
        list(values);
      } else {
        values.add(value());
      }
      skipSpace();
      if (peek(',') || peek(';')) {
        pos++;
      }
    }
  }

  private void list(List<Object> into) {
    while (true) {
      skipSpace();
      if (peek(']')) {
        pos++;
        return;
      }
      into.add(value());
      skipSpace();
      if (peek(',')) {
        pos++;
      } else if (!peek(']')) {
        throw error("expected ',' or ']'");
      }
    }
  }

  private Object value() {
    skipSpace();
    if (pos >= text.length()) {
      throw error("missing value");
    }
    char c = text.charAt(pos);
    if (c == '{' || c == '<') {
      pos++;
      return message(true);
    }
    if (c == '"' || c == '\'') {
      return string(c);
    }
    if (c == '-' || Character.isDigit(c)) {
      int start = pos++;
      while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || ".+-".indexOf(text.charAt(pos)) >= 0)) {
        pos++;
      }
      String number = text.substring(start, pos);
      try {
        return number.contains(".") || number.contains("e") || number.contains("E")
            ? (Object) Double.parseDouble(number) : (Object) Long.parseLong(number);
      } catch (NumberFormatException e) {
        throw error("bad number '" + number + "'");
      }
    }
    return identifier();
  }

  private String string(char quote) {
    StringBuilder out = new StringBuilder();
    pos++;
    while (pos < text.length() && text.charAt(pos) != quote) {
      char c = text.charAt(pos++);
      if (c == '\\' && pos < text.length()) {
        c = text.charAt(pos++);
      }
      out.append(c);
    }
    if (pos >= text.length()) {
      throw error("unterminated string");
    }
    pos++;
    return out.toString();
  }

  private String identifier() {
    int start = pos;
    while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_'
        || text.charAt(pos) == '.')) {
      pos++;
    }
    if (start == pos) {
      throw error(pos < text.length() ? "unexpected '" + text.charAt(pos) + "'" : "unexpected end");
    }
    return text.substring(start, pos);
  }

  private boolean peek(char c) {
    return pos < text.length() && text.charAt(pos) == c;
  }

  private void skipSpace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c == '#') {
        while (pos < text.length() && text.charAt(pos) != '\n') {
          pos++;
        }
      } else if (Character.isWhitespace(c)) {
        pos++;
      } else {
        return;
      }
    }
  }

  private IllegalArgumentException error(String what) {
    int line = 1;
    for (int i = 0; i < Math.min(pos, text.length()); i++) {
      if (text.charAt(i) == '\n') {
        line++;
      }
    }
    return new IllegalArgumentException(what + " at line " + line);
  }
}
