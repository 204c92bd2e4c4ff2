package io.mrgc.carwash.integrity;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * One model's files as a full check found them: every file's sha256 matched {@code manifest.sha256} and, from the
 * same read, the sha256 of every fixed-size chunk of it was kept, so that later checks can verify any one chunk
 * (a bounded read) against what the full check proved.
 */
public final class ChunkedModel {
  /** One chunk: bytes {@code [offset, offset + length)} of {@code file} ({@code index} of {@code count}). */
  public record Chunk(String model, String file, Path path, long fileSize, int index, int count, long offset,
                      int length, byte[] sha256) {

    /** Reads this chunk again and fails unless the file still has its size and the chunk its sha256. */
    public void verify(ByteBuffer scratch) throws ManifestException {
      try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
        long size = channel.size();
        if (size != fileSize) {
          throw new ManifestException(model + ": " + file + " changed size since the last full check (" + fileSize
              + " -> " + size + " bytes)");
        }
        scratch.clear().limit(length);
        while (scratch.hasRemaining()) {
          if (channel.read(scratch, offset + scratch.position()) < 0) {
            throw new ManifestException(model + ": " + file + " ended inside chunk " + index);
          }
        }
        scratch.flip();
        MessageDigest digest = newDigest();
        digest.update(scratch);
        if (!MessageDigest.isEqual(digest.digest(), sha256)) {
          throw new ManifestException(model + ": " + file + " chunk " + (index + 1) + " of " + count + " (bytes "
              + offset + ".." + (offset + length - 1) + ") does not match its sha256 from the last full check");
        }
      } catch (IOException e) {
        throw new ManifestException(model + ": cannot read " + file + ": " + e.getMessage(), e);
      }
    }
  }

  private final String model;
  private final List<Chunk> chunks;

  private ChunkedModel(String model, List<Chunk> chunks) {
    this.model = model;
    this.chunks = List.copyOf(chunks);
  }

  public String model() {
    return model;
  }

  /** Every chunk of every listed file, in file then offset order. */
  public List<Chunk> chunks() {
    return chunks;
  }

  /**
   * The full check of one model: reads its manifest, refuses unlisted and missing files, and reads every listed
   * file once, comparing the file's sha256 with the manifest and keeping each {@code chunkBytes} chunk's sha256.
   */
  public static ChunkedModel verify(String model, Path modelDir, int chunkBytes) throws ManifestException {
    checkChunkBytes(chunkBytes);
    Manifest manifest = Manifest.read(model, modelDir);
    manifest.checkNothingUnlisted();
    List<Chunk> chunks = new ArrayList<>();
    byte[] block = new byte[chunkBytes];
    for (String file : manifest.files()) {
      Path path = manifest.locate(file);
      try (InputStream in = Files.newInputStream(path)) {
        long size = Files.size(path);
        int count = (int) Math.max(1, (size + chunkBytes - 1) / chunkBytes);
        MessageDigest whole = newDigest();
        List<Chunk> fileChunks = new ArrayList<>(count);
        long offset = 0;
        int read;
        // An empty file still gets one (empty) chunk, so that it is checked for growth like any other.
        while ((read = in.readNBytes(block, 0, chunkBytes)) > 0 || fileChunks.isEmpty()) {
          whole.update(block, 0, read);
          fileChunks.add(chunk(model, file, path, size, fileChunks.size(), count, offset, block, 0, read));
          offset += read;
          if (read == 0) {
            break;
          }
        }
        if (offset != size || fileChunks.size() != count) {
          throw new ManifestException(model + ": " + file + " changed while it was checked");
        }
        manifest.checkHash(file, HexFormat.of().formatHex(whole.digest()));
        chunks.addAll(fileChunks);
      } catch (IOException e) {
        throw manifest.unreadable(e);
      }
    }
    return new ChunkedModel(model, chunks);
  }

  /**
   * The full check of files already read into memory, so that one read serves both the load and the check (the bytes
   * checked are the bytes loaded): {@code contents} holds every file {@code manifest} lists, by relative path. The
   * caller has checked that nothing unlisted is in the directory ({@link Manifest#checkNothingUnlisted()}). The
   * chunks' sha256 are then verified against the files on disk, as after {@link #verify(String, Path, int)}.
   */
  public static ChunkedModel verify(Manifest manifest, Map<String, byte[]> contents, int chunkBytes)
      throws ManifestException {
    checkChunkBytes(chunkBytes);
    String model = manifest.model();
    List<Chunk> chunks = new ArrayList<>();
    for (String file : manifest.files()) {
      byte[] bytes = contents.get(file);
      if (bytes == null) {
        throw new IllegalArgumentException(file + " of " + model + " was not read");
      }
      Path path = manifest.locate(file);
      int count = (int) Math.max(1, ((long) bytes.length + chunkBytes - 1) / chunkBytes);
      MessageDigest whole = newDigest();
      for (int index = 0; index < count; index++) {
        int offset = index * chunkBytes;
        int length = Math.min(chunkBytes, bytes.length - offset);
        whole.update(bytes, offset, length);
        chunks.add(chunk(model, file, path, bytes.length, index, count, offset, bytes, offset, length));
      }
      manifest.checkHash(file, HexFormat.of().formatHex(whole.digest()));
    }
    return new ChunkedModel(model, chunks);
  }

  private static Chunk chunk(String model, String file, Path path, long fileSize, int index, int count, long offset,
      byte[] bytes, int from, int length) {
    MessageDigest part = newDigest();
    part.update(bytes, from, length);
    return new Chunk(model, file, path, fileSize, index, count, offset, length, part.digest());
  }

  private static void checkChunkBytes(int chunkBytes) {
    if (chunkBytes < 1) {
      throw new IllegalArgumentException("integrity chunk size must be at least 1 byte, got " + chunkBytes);
    }
  }

  static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
