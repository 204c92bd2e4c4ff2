package io.mrgc.cluster.models;

import io.mrgc.carwash.integrity.Manifest;
import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Consumer;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.fsx.FSxClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The model store in AWS: FSx for Lustre, whose data repository association links {@code fsxPath} on the file system
 * to an S3 prefix. A version's files are uploaded under {@code <prefix><name>@<version>/} (S3 checks each body against
 * the SHA-256 the manifest lists), then an import task brings them into the file system at
 * {@code <fsxPath>/<name>@<version>}; the manifest goes up last of the files.
 */
public final class FsxModelStore implements ModelStore {
  /** Where to import: the association's two sides and the file system. */
  public record Target(S3Location s3, String fileSystemId, String fsxPath) {}

  private final S3Client s3;
  private final FSxClient fsx;
  private final Target target;
  private final FsxImportTask importTask;
  /** Whether the clients are this store's own ({@link #open}), closed with it. */
  private boolean ownsClients;

  /** A store on the caller's clients; {@code poll}: how often to read the import task's progress. */
  public FsxModelStore(S3Client s3, FSxClient fsx, Target target, Duration poll, Duration importTimeout) {
    this.s3 = s3;
    this.fsx = fsx;
    this.target = target;
    this.importTask = new FsxImportTask(fsx, target.fileSystemId(), poll, importTimeout);
  }

  /**
   * A store on clients of its own in {@code region}, with the default AWS credentials, closed with it. An endpoint
   * (null: the region's) replaces the service's, e.g. by an S3-compatible one (path-style) or a VPC endpoint.
   */
  public static FsxModelStore open(String region, Target target, URI s3Endpoint, URI fsxEndpoint, Duration poll,
      Duration importTimeout) {
    var s3 = S3Client.builder().region(Region.of(region)).httpClient(UrlConnectionHttpClient.create());
    if (s3Endpoint != null) {
      s3.endpointOverride(s3Endpoint).forcePathStyle(true);
    }
    var fsx = FSxClient.builder().region(Region.of(region)).httpClient(UrlConnectionHttpClient.create());
    if (fsxEndpoint != null) {
      fsx.endpointOverride(fsxEndpoint);
    }
    FsxModelStore store = new FsxModelStore(s3.build(), fsx.build(), target, poll, importTimeout);
    store.ownsClients = true;
    return store;
  }

  @Override
  public void close() {
    if (ownsClients) {
      s3.close();
      fsx.close();
    }
  }

  @Override
  public String put(StoredVersion version, Consumer<String> progress) {
    String dir = version.storePath() + "/";
    int count = version.files().size() + 1;
    int sent = 0;
    for (Map.Entry<String, StoredVersion.StoredFile> entry : version.files().entrySet()) {
      StoredVersion.StoredFile file = entry.getValue();
      upload(dir + entry.getKey(), RequestBody.fromFile(file.source()), file.size(), file.sha256());
      progress.accept("uploaded " + ++sent + "/" + count + " " + target.s3().uri(dir + entry.getKey()) + " ("
          + ModelTables.mebibytes(file.size()) + " MiB)");
    }
    byte[] manifest = version.manifest();
    upload(dir + Manifest.FILE_NAME, RequestBody.fromBytes(manifest), manifest.length, version.manifestSha256());
    progress.accept("uploaded " + count + "/" + count + " " + target.s3().uri(dir + Manifest.FILE_NAME));
    try {
      importTask.run(target.s3().uri(dir), version.manifestSha256(), progress);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the FSx import of " + version.id(), e);
    }
    return target.s3().uri(dir) + " imported into " + target.fileSystemId() + ":" + fsxDir(version);
  }

  /** The version's directory on the file system (below the mount point). */
  String fsxDir(StoredVersion version) {
    return (target.fsxPath().endsWith("/") ? target.fsxPath() : target.fsxPath() + "/") + version.storePath();
  }

  private void upload(String relative, RequestBody body, long length, String sha256Hex) {
    s3.putObject(r -> r.bucket(target.s3().bucket()).key(target.s3().key(relative)).contentLength(length)
        .checksumSHA256(Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha256Hex))), body);
  }
}
