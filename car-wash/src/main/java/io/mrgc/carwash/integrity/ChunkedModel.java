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
    if (chunkBytes < 1) {
      throw new IllegalArgumentException("integrity chunk size must be at least 1 byte, got " + chunkBytes);
    }
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
          MessageDigest part = newDigest();
          part.update(block, 0, read);
          fileChunks.add(new Chunk(model, file, path, size, fileChunks.size(), count, offset, read, part.digest()));
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

  static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
