package io.mrgc.agent.model;

import io.mrgc.carwash.integrity.Manifest;
import io.mrgc.carwash.integrity.ManifestException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model version's files read into memory, each once, sequentially in large slices (the model store is a network
 * file system in AWS: few large reads), so that the bytes verified are the bytes the session is created from.
 */
final class ModelFiles {
  /** The largest file a Java array holds. */
  static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;
  private static final int SLICE_BYTES = 8 << 20;

  private ModelFiles() {}

  /** The sum of the sizes of the files {@code manifest} lists; refuses a file too large to load into memory. */
  static long footprint(String id, Manifest manifest) throws ManifestException, ModelLoadException {
    long total = 0;
    for (String file : manifest.files()) {
      total += checkedSize(id, file, manifest.locate(file));
    }
    return total;
  }

  /** Every listed file's bytes, by relative path. */
  static Map<String, byte[]> readAll(String id, Manifest manifest) throws ManifestException, ModelLoadException {
    Map<String, byte[]> contents = new LinkedHashMap<>();
    for (String file : manifest.files()) {
      Path path = manifest.locate(file);
      try {
        contents.put(file, read(path, checkedSize(id, file, path)));
      } catch (IOException e) {
        throw new ModelLoadException(id + ": cannot read " + file + ": " + e.getMessage(), e);
      }
    }
    return contents;
  }

  private static long checkedSize(String id, String file, Path path) throws ModelLoadException {
    long size;
    try {
      size = Files.size(path);
    } catch (IOException e) {
      throw new ModelLoadException(id + ": cannot read the size of " + file + ": " + e.getMessage(), e);
    }
    if (size > MAX_FILE_BYTES) {
      throw new ModelLoadException(id + ": " + file + " is " + size + " bytes; the agent reads a model's files into "
          + "memory and cannot load a file over 2 GiB yet");
    }
    return size;
  }

  private static byte[] read(Path path, long size) throws IOException {
    byte[] bytes = new byte[(int) size];
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      while (buffer.position() < bytes.length) {
        buffer.limit(Math.min(bytes.length, buffer.position() + SLICE_BYTES));
        if (channel.read(buffer) < 0) {
          throw new IOException("it ended after " + buffer.position() + " of " + size + " bytes (changed while read)");
        }
      }
      if (channel.size() != size) {
        throw new IOException("it changed size while read (" + size + " -> " + channel.size() + " bytes)");
      }
    }
    return bytes;
  }
}
