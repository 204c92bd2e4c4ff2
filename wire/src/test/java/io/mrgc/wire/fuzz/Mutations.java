package io.mrgc.wire.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

/**
 * Byte-level mutations for the fuzz properties: bit flips, overwrites, truncation, deleted and duplicated ranges
 * (huge lengths), swaps, inserted tokens from a dictionary (JSON syntax, length fields, DER tags). The Random
 * comes from jqwik, so a failing case is reproduced from the seed jqwik reports.
 */
public final class Mutations {
  private Mutations() {}

  /** One to three mutations of {@code seed}. */
  public static byte[] mutate(byte[] seed, Random rnd, byte[][] dictionary) {
    byte[] b = seed.clone();
    int rounds = 1 + rnd.nextInt(3);
    for (int r = 0; r < rounds && b.length > 0; r++) {
      switch (rnd.nextInt(9)) {
        case 0 -> b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
        case 1 -> b = Arrays.copyOf(b, rnd.nextInt(b.length + 1));
        case 2 -> b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
        case 3 -> {
          int i = rnd.nextInt(b.length);
          int n = Math.min(b.length - i, 1 + rnd.nextInt(20));
          byte[] c = new byte[b.length - n];
          System.arraycopy(b, 0, c, 0, i);
          System.arraycopy(b, i + n, c, i, b.length - i - n);
          b = c;
        }
        case 4 -> b = insert(b, rnd.nextInt(b.length + 1), dictionary[rnd.nextInt(dictionary.length)]);
        case 5 -> {
          int i = rnd.nextInt(b.length);
          int n = Math.min(b.length - i, 1 + rnd.nextInt(40));
          byte[] slice = Arrays.copyOfRange(b, i, i + n);
          byte[] rep = new byte[n * (1 + rnd.nextInt(200))];
          for (int k = 0; k < rep.length; k += n) {
            System.arraycopy(slice, 0, rep, k, n);
          }
          b = insert(b, i, rep);
        }
        case 6 -> {
          int i = rnd.nextInt(b.length);
          int j = rnd.nextInt(b.length);
          byte t = b[i];
          b[i] = b[j];
          b[j] = t;
        }
        case 7 -> { // a 0xFF.. run: the largest length fields
          int i = rnd.nextInt(b.length);
          for (int k = i; k < Math.min(b.length, i + 1 + rnd.nextInt(4)); k++) {
            b[k] = (byte) 0xFF;
          }
        }
        default -> b = insert(b, rnd.nextInt(b.length + 1), " ".getBytes(StandardCharsets.US_ASCII));
      }
    }
    return b;
  }

  public static byte[] insert(byte[] b, int at, byte[] what) {
    byte[] c = new byte[b.length + what.length];
    System.arraycopy(b, 0, c, 0, at);
    System.arraycopy(what, 0, c, at, what.length);
    System.arraycopy(b, at, c, at + what.length, b.length - at);
    return c;
  }

  public static byte[][] utf8(String... tokens) {
    byte[][] out = new byte[tokens.length][];
    for (int i = 0; i < tokens.length; i++) {
      out[i] = tokens[i].getBytes(StandardCharsets.UTF_8);
    }
    return out;
  }
}
