package dev.worldstore.http;

import static dev.worldstore.http.HttpTestNode.key;
import static dev.worldstore.http.HttpAsserts.assertOk;
import static dev.worldstore.http.HttpAsserts.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.Json;
import dev.worldstore.LogPosition;
import dev.worldstore.testing.TestKafka;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * World transactions over HTTP: batches applied whole or not at all, conflicts listing every failing
 * change, errors naming the change, scopes per change, the feed delivering a batch as one event,
 * consistent reads of many keys, a player's data in one request, and forks.
 */
class HttpBatchIT {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final String ADMIN = ApiKeys.newKey();
    static final String APP_X = ApiKeys.newKey();

    @TempDir
    static Path dir;
    static HttpTestNode node;

    @BeforeAll
    static void start() throws IOException {
        node = HttpTestNode.startWithKeys(dir, Map.of(),
                key("admin", ADMIN, "\"admin\": true"),
                key("app-x", APP_X, "\"worlds\": [\"*\"], \"apps\": [\"x\"]"));
        node.apiKey = ADMIN;
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static HttpResponse<String> post(String path, String json) {
        return node.call("POST", path, json);
    }

    private static String world() {
        return TestKafka.uniqueName("bw");
    }

    @Test
    void aBatchAppliesEveryChangeAtOnePositionAndAnswersEachVersion() {
        // given
        String w = "/v1/worlds/" + world();
        assertOk(node.put(w + "/entities/old", "{\"hp\":1}"));
        // when: a quest completion: player state, app data per player and world-wide, world state, a merge and a delete
        JsonNode saved = assertOk(post(w + "/batch", """
                {"changes": [
                  {"op": "put", "table": "player_states", "playerId": "alice", "value": {"xp": 10, "position": [1, 2, 3]}},
                  {"op": "put", "table": "app_data", "appId": "quests", "playerId": "alice", "key": "main", "value": {"stage": 3}},
                  {"op": "put", "table": "app_storage", "appId": "quests", "key": "boss", "value": "defeated"},
                  {"op": "merge-patch", "table": "world_state", "patch": {"bossDefeated": true}},
                  {"op": "delete", "table": "entity_states", "entityId": "old"},
                  {"op": "put", "table": "entity_states", "entityId": "e2", "value": {"n": 1}}
                ]}"""));
        // then: one position, every key at its offset, values loadable exactly as sent
        long version = saved.get("version").asLong();
        assertEquals(LogPosition.parse(saved.get("position").asText()).offset(), version);
        assertEquals(6, saved.get("items").size());
        saved.get("items").forEach(i -> assertEquals(version, i.get("version").asLong()));
        assertEquals("app_storage", saved.get("items").get(1).get("table").asText());
        assertEquals(Json.parse("{\"xp\": 10, \"position\": [1, 2, 3]}"), assertOk(node.get(w + "/players/alice/state")));
        assertEquals(Json.parse("\"defeated\""), assertOk(node.get(w + "/apps/quests/data/boss")));
        assertEquals(Json.parse("{\"n\":1,\"id\":\"e2\"}"), assertOk(node.get(w + "/entities/e2")), "an entity names itself");
        assertEquals(Json.parse("{\"bossDefeated\":true}"), assertOk(node.get(w + "/state")));
        assertProblem(node.get(w + "/entities/old"), 404, "KEY_NOT_FOUND");
        JsonNode history = assertOk(node.get(w + "/apps/quests/players/alice/history/main"));
        assertEquals(version, history.get("items").get(0).get("version").asLong());
        assertEquals("admin", history.get("items").get(0).get("actor").asText());
    }

    @Test
    void aBatchWhoseConditionsFailIsNotAppliedAndTheAnswerListsEveryFailingChange() {
        // given: alice has a sword at some version, bob nothing
        String w = "/v1/worlds/" + world();
        long alice = assertOk(node.put(w + "/players/alice/state", "{\"items\":[\"sword\"]}")).get("version").asLong();
        // when: a trade expects alice at a stale version and bob absent when he exists... and bob is absent, so only alice fails
        HttpResponse<String> r = post(w + "/batch", """
                {"changes": [
                  {"op": "put", "table": "player_states", "playerId": "alice", "value": {"items": []}, "ifVersion": %d},
                  {"op": "put", "table": "player_states", "playerId": "bob", "value": {"items": ["sword"]}, "ifAbsent": true},
                  {"op": "put", "table": "entity_states", "entityId": "chest", "value": {}, "ifVersion": 3}
                ]}""".formatted(alice + 100));
        // then: 409 BATCH_CONFLICT naming changes[0] and changes[2], with their current versions; nothing applied
        JsonNode p = assertProblem(r, 409, "BATCH_CONFLICT", "changes[0]");
        assertEquals(2, p.get("failures").size());
        assertEquals(0, p.get("failures").get(0).get("index").asInt());
        assertEquals(alice, p.get("failures").get(0).get("currentVersion").asLong());
        assertEquals("version=" + (alice + 100), p.get("failures").get(0).get("expected").asText());
        assertEquals(2, p.get("failures").get(1).get("index").asInt());
        assertTrue(p.get("failures").get(1).get("currentVersion").isNull());
        assertEquals("chest", p.get("failures").get(1).get("entityId").asText());
        assertEquals(Json.parse("{\"items\":[\"sword\"]}"), assertOk(node.get(w + "/players/alice/state")));
        assertProblem(node.get(w + "/players/bob/state"), 404, "KEY_NOT_FOUND");
    }

    @Test
    void badChangesAreRefusedBeforeAnythingIsWrittenNamingTheChangeAndField() {
        String w = "/v1/worlds/" + world();
        assertProblem(post(w + "/batch", "{\"changes\": []}"), 400, "INVALID_ARGUMENT", "changes");
        assertProblem(post(w + "/batch", "{\"changes\": [{\"op\": \"put\", \"table\": \"player_states\", \"playerId\": \"p\", "
                + "\"value\": {\"position\": [1, 2]}}]}"), 422, "INVALID_SHAPE", "changes[0].position");
        JsonNode dup = assertProblem(post(w + "/batch", """
                {"changes": [
                  {"op": "put", "table": "entity_states", "entityId": "e", "value": {}},
                  {"op": "delete", "table": "entity_states", "entityId": "e"}
                ]}"""), 422, "INVALID_SHAPE", "changes[1]");
        assertTrue(dup.get("detail").asText().contains("changes[0]"), dup.toString());
        assertProblem(post(w + "/batch", "{\"changes\": [{\"op\": \"put\", \"table\": \"players\", \"playerId\": \"p\", \"value\": {}}]}"),
                422, "INVALID_SHAPE", "changes[0].table");
        assertProblem(post(w + "/batch", "{\"changes\": [{\"op\": \"put\", \"table\": \"entity_states\", \"entityId\": \"e\"}]}"),
                422, "INVALID_SHAPE", "changes[0].value");
        assertProblem(post(w + "/batch", "{\"changes\": [{\"op\": \"put\", \"table\": \"entity_states\", \"entityId\": \"a b\", "
                + "\"value\": {}}]}"), 400, "INVALID_ID", "changes[0].entityId");
        assertProblem(post(w + "/batch", "{\"changes\": [{\"op\": \"put\", \"table\": \"entity_states\", \"entityId\": \"e\", "
                + "\"value\": {}, \"colour\": 1}]}"), 422, "INVALID_SHAPE", "changes[0].colour");
        assertProblem(post(w + "/batch", "{\"changes\": [{\"op\": \"put\""), 400, "INVALID_JSON");
        // duplicate member names: in a change's value (found by the value's own check), in a change, in the body
        JsonNode inValue = assertProblem(post(w + "/batch", "{\"changes\": [{\"op\": \"put\", \"table\": \"entity_states\", "
                + "\"entityId\": \"e\", \"value\": {\"state\": {\"open\": true, \"open\": false}}}]}"), 400, "INVALID_JSON",
                "changes[0].value");
        assertTrue(inValue.get("detail").asText().contains("Duplicate field 'open'"), inValue.toString());
        JsonNode inChange = assertProblem(post(w + "/batch", "{\"changes\": [{\"op\": \"put\", \"table\": \"entity_states\", "
                + "\"entityId\": \"e\", \"entityId\": \"f\", \"value\": {}}]}"), 400, "INVALID_JSON");
        assertTrue(inChange.get("detail").asText().contains("Duplicate field 'entityId'"), inChange.toString());
        JsonNode inBody = assertProblem(post(w + "/batch", "{\"changes\": [{\"op\": \"delete\", \"table\": \"entity_states\", "
                + "\"entityId\": \"e\"}], \"changes\": [{\"op\": \"delete\", \"table\": \"entity_states\", \"entityId\": \"f\"}]}"),
                400, "INVALID_JSON");
        assertTrue(inBody.get("detail").asText().contains("Duplicate field 'changes'"), inBody.toString());
        // and none of it reached the log
        assertEquals(0, assertOk(node.get(w + "/history")).get("items").size());
    }

    @Test
    void aKeyLimitedToSomeAppsMayNotBatchAnotherAppsStorage() {
        String w = "/v1/worlds/" + world();
        node.apiKey = APP_X;
        try {
            JsonNode p = assertProblem(post(w + "/batch", """
                    {"changes": [
                      {"op": "put", "table": "app_data", "appId": "x", "key": "k", "value": 1},
                      {"op": "put", "table": "app_data", "appId": "y", "key": "k", "value": 2}
                    ]}"""), 403, "FORBIDDEN", "changes[1]");
            assertTrue(p.get("detail").asText().contains("'y'"), p.toString());
            assertOk(post(w + "/batch", "{\"changes\": [{\"op\": \"put\", \"table\": \"app_data\", \"appId\": \"x\", \"key\": \"k\", "
                    + "\"value\": 1}]}"));
        } finally {
            node.apiKey = ADMIN;
        }
        assertProblem(node.get(w + "/apps/y/data/k"), 404, "KEY_NOT_FOUND");
    }

    @Test
    void theFeedDeliversABatchAsOneEventAndResumesAroundIt() {
        // given: a feed open on the world
        String id = world();
        String w = "/v1/worlds/" + id;
        try (SseTestClient feed = SseTestClient.open(node.client, node.request(w + "/changes")
                .header("Accept", "text/event-stream").timeout(Duration.ofMinutes(1)).GET().build())) {
            assertEquals("ready", feed.next(WAIT).event());
            // when: a single save, a batch, a single save
            assertOk(node.put(w + "/entities/a", "{}"));
            JsonNode saved = assertOk(post(w + "/batch", """
                    {"changes": [
                      {"op": "put", "table": "entity_states", "entityId": "b", "value": {"n": 1}},
                      {"op": "put", "table": "entity_states", "entityId": "c", "value": {"n": 2}}
                    ]}"""));
            assertOk(node.put(w + "/entities/d", "{}"));
            // then: three events, the middle one the batch, whole
            SseTestClient.Event first = feed.next(WAIT);
            SseTestClient.Event batch = feed.next(WAIT);
            SseTestClient.Event last = feed.next(WAIT);
            assertEquals("put", first.event());
            assertEquals("batch", batch.event());
            assertEquals(saved.get("position").asText(), batch.id());
            JsonNode data = Json.parse(batch.data());
            assertEquals("batch", data.get("op").asText());
            assertEquals(2, data.get("changes").size());
            assertEquals(Json.parse("{\"n\":2,\"id\":\"c\"}"), data.get("changes").get(1).get("value"));
            assertEquals("put", last.event());
            // and a client resuming after the first event gets the batch whole; one resuming after the batch, none of it
            try (SseTestClient resumed = SseTestClient.open(node.client, node.request(w + "/changes").header("Accept",
                    "text/event-stream").header("Last-Event-ID", first.id()).timeout(Duration.ofMinutes(1)).GET().build())) {
                assertEquals("ready", resumed.next(WAIT).event());
                SseTestClient.Event again = resumed.next(WAIT);
                assertEquals("batch", again.event());
                assertEquals(batch.data(), again.data());
            }
            try (SseTestClient resumed = SseTestClient.open(node.client, node.request(w + "/changes").header("Accept",
                    "text/event-stream").header("Last-Event-ID", batch.id()).timeout(Duration.ofMinutes(1)).GET().build())) {
                assertEquals("ready", resumed.next(WAIT).event());
                assertEquals(last.id(), resumed.next(WAIT).id());
            }
        }
        // the audit log shows the batch as one entry with its changes
        JsonNode audit = assertOk(node.get(w + "/history?table=entity_states"));
        assertEquals(3, audit.get("items").size());
        assertEquals("batch", audit.get("items").get(1).get("op").asText());
        assertEquals(2, audit.get("items").get(1).get("changes").size());
    }

    @Test
    void aConsistentReadOfManyKeysAnswersInRequestOrderAndMarksMissingKeys() {
        String w = "/v1/worlds/" + world();
        long v = assertOk(post(w + "/batch", """
                {"changes": [
                  {"op": "put", "table": "entity_states", "entityId": "e1", "value": {"n": 1}},
                  {"op": "put", "table": "app_data", "appId": "x", "playerId": "p", "key": "k", "value": [1]}
                ]}""")).get("version").asLong();
        JsonNode read = assertOk(post(w + "/read", """
                {"keys": [
                  {"table": "app_data", "appId": "x", "playerId": "p", "key": "k"},
                  {"table": "entity_states", "entityId": "nope"},
                  {"table": "entity_states", "entityId": "e1"}
                ]}"""));
        assertEquals(3, read.get("items").size());
        assertEquals(Json.parse("[1]"), read.get("items").get(0).get("value"));
        assertEquals(v, read.get("items").get(0).get("version").asLong());
        assertTrue(read.get("items").get(1).get("missing").asBoolean());
        assertEquals("nope", read.get("items").get(1).get("entityId").asText());
        assertEquals(Json.parse("{\"n\":1,\"id\":\"e1\"}"), read.get("items").get(2).get("value"));
        assertProblem(post(w + "/read", "{\"keys\": [{\"table\": \"entity_states\"}]}"), 400, "INVALID_ID", "keys[0].entityId");
        node.apiKey = APP_X;
        try {
            assertProblem(post(w + "/read", "{\"keys\": [{\"table\": \"app_data\", \"appId\": \"y\", \"key\": \"k\"}]}"), 403,
                    "FORBIDDEN", "keys[0]");
        } finally {
            node.apiKey = ADMIN;
        }
    }

    @Test
    void everythingOfAPlayerIsOneRequestAsTheKeysScopesAllow() {
        String w = "/v1/worlds/" + world();
        assertOk(post(w + "/batch", """
                {"changes": [
                  {"op": "put", "table": "player_states", "playerId": "p1", "value": {"hp": 3}},
                  {"op": "put", "table": "app_data", "appId": "x", "playerId": "p1", "key": "a", "value": 1},
                  {"op": "put", "table": "app_data", "appId": "y", "playerId": "p1", "key": "b", "value": 2},
                  {"op": "put", "table": "app_data", "appId": "y", "playerId": "p2", "key": "b", "value": 3},
                  {"op": "put", "table": "app_data", "appId": "y", "key": "b", "value": 4}
                ]}"""));
        JsonNode all = assertOk(node.get(w + "/players/p1"));
        assertEquals(Json.parse("{\"hp\":3}"), all.get("state"));
        assertEquals(2, all.get("apps").size());
        assertEquals("x", all.get("apps").get(0).get("appId").asText());
        assertEquals(Json.parse("2"), all.get("apps").get(1).get("value"));
        node.apiKey = APP_X;
        try {
            JsonNode scoped = assertOk(node.get(w + "/players/p1"));
            assertEquals(1, scoped.get("apps").size());
            assertEquals("x", scoped.get("apps").get(0).get("appId").asText());
        } finally {
            node.apiKey = ADMIN;
        }
        JsonNode nobody = assertOk(node.get(w + "/players/nobody"));
        assertTrue(nobody.get("state").isNull());
        assertEquals(0, nobody.get("apps").size());
    }

    @Test
    void aForkIsTheSourceAsOfThatPointAndTheTargetMustBeNew() {
        // given: a world, a point, and a change after it
        String source = world();
        String w = "/v1/worlds/" + source;
        assertOk(node.put(w + "/state", "{\"day\":1}"));
        assertOk(node.put(w + "/entities/door", "{\"open\":false}"));
        String point = assertOk(node.put(w + "/apps/x/players/p/data/k", "\"v\"")).get("position").asText();
        assertOk(node.put(w + "/entities/door", "{\"open\":true}"));
        // when
        String target = world();
        HttpResponse<String> r = post(w + "/fork", "{\"to\": \"" + target + "\", \"asOf\": \"" + point + "\"}");
        // then: 201, and the new world's snapshot equals the source's at the point, key for key
        assertEquals(201, r.statusCode(), r.body());
        JsonNode forked = HttpTestNode.json(r);
        assertEquals(3, forked.get("keys").asInt());
        JsonNode then = assertOk(node.get(w + "/snapshot?asOf=" + point));
        JsonNode copy = assertOk(node.get("/v1/worlds/" + target + "/snapshot?asOf=" + forked.get("position").asText()));
        for (String section : new String[] {"worldState", "entities", "players", "apps"}) {
            assertEquals(then.get(section), copy.get(section), section);
        }
        assertEquals(Json.parse("{\"open\":true,\"id\":\"door\"}"), assertOk(node.get(w + "/entities/door")), "the source is untouched");
        JsonNode audit = assertOk(node.get("/v1/worlds/" + target + "/history"));
        assertEquals("admin", audit.get("items").get(0).get("actor").asText());
        // and a second fork into it is refused
        assertProblem(post(w + "/fork", "{\"to\": \"" + target + "\", \"asOf\": \"" + point + "\"}"), 409, "ALREADY_EXISTS");
        assertNotNull(forked.get("sourcePosition"));
        assertFalse(forked.get("batches").asInt() < 1);
    }
}
