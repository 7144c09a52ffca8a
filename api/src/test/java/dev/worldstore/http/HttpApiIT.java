package dev.worldstore.http;

import static dev.worldstore.http.HttpAsserts.assertOk;
import static dev.worldstore.http.HttpAsserts.assertProblem;
import static dev.worldstore.http.HttpTestNode.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.ProjectorState;
import dev.worldstore.Json;
import dev.worldstore.loadgen.HttpBench;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every data route over real HTTP against a real store: round trips, conditions, listing, players, operations. */
class HttpApiIT {
    @TempDir
    static Path dir;
    static HttpTestNode node;

    static final String RPG_PLAYER = dev.worldstore.testing.GuideExamples.RPG_PLAYER;

    @BeforeAll
    static void start() {
        node = HttpTestNode.start(dir);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static void assertSaved(HttpResponse<String> r) {
        JsonNode body = assertOk(r);
        long version = body.path("version").asLong(-1);
        assertTrue(version >= 0, r.body());
        assertEquals("\"" + version + "\"", r.headers().firstValue("ETag").orElseThrow());
        String position = r.headers().firstValue("X-Worldstore-Position").orElseThrow();
        assertEquals(position, body.path("position").asText());
        assertEquals(version, LogPosition.parse(position).offset());
    }

    @Test
    void guideRpgPlayerRoundTripsWithCustomFieldsAtTopLevel() {
        HttpResponse<String> saved = node.put("/v1/worlds/rpg/players/alice/state", RPG_PLAYER);
        assertSaved(saved);
        HttpResponse<String> loaded = node.get("/v1/worlds/rpg/players/alice/state");
        JsonNode state = assertOk(loaded);
        assertEquals(Json.parse(RPG_PLAYER), state);
        assertEquals(100, state.path("health").asInt());
        assertEquals("sword", state.path("inventory").get(0).path("itemId").asText());
        assertEquals(10, state.path("skills").path("combat").path("level").asInt());
        assertEquals(saved.headers().firstValue("ETag"), loaded.headers().firstValue("ETag"));
        assertTrue(loaded.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    }

    @Test
    void guideMigrationReadModifyWriteWithPatchAndDelete() {
        String path = "/v1/worlds/rpg/players/bob/state";
        assertSaved(node.put(path, RPG_PLAYER));
        HttpResponse<String> patched = node.call("PATCH", path, "{\"health\": 75, \"mana\": null, \"position\": [1, 2, 3]}");
        assertSaved(patched);
        JsonNode state = assertOk(node.get(path));
        assertEquals(75, state.path("health").asInt());
        assertFalse(state.has("mana"));
        assertEquals(Json.parse("[1,2,3]"), state.get("position"));
        assertEquals(5, state.path("inventory").get(1).path("quantity").asInt());

        assertSaved(node.call("DELETE", path, null));
        assertProblem(node.get(path), 404, "KEY_NOT_FOUND");
    }

    @Test
    void bodyIsStoredExactlyAsSent() {
        String state = "{ \"health\" : 1.50,\n  \"big\": 1e2, \"position\": [ 1, 2, 3 ] }";
        assertSaved(node.put("/v1/worlds/as-sent/players/p1/state", state));
        assertEquals(state, node.get("/v1/worlds/as-sent/players/p1/state").body());

        assertSaved(node.put("/v1/worlds/as-sent/entities/e1", " { } "));
        assertEquals(" { \"id\":\"e1\"} ", node.get("/v1/worlds/as-sent/entities/e1").body());
    }

    @Test
    void entityArrayFormRoundTripsAndIdIsFilledIn() {
        String hyperfy = """
                {"id":"tree-1","position":[1.5,0,-3],"quaternion":[0,0,0,1],"scale":[1,1,1],
                 "components":{"model":"tree.glb"},"metadata":{"type":"app","name":"Tree"}}""";
        assertSaved(node.put("/v1/worlds/forest/entities/tree-1", hyperfy));
        assertEquals(Json.parse(hyperfy), assertOk(node.get("/v1/worlds/forest/entities/tree-1")));

        assertSaved(node.put("/v1/worlds/forest/entities/rock-1", "{\"position\":{\"x\":1,\"y\":2,\"z\":3}}"));
        JsonNode rock = assertOk(node.get("/v1/worlds/forest/entities/rock-1"));
        assertEquals("rock-1", rock.path("id").asText());
        assertEquals(3, rock.path("position").path("z").asInt());

        assertSaved(node.call("PATCH", "/v1/worlds/forest/entities/rock-1", "{\"metadata\":{\"type\":\"prop\"}}"));
        assertEquals("prop", assertOk(node.get("/v1/worlds/forest/entities/rock-1")).path("metadata").path("type").asText());

        JsonNode page = assertOk(node.get("/v1/worlds/forest/entities"));
        assertEquals(2, page.path("items").size());
        assertTrue(page.path("next").isNull());
        JsonNode apps = assertOk(node.get("/v1/worlds/forest/entities?type=app"));
        assertEquals(1, apps.path("items").size());
        assertEquals("tree-1", apps.path("items").get(0).path("id").asText());

        assertSaved(node.call("DELETE", "/v1/worlds/forest/entities/tree-1", null));
        assertProblem(node.get("/v1/worlds/forest/entities/tree-1"), 404, "KEY_NOT_FOUND");
    }

    @Test
    void worldStatePutPatchGet() {
        String world = """
                {"time":"day","weather":"sunny","npcs":[{"id":"merchant","position":{"x":0,"y":0,"z":0}}],
                 "quests":{"main_quest":{"stage":3,"completed":false}},"metadata":{"version":2}}""";
        assertSaved(node.put("/v1/worlds/w-state/state", world));
        assertEquals(Json.parse(world), assertOk(node.get("/v1/worlds/w-state/state")));
        assertSaved(node.call("PATCH", "/v1/worlds/w-state/state", "{\"weather\":\"rain\"}"));
        JsonNode s = assertOk(node.get("/v1/worlds/w-state/state"));
        assertEquals("rain", s.path("weather").asText());
        assertEquals(3, s.path("quests").path("main_quest").path("stage").asInt());
    }

    @Test
    void appDataWorldWideAndPerPlayerWithListing() {
        String base = "/v1/worlds/ugc/apps/my-rpg-app";
        assertSaved(node.put(base + "/players/alice/data/character", "{\"class\":\"warrior\",\"level\":25,\"equipment\":{}}"));
        assertSaved(node.put(base + "/data/settings", "{\"difficulty\":\"hard\",\"pvpEnabled\":true}"));
        assertSaved(node.put(base + "/data/quests/daily", "[1,2,3]"));
        assertSaved(node.put(base + "/data/score", "42"));

        assertEquals("warrior", assertOk(node.get(base + "/players/alice/data/character")).path("class").asText());
        assertEquals(Json.parse("[1,2,3]"), assertOk(node.get(base + "/data/quests/daily")));
        assertEquals(42, assertOk(node.get(base + "/data/score")).asInt());
        assertProblem(node.get(base + "/players/bob/data/character"), 404, "KEY_NOT_FOUND");

        JsonNode all = assertOk(node.get(base + "/data"));
        List<String> keys = new ArrayList<>();
        all.path("items").forEach(i -> keys.add(i.path("key").asText()));
        assertEquals(List.of("quests/daily", "score", "settings"), keys);
        assertTrue(all.path("items").get(2).path("value").path("pvpEnabled").asBoolean());
        JsonNode prefixed = assertOk(node.get(base + "/data?prefix=quests/"));
        assertEquals(1, prefixed.path("items").size());
        JsonNode perPlayer = assertOk(node.get(base + "/players/alice/data"));
        assertEquals(1, perPlayer.path("items").size());
        assertEquals("character", perPlayer.path("items").get(0).path("key").asText());

        JsonNode page1 = assertOk(node.get(base + "/data?limit=2"));
        assertEquals(2, page1.path("items").size());
        JsonNode page2 = assertOk(node.get(base + "/data?limit=2&cursor=" + page1.path("next").asText()));
        assertEquals("settings", page2.path("items").get(0).path("key").asText());
        assertTrue(page2.path("next").isNull());

        assertSaved(node.call("DELETE", base + "/data/score", null));
        assertProblem(node.get(base + "/data/score"), 404, "KEY_NOT_FOUND");
        assertSaved(node.call("DELETE", base + "/players/alice/data/character", null));
        assertEquals(0, assertOk(node.get(base + "/players/alice/data")).path("items").size());
    }

    @Test
    void conditionalWrites() {
        String path = "/v1/worlds/cond/players/p1/state";
        HttpResponse<String> created = node.put(path, "{\"hp\":1}", "If-None-Match", "*");
        assertSaved(created);
        String etag = created.headers().firstValue("ETag").orElseThrow();

        JsonNode exists = assertProblem(node.put(path, "{\"hp\":2}", "If-None-Match", "*"), 412, "ALREADY_EXISTS", "If-None-Match");
        assertEquals(json(created).path("version").asLong(), exists.path("currentVersion").asLong());

        HttpResponse<String> updated = node.put(path, "{\"hp\":3}", "If-Match", etag);
        assertSaved(updated);
        HttpResponse<String> stale = node.put(path, "{\"hp\":4}", "If-Match", etag);
        JsonNode conflict = assertProblem(stale, 412, "VERSION_CONFLICT", "If-Match");
        assertEquals(json(updated).path("version").asLong(), conflict.path("currentVersion").asLong());
        assertEquals(updated.headers().firstValue("ETag"), stale.headers().firstValue("ETag"));
        assertProblem(node.call("PATCH", path, "{\"hp\":5}", "If-Match", etag), 412, "VERSION_CONFLICT");
        assertProblem(node.call("DELETE", path, null, "If-Match", etag), 412, "VERSION_CONFLICT");
        assertEquals(3, assertOk(node.get(path)).path("hp").asInt());

        String current = updated.headers().firstValue("ETag").orElseThrow();
        assertEquals(304, node.get(path, "If-None-Match", current).statusCode());
        assertEquals(200, node.get(path, "If-None-Match", etag).statusCode());
        assertSaved(node.call("DELETE", path, null, "If-Match", current));

        JsonNode absent = assertProblem(node.put(path, "{}", "If-Match", "\"1\""), 412, "VERSION_CONFLICT");
        assertTrue(absent.path("currentVersion").isNull(), absent.toString());
    }

    @Test
    void playersRegisterGetFindAndUsernameConflict() {
        HttpResponse<String> created = node.call("POST", "/v1/players", "{\"id\":\"p-42\",\"username\":\"Alice\"}");
        assertEquals(201, created.statusCode(), created.body());
        JsonNode p = json(created);
        assertEquals("p-42", p.path("id").asText());
        assertEquals("Alice", p.path("username").asText());
        assertNotNull(p.path("createdAt").asText(null));
        assertEquals("/v1/players/p-42", created.headers().firstValue("Location").orElseThrow());
        assertTrue(created.headers().firstValue("ETag").isPresent());
        assertTrue(created.headers().firstValue("X-Worldstore-Position").isPresent());

        assertEquals("Alice", assertOk(node.get("/v1/players/p-42")).path("username").asText());
        JsonNode found = assertOk(node.get("/v1/players?username=aLiCe"));
        assertEquals("p-42", found.path("items").get(0).path("id").asText());
        assertEquals(0, assertOk(node.get("/v1/players?username=nobody")).path("items").size());

        assertProblem(node.call("POST", "/v1/players", "{\"username\":\"ALICE\"}"), 409, "USERNAME_TAKEN");
        assertProblem(node.call("POST", "/v1/players", "{\"id\":\"p-42\",\"username\":\"Other\"}"), 409, "ALREADY_EXISTS");
        HttpResponse<String> generated = node.call("POST", "/v1/players", "{\"username\":\"Carol\"}");
        assertEquals(201, generated.statusCode(), generated.body());
        assertFalse(json(generated).path("id").asText().isEmpty());
        assertProblem(node.get("/v1/players/nobody"), 404, "KEY_NOT_FOUND");
        assertProblem(node.call("POST", "/v1/players", "{\"username\":\"Dan\",\"email\":\"x\"}"), 422, "INVALID_SHAPE", "email");
        assertProblem(node.get("/v1/players"), 400, "INVALID_ARGUMENT", "username");
    }

    @Test
    void writesRecordNoActorWhenAuthIsOff() {
        assertSaved(node.put("/v1/worlds/actors/players/x/state", "{}"));
        assertEquals(null, node.store.read(new Key.PlayerState("actors", "x")).orElseThrow().actor());
    }

    @Test
    void healthMetricsAndOpenApi() {
        assertEquals("UP", assertOk(node.get("/health/live")).path("status").asText());
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> node.store.projectorState() == ProjectorState.LIVE);
        assertEquals("READY", assertOk(node.get("/health/ready")).path("status").asText());
        assertSaved(node.put("/v1/worlds/m/players/x/state", "{}"));
        HttpResponse<String> metrics = node.get("/metrics");
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        assertTrue(metrics.body().contains("http_server_requests_seconds_count{method=\"PUT\",status=\"200\","
                + "uri=\"/v1/worlds/{worldId}/players/{playerId}/state\"}"), metrics.body());
        assertTrue(metrics.body().contains("worldstore_saves"), "store metrics share the registry");
        JsonNode doc = assertOk(node.get("/openapi.json"));
        assertTrue(doc.path("openapi").asText().startsWith("3."));
    }

    @Test
    void httpBenchRunsShortly() throws Exception {
        HttpBench.Result r = HttpBench.run(new HttpBench.Options(node.server.uri(), null, "bench-it", HttpBench.Mode.MIXED, 4,
                Duration.ZERO, Duration.ofSeconds(1), 50, 1024, 0));
        assertTrue(r.requests() > 0, r.summary());
        assertEquals(0, r.errors(), r.summary());
        HttpBench.Result paced = HttpBench.run(new HttpBench.Options(node.server.uri(), null, "bench-it", HttpBench.Mode.GET, 2,
                Duration.ZERO, Duration.ofSeconds(1), 50, 1024, 100));
        assertEquals(0, paced.errors(), paced.summary());
        assertTrue(paced.requests() > 0, paced.summary());
        assertEquals(1024, HttpBench.playerState(7, 1024).length, 2);
        assertEquals(1024, assertOk(node.get("/v1/worlds/bench-it/players/bench-7/state")).toString().length(), 30);
    }

    @Test
    void headAnswersLikeGetWithoutBody() {
        HttpResponse<String> saved = node.put("/v1/worlds/head/entities/e1", "{\"position\":[1,2,3]}");
        assertSaved(saved);
        HttpResponse<String> head = node.call("HEAD", "/v1/worlds/head/entities/e1", null);
        assertEquals(200, head.statusCode());
        assertEquals(saved.headers().firstValue("ETag"), head.headers().firstValue("ETag"));
        assertEquals("", head.body());
        assertEquals(404, node.call("HEAD", "/v1/worlds/head/entities/missing", null).statusCode());
    }
}
