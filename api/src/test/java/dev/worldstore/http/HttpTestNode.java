package dev.worldstore.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.Json;
import dev.worldstore.projector.WorldStores;
import dev.worldstore.testing.TestKafka;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One worldstore node for integration tests: a real store on the shared embedded Kafka broker, a
 * real HTTP server on a free port, and a {@link java.net.http.HttpClient} to call it.
 */
final class HttpTestNode implements AutoCloseable {
    final WorldStore store;
    final HttpServer server;
    final PrometheusMeterRegistry registry;
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
            .build();
    /** Sent as {@code Authorization: Bearer} when not null. */
    String apiKey;

    private HttpTestNode(WorldStore store, HttpServer server, PrometheusMeterRegistry registry) {
        this.store = store;
        this.server = server;
        this.registry = registry;
    }

    static String newTopic() {
        return TestKafka.uniqueName("http");
    }

    /** A node on {@code topic} with its data in {@code dataDir}; extra settings are {@code http.*} or store keys. */
    static HttpTestNode start(String topic, Path dataDir, Map<String, String> settings) {
        Map<String, String> storeSettings = new LinkedHashMap<>();
        Map<String, String> httpSettings = new LinkedHashMap<>();
        storeSettings.put("kafka.bootstrap.servers", TestKafka.bootstrapServers());
        storeSettings.put("kafka.topic", topic);
        storeSettings.put("data.dir", dataDir.toString());
        httpSettings.put("http.port", "0");
        httpSettings.put("http.auth.enabled", "false");
        settings.forEach((k, v) -> (k.startsWith("http.") ? httpSettings : storeSettings).put(k, v));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        WorldStore store = WorldStores.open(WorldStoreConfig.of(storeSettings), registry, Clock.systemUTC());
        try {
            HttpServer server = HttpServer.start(store, HttpConfig.of(httpSettings), dataDir, registry);
            return new HttpTestNode(store, server, registry);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    static HttpTestNode start(Path dataDir) {
        return start(newTopic(), dataDir, Map.of());
    }

    /** One entry of an API keys file: its name, the key (the file holds its hash) and its scopes as JSON members. */
    record TestKey(String name, String key, String scopes) {
    }

    /** {@code scopes}: the entry's other members, e.g. {@code "admin": true} or {@code "worlds": ["w"], "apps": ["*"]}. */
    static TestKey key(String name, String key, String scopes) {
        return new TestKey(name, key, scopes);
    }

    /**
     * Writes {@code dir/keys.json} holding {@code keys} and returns the settings that turn auth on
     * with it, plus {@code more}.
     */
    static Map<String, String> authWith(Path dir, Map<String, String> more, TestKey... keys) {
        Path file = dir.resolve("keys.json");
        StringBuilder json = new StringBuilder("{\"keys\": [\n");
        for (int i = 0; i < keys.length; i++) {
            TestKey k = keys[i];
            json.append("  {\"name\": \"").append(k.name()).append("\", \"hash\": \"").append(ApiKeys.hash(k.key())).append("\", ")
                    .append(k.scopes()).append('}').append(i + 1 < keys.length ? ",\n" : "\n");
        }
        try {
            Files.writeString(file, json.append("]}").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> settings = new LinkedHashMap<>(more);
        settings.put("http.auth.enabled", "true");
        settings.put("http.auth.keys.file", file.toString());
        return settings;
    }

    /** A node on a new topic with its data in {@code dir/node} and auth on with {@code keys} ({@link #authWith}). */
    static HttpTestNode startWithKeys(Path dir, Map<String, String> more, TestKey... keys) {
        return start(newTopic(), dir.resolve("node"), authWith(dir, more, keys));
    }

    URI uri(String path) {
        return server.uri().resolve(path);
    }

    HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30));
        if (apiKey != null) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        return b;
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sends {@code method path} with a JSON body (or none when {@code json} is null) and extra headers as pairs. */
    /** {@link #call} with {@code key} as the API key for this one request (not thread-safe: the node's key is swapped). */
    HttpResponse<String> callAs(String key, String method, String path, String json, String... headers) {
        String before = apiKey;
        apiKey = key;
        try {
            return call(method, path, json, headers);
        } finally {
            apiKey = before;
        }
    }

    HttpResponse<String> call(String method, String path, String json, String... headers) {
        HttpRequest.Builder b = request(path);
        boolean typed = false;
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
            typed |= headers[i].equalsIgnoreCase("Content-Type");
        }
        if (json != null && !typed) {
            b.header("Content-Type", method.equals("PATCH") ? "application/merge-patch+json" : "application/json");
        }
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        return send(b.build());
    }

    HttpResponse<String> get(String path, String... headers) {
        return call("GET", path, null, headers);
    }

    HttpResponse<String> put(String path, String json, String... headers) {
        return call("PUT", path, json, headers);
    }

    static JsonNode json(HttpResponse<String> r) {
        return Json.parse(r.body());
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            store.close();
        }
    }
}
