package dev.worldstore.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.worldstore.ConfigException;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With a keystore configured the API serves HTTPS (and only HTTPS). */
class HttpTlsTest {
    private static final String PASSWORD = "test-secret";

    @Test
    void servesHttpsWithTheConfiguredCertificate(@TempDir Path dir) throws Exception {
        Path keystore = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "worldstore", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost", "-validity", "2",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", PASSWORD, "-keypass", PASSWORD).redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes());
        assertEquals(0, keytool.waitFor(), output);

        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            trust.load(in, PASSWORD.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);

        HttpConfig config = HttpConfig.of("http.port", "0", "http.auth.enabled", "false", "http.tls.keystore.path", keystore.toString(),
                "http.tls.keystore.password", PASSWORD);
        try (HttpServer server = HttpServer.start(null, config, dir, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
            assertEquals("https", server.uri().getScheme());
            HttpClient client = HttpClient.newBuilder().sslContext(ssl).build();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(server.uri().resolve("/health/live")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            HttpClient plain = HttpClient.newHttpClient();
            assertThrows(java.io.IOException.class, () -> plain.send(HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + server.port() + "/health/live")).build(), HttpResponse.BodyHandlers.ofString()));
        }
    }

    @Test
    void keystoreWithoutPasswordIsAConfigError() {
        ConfigException e = assertThrows(ConfigException.class, () -> HttpConfig.of("http.tls.keystore.path", "/x.p12"));
        assertEquals("http.tls.keystore.password", e.key());
        assertThrows(ConfigException.class, () -> HttpConfig.of("http.sse.heartbeat.ms", "90000", "http.idle.timeout.ms", "60000"));
    }
}
