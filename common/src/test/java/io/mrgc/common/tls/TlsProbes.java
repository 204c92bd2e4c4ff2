package io.mrgc.common.tls;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * Clients that test a TLS listener from outside: a raw TLS 1.1 ClientHello (written byte by byte, so the JDK's own
 * client settings cannot stop it before it leaves), a plaintext HTTP request, and JDK HTTP clients limited to one TLS
 * version that trust one CA file and verify the host name.
 */
public final class TlsProbes {
  /** Generous: a handshake on a loaded 2-core CI machine can take seconds; none of these waits is an assertion. */
  private static final int TIMEOUT_MILLIS = 20_000;

  private TlsProbes() {}

  /** What a listener answered first. */
  public enum Answer { SERVER_HELLO, ALERT, HTTP, CLOSED, OTHER }

  /** Sends a TLS 1.1 ClientHello (no supported_versions extension: nothing newer offered) and reads the answer. */
  public static Answer answerToTls11Hello(String host, int port) throws IOException {
    return firstAnswer(host, port, tls11ClientHello());
  }

  /** Sends a plaintext HTTP/1.1 request and reads the answer. */
  public static Answer answerToPlaintextHttp(String host, int port) throws IOException {
    String request = "GET /healthz HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
    return firstAnswer(host, port, request.getBytes(StandardCharsets.US_ASCII));
  }

  private static Answer firstAnswer(String host, int port, byte[] hello) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
      socket.setSoTimeout(TIMEOUT_MILLIS);
      socket.getOutputStream().write(hello);
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      int first;
      try {
        first = in.read();
      } catch (java.net.SocketException reset) {
        return Answer.CLOSED;
      }
      return switch (first) {
        case -1 -> Answer.CLOSED;
        case 0x16 -> Answer.SERVER_HELLO;
        case 0x15 -> Answer.ALERT;
        case 'H' -> Answer.HTTP;
        default -> Answer.OTHER;
      };
    }
  }

  /** A TLS 1.1 ClientHello offering ECDHE and RSA CBC suites on P-256, as an old client sends it. */
  static byte[] tls11ClientHello() {
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    byte[] extensions = {
        0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17, // supported_groups: secp256r1
        0x00, 0x0b, 0x00, 0x02, 0x01, 0x00}; // ec_point_formats: uncompressed
    byte[] suites = {(byte) 0xc0, 0x09, (byte) 0xc0, 0x13, 0x00, 0x2f}; // ECDHE-ECDSA/RSA-AES128-SHA, RSA-AES128-SHA
    int bodyLength = 2 + 32 + 1 + 2 + suites.length + 2 + 2 + extensions.length;
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes(new byte[] {0x16, 0x03, 0x02, (byte) ((bodyLength + 4) >> 8), (byte) (bodyLength + 4)});
    out.writeBytes(new byte[] {0x01, 0x00, (byte) (bodyLength >> 8), (byte) bodyLength});
    out.writeBytes(new byte[] {0x03, 0x02}); // client_version TLS 1.1
    out.writeBytes(random);
    out.write(0); // no session id
    out.writeBytes(new byte[] {0x00, (byte) suites.length});
    out.writeBytes(suites);
    out.writeBytes(new byte[] {0x01, 0x00}); // null compression
    out.writeBytes(new byte[] {0x00, (byte) extensions.length});
    out.writeBytes(extensions);
    return out.toByteArray();
  }

  /** A JDK HTTP/1.1 client that trusts only {@code caFile}, speaks only {@code protocol} and verifies host names. */
  public static HttpClient client(Path caFile, String protocol) {
    SSLParameters parameters = new SSLParameters();
    parameters.setProtocols(new String[] {protocol});
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofMillis(TIMEOUT_MILLIS))
        .sslContext(trusting(caFile)).sslParameters(parameters).build();
  }

  /** GET {@code url} with {@code client}: the status, or the exception's class when the handshake failed. */
  public static String get(HttpClient client, URI url) {
    try {
      return String.valueOf(client.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode());
    } catch (IOException e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** An SSL context trusting only the certificates in {@code caFile}. */
  public static SSLContext trusting(Path caFile) {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      List<X509Certificate> certificates = PemFiles.certificates("CA certificate", caFile);
      for (int i = 0; i < certificates.size(); i++) {
        store.setCertificateEntry("ca-" + i, certificates.get(i));
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException | java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
