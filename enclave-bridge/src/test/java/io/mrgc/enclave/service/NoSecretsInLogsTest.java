package io.mrgc.enclave.service;

import static io.mrgc.enclave.service.Fixture.asTenant;
import static io.mrgc.enclave.service.Fixture.header;
import static org.assertj.core.api.Assertions.assertThat;

import io.mrgc.enclave.DecryptRequest;
import io.mrgc.enclave.Decrypted;
import io.mrgc.wire.crypto.Bytes;
import io.mrgc.wire.enclave.EnclaveException;
import io.mrgc.wire.keys.DataKey;
import io.mrgc.wire.keys.EncryptionContexts;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs whole encrypted round trips (and refusals) with stdout/stderr captured (slf4j-simple writes there) and finds
 * neither the plaintexts nor any key bytes (hex or base64) in the logs or in exception messages.
 */
class NoSecretsInLogsTest {
  static final Class<?>[] LOGGING_CLASSES = {EnclaveService.class, io.mrgc.enclave.kms.LocalKeyRing.class,
      io.mrgc.enclave.attestation.LocalAttestationProvider.class};

  /**
   * Puts the slf4j-simple loggers of the crypto classes at TRACE for the test (slf4j-simple reads its level once
   * per JVM, and other test classes may have initialised it), returning the previous levels.
   */
  static int[] traceLevel(int[] restore) throws Exception {
    int[] previous = new int[LOGGING_CLASSES.length];
    for (int i = 0; i < LOGGING_CLASSES.length; i++) {
      Object logger = org.slf4j.LoggerFactory.getLogger(LOGGING_CLASSES[i]);
      java.lang.reflect.Field level = null;
      for (Class<?> c = logger.getClass(); c != null && level == null; c = c.getSuperclass()) {
        try {
          level = c.getDeclaredField("currentLogLevel");
        } catch (NoSuchFieldException ignored) {
          // look further up
        }
      }
      assertThat(level).as("slf4j-simple logger level field").isNotNull();
      level.setAccessible(true);
      previous[i] = level.getInt(logger);
      level.setInt(logger, restore == null ? org.slf4j.spi.LocationAwareLogger.TRACE_INT : restore[i]);
    }
    return previous;
  }

  @TempDir Path dir;

  @Test
  void roundTripLogsNoPlaintextNorKeys() throws Exception {
    String prompt = "PLAINTEXT-CANARY-prompt-7f3a9c";
    String answer = "PLAINTEXT-CANARY-answer-51be02";
    List<byte[]> secrets = new ArrayList<>();
    List<String> messages = new ArrayList<>();
    PrintStream oldErr = System.err;
    PrintStream oldOut = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
    int[] levels = traceLevel(null);
    System.setErr(capture);
    System.setOut(capture);
    try {
      Fixture f = new Fixture(dir);
      EnclaveService service = f.service();
      for (int i = 0; i < 3; i++) {
        DataKey key = f.dataKey("acme", f.acmeKey);
        secrets.add(key.plaintext().clone());
        var sealed = f.seal(key, header("acme", f.acmeKey, "r-" + i), prompt);
        Decrypted d = service.decryptRequest(asTenant(sealed.envelope(), "acme"));
        byte[] resp = service.encryptResponse(d.sessionId(), answer.getBytes(StandardCharsets.UTF_8));
        assertThat(new String(f.tenant.openResponse(key.plaintext(), sealed.binding(), resp),
            StandardCharsets.UTF_8)).isEqualTo(answer);
        // refusals on the way, with their messages
        messages.add(message(() -> service.decryptRequest(asTenant(sealed.envelope(), "globex"))));
        messages.add(message(() -> service.decryptRequest(
            new DecryptRequest(tamper(sealed.envelope()), "acme", Fixture.MODEL, Fixture.PATH))));
        messages.add(message(() -> f.ring.decryptForRecipient(key.edk(), f.acmeKey,
            EncryptionContexts.forTenant("globex"), new byte[] {1})));
        messages.add(message(() -> service.encryptResponse(d.sessionId(), new byte[1])));
      }
      // master keys in the key ring file are secrets too
      String file = Files.readString(f.ring.file());
      Matcher m = Pattern.compile("\"material\" : \"([^\"]+)\"").matcher(file);
      while (m.find()) {
        secrets.add(Base64.getDecoder().decode(m.group(1)));
      }
      assertThat(secrets).hasSizeGreaterThan(3);
    } finally {
      System.setErr(oldErr);
      System.setOut(oldOut);
      traceLevel(levels);
    }
    String logs = captured.toString(StandardCharsets.UTF_8) + String.join("\n", messages);
    oldErr.println("captured " + logs.length() + " characters of logs and messages:\n" + logs);
    // the capture works, at debug level too
    assertThat(logs).contains("INSECURE").contains("NOT SECURE").contains("decrypted request rid=r-1")
        .contains("KMS released data key");
    assertThat(logs).doesNotContain("PLAINTEXT-CANARY");
    for (byte[] s : secrets) {
      assertThat(logs).doesNotContainIgnoringCase(Bytes.hex(s));
      assertThat(logs).doesNotContain(Base64.getEncoder().encodeToString(s));
      assertThat(logs).doesNotContain(Base64.getEncoder().withoutPadding().encodeToString(s).substring(0, 40));
      assertThat(logs).doesNotContain(Base64.getUrlEncoder().withoutPadding().encodeToString(s).substring(0, 40));
    }
  }

  interface Call {
    void run() throws Exception;
  }

  static String message(Call c) {
    try {
      c.run();
      return "";
    } catch (EnclaveException e) {
      return e.getMessage();
    } catch (Exception e) {
      return String.valueOf(e);
    }
  }

  static byte[] tamper(byte[] env) {
    String s = new String(env, StandardCharsets.UTF_8);
    int i = s.indexOf("\"ct\":\"") + 6;
    return (s.substring(0, i) + (s.charAt(i) == 'A' ? 'B' : 'A') + s.substring(i + 1)).getBytes(StandardCharsets.UTF_8);
  }
}
