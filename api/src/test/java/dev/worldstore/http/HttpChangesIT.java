package dev.worldstore.http;

import static dev.worldstore.http.HttpTestNode.key;
import static dev.worldstore.http.HttpAsserts.assertOk;
import static dev.worldstore.http.HttpAsserts.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.Json;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SSE change feed: live delivery in log order, resume after a disconnect without gaps or duplicates, scopes, heartbeats. */
class HttpChangesIT {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final String ADMIN = ApiKeys.newKey();
    static final String APP_X = ApiKeys.newKey();

    @TempDir
    static Path dir;
    static HttpTestNode node;

    @BeforeAll
    static void start() throws IOException {
        node = HttpTestNode.startWithKeys(dir, Map.of("http.sse.heartbeat.ms", "200"),
                key("admin", ADMIN, "\"admin\": true"),
                key("app-x", APP_X, "\"worlds\": [\"*\"], \"apps\": [\"x\"]"));
        node.apiKey = ADMIN;
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static SseTestClient open(String world, String key, String... headers) {
        var b = node.request("/v1/worlds/" + world + "/changes").header("Accept", "text/event-stream")
                .setHeader("Authorization", "Bearer " + key).timeout(Duration.ofMinutes(5));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        SseTestClient c = SseTestClient.open(node.client, b.GET().build());
        assertEquals(200, c.response.statusCode());
        assertTrue(c.response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        return c;
    }

    /** Saves and returns the write's position (the event id the feed must report). */
    private static String save(String method, String path, String json) {
        HttpResponse<String> r = node.call(method, path, json);
        assertOk(r);
        return r.headers().firstValue("X-Worldstore-Position").orElseThrow();
    }

    @Test
    void deliversEveryChangeInOrderAndResumesAfterADisconnectWithoutGapsOrDuplicates() {
        String w = "/v1/worlds/live";
        save("PUT", w + "/state", "{\"time\":\"day\"}"); // history before the feed opens: not delivered live
        List<String> expected = new ArrayList<>();
        List<String> received = new ArrayList<>();
        String lastId;
        try (SseTestClient feed = open("live", ADMIN)) {
            SseTestClient.Event ready = feed.next(WAIT);
            assertEquals("ready", ready.event());
            expected.add(save("PUT", w + "/players/alice/state", "{\"position\":{\"x\":1,\"y\":2,\"z\":3},\"health\":100}"));
            expected.add(save("PATCH", w + "/players/alice/state", "{\"health\":90}"));
            expected.add(save("PUT", w + "/entities/tree", "{\"position\":[0,0,0]}"));
            expected.add(save("PUT", w + "/apps/x/players/alice/data/k", "{\"v\":1}"));
            expected.add(save("DELETE", w + "/entities/tree", null));

            SseTestClient.Event put = feed.next(WAIT);
            assertEquals("put", put.event());
            JsonNode data = Json.parse(put.data());
            assertEquals("player_states", data.path("table").asText());
            assertEquals("live", data.path("worldId").asText());
            assertEquals("alice", data.path("playerId").asText());
            assertEquals(100, data.path("value").path("health").asInt());
            assertEquals("admin", data.path("actor").asText());
            assertEquals(put.id(), data.path("position").asText());
            assertFalse(data.path("origin").asText().isEmpty());
            assertFalse(data.path("timestamp").asText().isEmpty());
            received.add(put.id());

            SseTestClient.Event patch = feed.next(WAIT);
            assertEquals("merge-patch", patch.event());
            assertEquals(90, Json.parse(patch.data()).path("patch").path("health").asInt());
            received.add(patch.id());
            SseTestClient.Event entity = feed.next(WAIT);
            assertEquals("entity_states", Json.parse(entity.data()).path("table").asText());
            received.add(entity.id());
            SseTestClient.Event app = feed.next(WAIT);
            JsonNode appData = Json.parse(app.data());
            assertEquals("x", appData.path("appId").asText());
            assertEquals("k", appData.path("key").asText());
            received.add(app.id());
            SseTestClient.Event delete = feed.next(WAIT);
            assertEquals("delete", delete.event());
            assertFalse(Json.parse(delete.data()).has("value"));
            received.add(delete.id());
            assertEquals(expected, received);
            lastId = delete.id();
        }

        // disconnected: the world keeps changing
        for (int i = 0; i < 5; i++) {
            expected.add(save("PUT", w + "/players/p" + i + "/state", "{\"n\":" + i + "}"));
        }
        try (SseTestClient resumed = open("live", ADMIN, "Last-Event-ID", lastId)) {
            SseTestClient.Event ready = resumed.next(WAIT);
            assertEquals("ready", ready.event());
            assertEquals(lastId, ready.id());
            for (int i = 0; i < 5; i++) {
                SseTestClient.Event e = resumed.next(WAIT);
                assertEquals(i, Json.parse(e.data()).path("value").path("n").asInt());
                received.add(e.id());
            }
            expected.add(save("PUT", w + "/players/after/state", "{}"));
            received.add(resumed.next(WAIT).id());
        }
        assertEquals(expected, received, "every change once, in log order");

        try (SseTestClient fromQuery = SseTestClient.open(node.client, node.request(
                "/v1/worlds/live/changes?from=" + received.get(received.size() - 3)).GET().build())) {
            assertEquals("ready", fromQuery.next(WAIT).event());
            assertEquals(received.get(received.size() - 2), fromQuery.next(WAIT).id());
            assertEquals(received.get(received.size() - 1), fromQuery.next(WAIT).id());
        }
    }

    @Test
    void aClientThatDropsBeforeAnyChangeResumesFromTheReadyId() {
        save("PUT", "/v1/worlds/quiet/state", "{\"n\":0}");
        String readyId;
        try (SseTestClient feed = open("quiet", ADMIN)) {
            SseTestClient.Event ready = feed.next(WAIT);
            readyId = ready.id();
            assertTrue(readyId != null && !readyId.isEmpty(), "ready carries the start position");
        }
        String missed = save("PATCH", "/v1/worlds/quiet/state", "{\"n\":1}");
        try (SseTestClient feed = open("quiet", ADMIN, "Last-Event-ID", readyId)) {
            assertEquals("ready", feed.next(WAIT).event());
            assertEquals(missed, feed.next(WAIT).id());
        }
    }

    @Test
    void anAppScopedKeyDoesNotSeeOtherAppsData() {
        try (SseTestClient feed = open("scoped", APP_X)) {
            assertEquals("ready", feed.next(WAIT).event());
            save("PUT", "/v1/worlds/scoped/apps/y/data/secret", "1");
            String visible = save("PUT", "/v1/worlds/scoped/apps/x/data/mine", "2");
            SseTestClient.Event e = feed.next(WAIT);
            assertEquals(visible, e.id(), e::toString);
            assertEquals("x", Json.parse(e.data()).path("appId").asText());
        }
    }

    @Test
    void idleFeedsGetHeartbeatsAndClosedFeedsAreReleased() {
        try (SseTestClient feed = open("idle", ADMIN)) {
            assertEquals("ready", feed.next(WAIT).event());
            assertTrue(feed.nextComment(WAIT).startsWith(":"));
        }
        Awaitility.await().atMost(WAIT).until(() -> node.registry.get("http.sse.clients").gauge().value() == 0.0);
    }

    @Test
    void badResumePointsAre400() {
        node.apiKey = ADMIN;
        assertProblem(node.get("/v1/worlds/live/changes", "Last-Event-ID", "nonsense"), 400, "INVALID_ARGUMENT", "Last-Event-ID");
        assertProblem(node.get("/v1/worlds/live/changes?from=1"), 400, "INVALID_ARGUMENT", "from");
        assertProblem(node.get("/v1/worlds/live/changes", "Last-Event-ID", "99-0"), 400, "INVALID_ARGUMENT", "Last-Event-ID");
        assertProblem(node.get("/v1/worlds/live/changes?from=99-0"), 400, "INVALID_ARGUMENT", "from");
        assertProblem(node.get("/v1/worlds/bad!world/changes"), 400, "INVALID_ID", "worldId");
    }

    @Test
    void closingTheServerEndsOpenFeeds() {
        HttpServer second = HttpServer.start(node.store, HttpConfig.of("http.port", "0", "http.auth.enabled", "false"),
                dir.resolve("second"), new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                        io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT));
        try (SseTestClient feed = SseTestClient.open(node.client, java.net.http.HttpRequest.newBuilder(
                second.uri().resolve("/v1/worlds/closing/changes")).GET().build())) {
            assertEquals("ready", feed.next(WAIT).event());
            second.close();
            second.close(); // idempotent
            org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> feed.next(WAIT), "the stream ends");
        }
    }
}
