package io.mrgc.agent.model;

import io.mrgc.carwash.integrity.Manifest;
import io.mrgc.carwash.integrity.ManifestException;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;

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

  /**
   * The file's bytes through a read-only mapping, copied into the array in slices: one copy from the page cache
   * (a channel read into a heap array copies twice, through a temporary direct buffer; measured 1.5x slower).
   * The mapping's slices are read-only views of one buffer: absolute gets, safe from several threads.
   */
  private static byte[] read(Path path, long size) throws IOException {
    byte[] bytes = new byte[(int) size];
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      if (channel.size() != size) {
        throw new IOException("it changed size while read (" + size + " -> " + channel.size() + " bytes)");
      }
      MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
      // Slices copied in parallel: the copy's page faults on the fresh array, not the store, bound one thread
      // (measured 1.4x with two threads); Lustre also serves parallel reads of a file's stripes faster.
      int slices = (int) ((size + SLICE_BYTES - 1) / SLICE_BYTES);
      IntStream.range(0, slices).parallel().forEach(slice -> {
        int offset = slice * SLICE_BYTES;
        mapped.get(offset, bytes, offset, Math.min(SLICE_BYTES, bytes.length - offset));
      });
    } catch (InternalError e) {
      // The JVM's answer to a page of the mapping that vanished (the file truncated while read), not a crash.
      throw new IOException("it changed while read (" + e.getMessage() + ")", e);
    }
    return bytes;
  }
}
