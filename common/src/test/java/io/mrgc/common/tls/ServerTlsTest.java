package io.mrgc.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A listener with {@link ServerTls}: what it serves, what it refuses, and the start-time checks of its files. */
class ServerTlsTest {
  @TempDir static Path dir;
  private static LocalCertificateAuthority ca;
  private static ServerTls tls;
  private static Vertx vertx;
  private static HttpServer server;

  @BeforeAll
  static void listen() throws Exception {
    ca = LocalCertificateAuthority.openOrCreate(dir.resolve("ca"));
    tls = ca.issueServer("server", List.of("localhost", "127.0.0.1"));
    vertx = Vertx.vertx();
    server = vertx.createHttpServer(tls.applyTo(new HttpServerOptions().setHost("127.0.0.1").setPort(0)))
        .requestHandler(request -> request.response().end("ok"));
    server.listen().await(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static URI url(String host) {
    return URI.create("https://" + host + ":" + server.actualPort() + "/");
  }

  /** Proves TLS 1.2 and 1.3 clients that trust the CA are served, by IP address and by name. */
  @Test
  void servesTls12AndTls13ClientsThatTrustTheCa() {
    assertThat(TlsProbes.get(TlsProbes.client(ca.certificateFile(), "TLSv1.2"), url("127.0.0.1"))).isEqualTo("200");
    assertThat(TlsProbes.get(TlsProbes.client(ca.certificateFile(), "TLSv1.3"), url("localhost"))).isEqualTo("200");
  }

  /** Proves the listener never answers a TLS 1.1 ClientHello with a ServerHello (without PROTOCOLS it could). */
  @Test
  void refusesTls11() throws Exception {
    assertThat(TlsProbes.answerToTls11Hello("127.0.0.1", server.actualPort()))
        .isIn(TlsProbes.Answer.ALERT, TlsProbes.Answer.CLOSED);
    assertThat(tls.applyTo(new HttpServerOptions()).getEnabledSecureTransportProtocols())
        .containsExactlyInAnyOrder("TLSv1.2", "TLSv1.3");
  }

  /** Proves a plaintext HTTP request gets no HTTP answer from a TLS listener. */
  @Test
  void refusesPlaintextHttp() throws Exception {
    assertThat(TlsProbes.answerToPlaintextHttp("127.0.0.1", server.actualPort())).isNotEqualTo(TlsProbes.Answer.HTTP);
  }

  /** Proves a client trusting another CA, or reaching a name the certificate does not carry, fails the handshake. */
  @Test
  void clientsNotTrustingTheCaOrWithAnotherHostNameFail() {
    LocalCertificateAuthority other = LocalCertificateAuthority.openOrCreate(dir.resolve("other-ca"));
    assertThat(TlsProbes.get(TlsProbes.client(other.certificateFile(), "TLSv1.3"), url("127.0.0.1")))
        .startsWith("SSLHandshakeException");
    ServerTls onlyLocalhost = ca.issueServer("only-localhost", List.of("localhost"));
    HttpServer named = vertx.createHttpServer(onlyLocalhost.applyTo(new HttpServerOptions().setHost("127.0.0.1")
        .setPort(0))).requestHandler(request -> request.response().end("ok"));
    try {
      named.listen().await(10, TimeUnit.SECONDS);
      assertThat(TlsProbes.get(TlsProbes.client(ca.certificateFile(), "TLSv1.3"),
          URI.create("https://127.0.0.1:" + named.actualPort() + "/"))).startsWith("SSLHandshakeException");
      assertThat(TlsProbes.get(TlsProbes.client(ca.certificateFile(), "TLSv1.3"),
          URI.create("https://localhost:" + named.actualPort() + "/"))).isEqualTo("200");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      named.close();
    }
  }

  /** Proves a missing or unreadable-as-PEM file stops the start with a message naming the file and the fault. */
  @Test
  void badFilesFailWithAMessageNamingTheFile() throws Exception {
    Path missing = dir.resolve("missing.pem");
    assertThatThrownBy(() -> ServerTls.fromPem(missing, tls.privateKey()).applyTo(new HttpServerOptions()))
        .hasMessage("certificate chain " + missing + " does not exist");
    Path text = Files.writeString(dir.resolve("notes.pem"), "just some notes\n");
    assertThatThrownBy(() -> ServerTls.fromPem(text, tls.privateKey()).applyTo(new HttpServerOptions()))
        .hasMessage("certificate chain " + text + " holds no PEM certificate (expected a block starting "
            + "-----BEGIN CERTIFICATE-----)");
    assertThatThrownBy(() -> ServerTls.fromPem(tls.certificateChain(), tls.certificateChain())
        .applyTo(new HttpServerOptions()))
        .hasMessageStartingWith("private key " + tls.certificateChain() + " holds no PEM private key");
    Path binary = Files.write(dir.resolve("binary.pem"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
    assertThatThrownBy(() -> ServerTls.fromPem(binary, tls.privateKey()).applyTo(new HttpServerOptions()))
        .hasMessage("certificate chain " + binary + " is not a PEM file (it is not ASCII text)");
    assertThatThrownBy(() -> new ServerTls(tls.certificateChain(), null))
        .hasMessage("certificateChain and privateKey must be set together, but only certificateChain was");
  }

  /** Proves a key that is not the certificate's is refused at start, naming both files. */
  @Test
  void keyOfAnotherCertificateIsRefused() {
    ServerTls other = ca.issueServer("other", List.of("localhost"));
    assertThatThrownBy(() -> ServerTls.fromPem(tls.certificateChain(), other.privateKey())
        .applyTo(new HttpServerOptions()))
        .hasMessageStartingWith("private key " + other.privateKey() + " does not match the certificate in "
            + tls.certificateChain());
  }

  /** Proves PKCS#1 and SEC1 keys (what openssl and older tools write) are read as well as PKCS#8. */
  @Test
  void readsTraditionalKeyFormats() throws Exception {
    Path sec1 = dir.resolve("sec1-key.pem");
    java.security.PrivateKey key = PemFiles.privateKey("private key", tls.privateKey());
    org.bouncycastle.asn1.pkcs.PrivateKeyInfo info =
        org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(key.getEncoded());
    // SEC1 as openssl writes it: the curve in the key's own parameters field
    org.bouncycastle.asn1.sec.ECPrivateKey inner = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(
        info.parsePrivateKey());
    byte[] ecPrivateKey = new org.bouncycastle.asn1.sec.ECPrivateKey(256, inner.getKey(), null,
        info.getPrivateKeyAlgorithm().getParameters()).getEncoded();
    Files.writeString(sec1, "-----BEGIN EC PRIVATE KEY-----\n"
        + java.util.Base64.getMimeEncoder().encodeToString(ecPrivateKey) + "\n-----END EC PRIVATE KEY-----\n");
    assertThat(ServerTls.fromPem(tls.certificateChain(), sec1).applyTo(new HttpServerOptions()).isSsl()).isTrue();
  }

  /** Proves an encrypted key is refused at start with what to do, not read with some passphrase or failed later. */
  @Test
  void encryptedKeyIsRefused() throws Exception {
    java.security.PrivateKey key = PemFiles.privateKey("private key", tls.privateKey());
    java.io.StringWriter pem = new java.io.StringWriter();
    try (org.bouncycastle.openssl.jcajce.JcaPEMWriter writer = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(pem)) {
      writer.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key,
          new org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder(
              org.bouncycastle.openssl.PKCS8Generator.AES_256_CBC).setPassword("secret".toCharArray())
          .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()).build()));
    }
    Path encrypted = Files.writeString(dir.resolve("encrypted-key.pem"), pem.toString());
    assertThatThrownBy(() -> ServerTls.fromPem(tls.certificateChain(), encrypted).applyTo(new HttpServerOptions()))
        .hasMessage("private key " + encrypted + " is encrypted; give the unencrypted key in a file only the "
            + "service can read (mode 0600)");
  }

  /** Proves the chain and key given as PEM text (an ECS secret in an environment variable) serve TLS the same way. */
  @Test
  void pemTextServesTls() throws Exception {
    ServerTls text = ServerTls.fromPemText(Files.readString(tls.certificateChain()), "tls.certificatePem",
        Files.readString(tls.privateKey()), "tls.keyPem");
    assertThat(text.enabled()).isTrue();
    assertThat(text.toString()).doesNotContain("PRIVATE KEY")
        .doesNotContain(Files.readString(tls.privateKey()).lines().skip(1).findFirst().orElseThrow());
    HttpServer fromText = vertx.createHttpServer(text.applyTo(new HttpServerOptions().setHost("127.0.0.1")
        .setPort(0))).requestHandler(request -> request.response().end("ok"));
    try {
      fromText.listen().await(10, TimeUnit.SECONDS);
      assertThat(TlsProbes.get(TlsProbes.client(ca.certificateFile(), "TLSv1.3"),
          URI.create("https://127.0.0.1:" + fromText.actualPort() + "/"))).isEqualTo("200");
      assertThat(text.applyTo(new HttpServerOptions()).getEnabledSecureTransportProtocols())
          .containsExactlyInAnyOrder("TLSv1.2", "TLSv1.3");
    } finally {
      fromText.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** Proves bad PEM text is refused at start naming its source, and never shows the key. */
  @Test
  void badPemTextIsRefusedNamingItsSourceNotTheKey() throws Exception {
    String chain = Files.readString(tls.certificateChain());
    String otherKey = Files.readString(ca.issueServer("other-text", List.of("localhost")).privateKey());
    assertThatThrownBy(() -> ServerTls.fromPemText(chain, "tls.certificatePem", otherKey, "tls.keyPem")
        .applyTo(new HttpServerOptions()))
        .hasMessage("private key from tls.keyPem does not match the certificate from tls.certificatePem (the first "
            + "certificate must be the server's, the key its private key)");
    assertThatThrownBy(() -> ServerTls.fromPemText("just some notes", "tls.certificatePem", otherKey, "tls.keyPem")
        .applyTo(new HttpServerOptions()))
        .hasMessage("certificate chain from tls.certificatePem holds no PEM certificate (expected a block starting "
            + "-----BEGIN CERTIFICATE-----)");
    assertThatThrownBy(() -> ServerTls.fromPemText(chain, "tls.certificatePem", chain, "tls.keyPem")
        .applyTo(new HttpServerOptions()))
        .hasMessageStartingWith("private key from tls.keyPem holds no PEM private key");
    String damaged = otherKey.replaceFirst("\n[A-Za-z0-9+/]{8}", "\n!!!!!!!!");
    assertThatThrownBy(() -> ServerTls.fromPemText(chain, "tls.certificatePem", damaged, "tls.keyPem")
        .applyTo(new HttpServerOptions()))
        .hasMessage("private key from tls.keyPem is not a valid PEM private key (a damaged block: copy the whole "
            + "key, line breaks included)");
    assertThatThrownBy(() -> new ServerTls(tls.certificateChain(), tls.privateKey(),
        new ServerTls.PemText(chain, "a", otherKey, "b")))
        .hasMessage("give the certificate chain and key as files or as PEM text, not both");
  }

  @Test
  void noneLeavesTheListenerPlaintext() {
    assertThat(ServerTls.none().applyTo(new HttpServerOptions()).isSsl()).isFalse();
    assertThat(ServerTls.none().enabled()).isFalse();
  }
}
