package io.mrgc.cluster.models;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.function.Consumer;
import software.amazon.awssdk.services.fsx.FSxClient;
import software.amazon.awssdk.services.fsx.model.CompletionReport;
import software.amazon.awssdk.services.fsx.model.DataRepositoryTask;
import software.amazon.awssdk.services.fsx.model.DataRepositoryTaskExecutingException;
import software.amazon.awssdk.services.fsx.model.DataRepositoryTaskLifecycle;
import software.amazon.awssdk.services.fsx.model.DataRepositoryTaskStatus;
import software.amazon.awssdk.services.fsx.model.DataRepositoryTaskType;

/**
 * Runs an FSx for Lustre data repository import task ({@code IMPORT_METADATA_FROM_REPOSITORY}) for one S3 prefix of
 * the file system's data repository association and waits for it, printing its progress. The task's client request
 * token is derived from what is imported: a command run again while its task still runs waits for that same task.
 */
final class FsxImportTask {
  private static final String TOKEN_PREFIX = "mrgc-";

  private final FSxClient fsx;
  private final String fileSystemId;
  private final Duration poll;
  private final Duration timeout;

  FsxImportTask(FSxClient fsx, String fileSystemId, Duration poll, Duration timeout) {
    this.fsx = fsx;
    this.fileSystemId = fileSystemId;
    this.poll = poll;
    this.timeout = timeout;
  }

  /**
   * Imports {@code s3Path} ({@code s3://bucket/prefix/...}: import tasks name S3 paths) into the file system;
   * {@code identity} names the content (same identity, same task).
   */
  void run(String s3Path, String identity, Consumer<String> progress) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String token = token(fileSystemId + " " + s3Path + " " + identity);
    DataRepositoryTask task = create(s3Path, token, deadline, progress);
    if (ended(task)) {
      // The token's task is an earlier attempt's that failed: the same token would return it again.
      progress.accept("import " + task.taskId() + " of an earlier attempt ended " + task.lifecycle()
          + "; starting a new one");
      task = create(s3Path, token + "-" + Long.toString(System.currentTimeMillis(), 36), deadline, progress);
    } else {
      progress.accept("import " + task.taskId() + " on " + fileSystemId + " for " + s3Path);
    }
    String id = task.taskId();
    String last = "";
    while (true) {
      String line = describe(task);
      if (!line.equals(last)) {
        progress.accept(line);
        last = line;
      }
      if (task.lifecycle() == DataRepositoryTaskLifecycle.SUCCEEDED) {
        return;
      }
      if (ended(task)) {
        throw new IllegalStateException("FSx import " + task.taskId() + " " + task.lifecycle() + ": "
            + (task.failureDetails() == null ? "no failure details" : task.failureDetails().message()));
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("FSx import " + task.taskId() + " is still " + task.lifecycle() + " after "
            + timeout + "; look at it with `aws fsx describe-data-repository-tasks --task-ids " + task.taskId()
            + "`, or give a longer --import-timeout");
      }
      Thread.sleep(poll.toMillis());
      task = fsx.describeDataRepositoryTasks(r -> r.taskIds(id)).dataRepositoryTasks().stream().findFirst()
          .orElseThrow(() -> new IllegalStateException("FSx no longer lists import " + id));
    }
  }

  private DataRepositoryTask create(String s3Path, String token, long deadline, Consumer<String> progress)
      throws InterruptedException {
    boolean told = false;
    while (true) {
      try {
        return fsx.createDataRepositoryTask(r -> r.type(DataRepositoryTaskType.IMPORT_METADATA_FROM_REPOSITORY)
            .fileSystemId(fileSystemId)
            .paths(s3Path)
            .report(CompletionReport.builder().enabled(false).build())
            .clientRequestToken(token)).dataRepositoryTask();
      } catch (DataRepositoryTaskExecutingException busy) {
        // A file system runs one data repository task at a time: another publish's, or an export.
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("another data repository task kept " + fileSystemId + " busy for "
              + timeout + "; see `aws fsx describe-data-repository-tasks --filters Name=file-system-id,Values="
              + fileSystemId + "`, then run the same command again", busy);
        }
        if (!told) {
          progress.accept("another data repository task is running on " + fileSystemId + "; waiting for it");
          told = true;
        }
        Thread.sleep(poll.toMillis());
      }
    }
  }

  private static boolean ended(DataRepositoryTask task) {
    return task.lifecycle() == DataRepositoryTaskLifecycle.FAILED
        || task.lifecycle() == DataRepositoryTaskLifecycle.CANCELED;
  }

  private static String describe(DataRepositoryTask task) {
    DataRepositoryTaskStatus status = task.status();
    StringBuilder line = new StringBuilder("import ").append(task.taskId()).append(": ")
        .append(task.lifecycleAsString());
    if (status != null && status.totalCount() != null) {
      line.append(' ').append(count(status.succeededCount())).append('/').append(status.totalCount()).append(" files");
      if (count(status.failedCount()) > 0) {
        line.append(", ").append(status.failedCount()).append(" failed");
      }
    }
    return line.toString();
  }

  private static long count(Long value) {
    return value == null ? 0 : value;
  }

  /** A client request token (at most 63 of [A-Za-z0-9_.-]) naming {@code identity}. */
  static String token(String identity) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
      return TOKEN_PREFIX + HexFormat.of().formatHex(digest).substring(0, 40);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
