package dev.worldstore.http;

import static dev.worldstore.http.HttpTestNode.key;
import static dev.worldstore.http.HttpAsserts.assertOk;
import static dev.worldstore.http.HttpAsserts.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.Key;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API keys: authentication, world, app and player-registry scopes (with negative cases), actors, the generated admin key. */
class HttpAuthIT {
    @TempDir
    static Path dir;
    static HttpTestNode node;

    static final String ADMIN = ApiKeys.newKey();
    static final String SERVER_A = ApiKeys.newKey();
    static final String SERVER_B = ApiKeys.newKey();
    static final String APP_X = ApiKeys.newKey();

    @BeforeAll
    static void start() throws IOException {
        node = HttpTestNode.startWithKeys(dir, Map.of(),
                key("admin", ADMIN, "\"admin\": true"),
                key("server-a", SERVER_A, "\"worlds\": [\"wa\"], \"apps\": [\"*\"], \"players\": true"),
                key("server-b", SERVER_B, "\"worlds\": [\"wb\"], \"apps\": [\"*\"]"),
                key("app-x", APP_X, "\"worlds\": [\"wa\"], \"apps\": [\"x\"]"));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void missingOrUnknownKeyIs401() {
        HttpResponse<String> none = node.get("/v1/worlds/wa/state");
        assertProblem(none, 401, "UNAUTHORIZED", "Authorization");
        assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
        assertProblem(node.callAs(ApiKeys.newKey(), "GET", "/v1/worlds/wa/state", null), 401, "UNAUTHORIZED");
        assertProblem(node.get("/v1/worlds/wa/state", "Authorization", "Basic " + SERVER_A), 401, "UNAUTHORIZED");
        assertProblem(node.call("PUT", "/v1/worlds/wa/state", "{}"), 401, "UNAUTHORIZED");
        assertProblem(node.call("POST", "/v1/players", "{\"username\":\"x\"}"), 401, "UNAUTHORIZED");
    }

    @Test
    void operationsRoutesNeedNoKey() {
        assertEquals(200, node.get("/health/live").statusCode());
        assertEquals(200, node.get("/metrics").statusCode());
        assertEquals(200, node.get("/openapi.json").statusCode());
    }

    @Test
    void worldKeyReachesOnlyItsWorlds() {
        assertOk(node.callAs(SERVER_A, "PUT", "/v1/worlds/wa/players/p1/state", "{\"hp\":1}"));
        assertOk(node.callAs(SERVER_A, "GET", "/v1/worlds/wa/players/p1/state", null));
        assertOk(node.callAs(SERVER_A, "GET", "/v1/worlds/wa/entities", null));

        assertProblem(node.callAs(SERVER_A, "PUT", "/v1/worlds/wb/players/p1/state", "{\"hp\":1}"), 403, "FORBIDDEN");
        assertProblem(node.callAs(SERVER_A, "GET", "/v1/worlds/wb/entities", null), 403, "FORBIDDEN");
        assertProblem(node.callAs(SERVER_A, "GET", "/v1/worlds/wb/changes", null), 403, "FORBIDDEN");
        assertProblem(node.callAs(SERVER_B, "GET", "/v1/worlds/wa/players/p1/state", null), 403, "FORBIDDEN");
        assertProblem(node.callAs(SERVER_B, "PATCH", "/v1/worlds/wa/state", "{\"a\":1}"), 403, "FORBIDDEN");
        assertProblem(node.callAs(SERVER_B, "DELETE", "/v1/worlds/wa/entities/e1", null), 403, "FORBIDDEN");
        assertOk(node.callAs(SERVER_B, "PUT", "/v1/worlds/wb/state", "{\"time\":\"night\"}"));
        assertOk(node.callAs(ADMIN, "GET", "/v1/worlds/wb/state", null));
        assertOk(node.callAs(ADMIN, "GET", "/v1/worlds/wa/players/p1/state", null));
    }

    @Test
    void appKeyReachesOnlyItsAppInItsWorlds() {
        assertOk(node.callAs(APP_X, "PUT", "/v1/worlds/wa/apps/x/data/settings", "{\"pvp\":true}"));
        assertOk(node.callAs(APP_X, "PUT", "/v1/worlds/wa/apps/x/players/p1/data/character", "{\"class\":\"mage\"}"));
        assertOk(node.callAs(APP_X, "GET", "/v1/worlds/wa/apps/x/data", null));
        assertOk(node.callAs(SERVER_A, "PUT", "/v1/worlds/wa/apps/y/data/settings", "{\"y\":1}"));

        assertProblem(node.callAs(APP_X, "GET", "/v1/worlds/wa/apps/y/data/settings", null), 403, "FORBIDDEN");
        assertProblem(node.callAs(APP_X, "PUT", "/v1/worlds/wa/apps/y/data/settings", "{}"), 403, "FORBIDDEN");
        assertProblem(node.callAs(APP_X, "GET", "/v1/worlds/wa/apps/y/data", null), 403, "FORBIDDEN");
        assertProblem(node.callAs(APP_X, "DELETE", "/v1/worlds/wa/apps/y/players/p1/data/k", null), 403, "FORBIDDEN");
        assertProblem(node.callAs(APP_X, "GET", "/v1/worlds/wb/apps/x/data/settings", null), 403, "FORBIDDEN");
        assertProblem(node.callAs(SERVER_B, "GET", "/v1/worlds/wa/apps/x/data/settings", null), 403, "FORBIDDEN");
        assertEquals(true, assertOk(node.callAs(SERVER_A, "GET", "/v1/worlds/wa/apps/x/data/settings", null)).path("pvp").asBoolean());
    }

    @Test
    void playerRegistryNeedsThePlayersScope() {
        assertEquals(201, node.callAs(SERVER_A, "POST", "/v1/players", "{\"id\":\"auth-p1\",\"username\":\"AuthOne\"}").statusCode());
        assertEquals(201, node.callAs(ADMIN, "POST", "/v1/players", "{\"username\":\"AuthTwo\"}").statusCode());
        assertOk(node.callAs(SERVER_A, "GET", "/v1/players/auth-p1", null));
        assertProblem(node.callAs(SERVER_B, "POST", "/v1/players", "{\"username\":\"AuthThree\"}"), 403, "FORBIDDEN");
        assertProblem(node.callAs(SERVER_B, "GET", "/v1/players/auth-p1", null), 403, "FORBIDDEN");
        assertProblem(node.callAs(APP_X, "GET", "/v1/players?username=AuthOne", null), 403, "FORBIDDEN");
    }

    @Test
    void theKeyNameIsTheActorOfItsWrites() {
        assertOk(node.callAs(SERVER_A, "PUT", "/v1/worlds/wa/entities/actor-test", "{}"));
        assertEquals("server-a", node.store.read(new Key.Entity("wa", "actor-test")).orElseThrow().actor());
        assertOk(node.callAs(APP_X, "PUT", "/v1/worlds/wa/apps/x/data/actor-test", "1"));
        assertEquals("app-x", node.store.read(new Key.AppData("wa", "x", null, "actor-test")).orElseThrow().actor());
    }

    @Test
    void withoutKeysFileAnAdminKeyIsGeneratedOnceAndKeptHashed() throws IOException {
        Path data = dir.resolve("generated");
        HttpConfig config = HttpConfig.of("http.port", "0", "http.auth.enabled", "true");
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        String key;
        try (HttpServer first = HttpServer.start(node.store, config, data, registry)) {
            key = first.generatedAdminKey().orElseThrow();
            String stored = Files.readString(data.resolve("api-keys.json"));
            assertFalse(stored.contains(key), "the key itself is never stored");
            assertTrue(stored.contains(ApiKeys.hash(key)));
            assertEquals(200, get(first, "/v1/worlds/any/entities", key).statusCode());
            assertEquals(401, get(first, "/v1/worlds/any/entities", null).statusCode());
        }
        try (HttpServer second = HttpServer.start(node.store, config, data, registry)) {
            assertTrue(second.generatedAdminKey().isEmpty(), "generated only on the first start");
            assertEquals(200, get(second, "/v1/worlds/any/entities", key).statusCode());
        }
    }

    private static HttpResponse<String> get(HttpServer server, String path, String key) {
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(server.uri().resolve(path));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return node.send(b.build());
    }
}
