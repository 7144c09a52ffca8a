package dev.worldstore.http;

import static dev.worldstore.http.HttpAsserts.assertOk;
import static dev.worldstore.http.HttpAsserts.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.Json;
import dev.worldstore.testing.TestKafka;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edges of HTTP that peers' public bug reports found: conditional requests as RFC 9110 §13
 * defines them, ids that a URL cannot carry, usernames per RFC 8265.
 */
class HttpEdgesIT {
    @TempDir
    static Path dir;
    static HttpTestNode node;

    @BeforeAll
    static void start() {
        node = HttpTestNode.start(HttpTestNode.newTopic(), dir, Map.of());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static String state() {
        return "/v1/worlds/" + TestKafka.uniqueName("edge") + "/state";
    }

    private static long version(HttpResponse<String> r) {
        return assertOk(r).get("version").asLong();
    }

    // ---- RFC 9110 §13.1.1 If-Match --------------------------------------------------------------

    @Test
    void ifMatchWithAListAppliesWhenAnyStrongTagMatches() {
        String s = state();
        long v = version(node.put(s, "{\"a\":1}"));
        long next = version(node.put(s, "{\"a\":2}", "If-Match", "\"" + (v + 1000) + "\", \"" + v + "\""));
        assertTrue(next > v);
        assertProblem(node.put(s, "{\"a\":3}", "If-Match", "\"" + v + "\", \"" + (v + 1000) + "\""), 412, "VERSION_CONFLICT", "If-Match");
    }

    @Test
    void ifMatchStarAppliesToAnExistingKeyAndFailsOnAnAbsentOne() {
        String s = state();
        JsonNode absent = assertProblem(node.put(s, "{\"a\":1}", "If-Match", "*"), 412, "VERSION_CONFLICT", "If-Match");
        assertTrue(absent.get("currentVersion").isNull(), absent.toString());
        version(node.put(s, "{\"a\":1}"));
        version(node.put(s, "{\"a\":2}", "If-Match", "*"));
        assertEquals(2, assertOk(node.get(s)).get("a").asInt());
    }

    @Test
    void weakTagsNeverMatchIfMatchAnd412NamesTheCurrentVersion() {
        String s = state();
        long v = version(node.put(s, "{\"a\":1}"));
        JsonNode p = assertProblem(node.put(s, "{\"a\":2}", "If-Match", "W/\"" + v + "\""), 412, "VERSION_CONFLICT", "If-Match");
        assertEquals(v, p.get("currentVersion").asLong());
        assertProblem(node.put(s, "{\"a\":2}", "If-Match", "\"abc\""), 412, "VERSION_CONFLICT", "If-Match");
        assertEquals(1, assertOk(node.get(s)).get("a").asInt(), "nothing was written");
    }

    // ---- every id a client can send addresses exactly one key ----------------------------------

    /** 400, as a problem document: our id rule (INVALID_ID) or Jetty's refusal of an ambiguous path (INVALID_ARGUMENT). */
    private static void refused(HttpResponse<String> r) {
        assertEquals(400, r.statusCode(), r.uri() + ": " + r.body());
        String code = HttpTestNode.json(r).path("code").asText();
        assertTrue(code.equals("INVALID_ID") || code.equals("INVALID_ARGUMENT"), r.body());
    }

    @Test
    void dotSegmentIdsAreRefusedHowEverTheyAreSpelt() {
        refused(node.put("/v1/worlds/w1/entities/%2E%2E", "{}"));
        refused(node.put("/v1/worlds/w1/entities/%2E", "{}"));
        refused(node.put("/v1/worlds/%2E%2E/state", "{}"));
        refused(node.put("/v1/worlds/w1/apps/a/data/x/%2E%2E/y", "{}"));
        refused(node.put("/v1/worlds/w1/apps/a/data/x//y", "{}"));
        refused(node.put("/v1/worlds/w1/apps/a/data/x%2Fy", "{}"));
    }

    @Test
    void anAppKeyWithATrailingSlashIsNotAnotherSpellingOfTheKey() {
        String w = "/v1/worlds/" + TestKafka.uniqueName("edge");
        assertOk(node.put(w + "/apps/a/data/inv/slot", "1"));
        HttpResponse<String> trailing = node.put(w + "/apps/a/data/inv/slot/", "2");
        assertNotEquals(200, trailing.statusCode(), trailing.body());
        assertEquals(1, assertOk(node.get(w + "/apps/a/data/inv/slot")).asInt());
    }

    @Test
    void hyperfysSceneIdIsOneKeyWhetherTheDollarIsSentAsItselfOrPercentEncoded() {
        // given: an entity and an app key named the way Hyperfy names its scene blueprint
        String w = "/v1/worlds/" + TestKafka.uniqueName("edge");
        assertOk(node.put(w + "/entities/$scene", "{\"id\":\"$scene\",\"v\":1}"));
        assertOk(node.put(w + "/apps/hyperfy/data/blueprints/$scene", "{\"id\":\"$scene\"}"));
        // when: it is read back under both spellings a client may send (fetch keeps $, encodeURIComponent gives %24)
        // then: both address the one key, and listings name it as Hyperfy wrote it
        assertEquals(1, assertOk(node.get(w + "/entities/%24scene")).get("v").asInt());
        assertOk(node.put(w + "/entities/%24scene", "{\"id\":\"$scene\",\"v\":2}"));
        assertEquals(2, assertOk(node.get(w + "/entities/$scene")).get("v").asInt());
        assertEquals("$scene", assertOk(node.get(w + "/entities")).get("items").get(0).get("id").asText());
        assertEquals("blueprints/$scene", assertOk(node.get(w + "/apps/hyperfy/data?prefix=blueprints/")).get("items").get(0)
                .get("key").asText());
        assertEquals("$scene", assertOk(node.get(w + "/apps/hyperfy/data/blueprints/%24scene")).get("id").asText());
    }

    // ---- RFC 8265 usernames -------------------------------------------------------------------------

    @Test
    void aFullwidthSpellingOfATakenUsernameIsTaken() {
        String name = "bob" + TestKafka.uniqueName("x").replace("-", "").substring(0, 6).replaceAll("[0-9]", "q");
        StringBuilder wide = new StringBuilder();
        for (char c : name.toCharArray()) {
            wide.append((char) (c - 'a' + 0xFF41));
        }
        assertEquals(201, node.call("POST", "/v1/players", "{\"username\":\"" + name + "\"}").statusCode());
        assertProblem(node.call("POST", "/v1/players", "{\"username\":\"" + wide + "\"}"), 409, "USERNAME_TAKEN");
    }

    // ---- a change that changes nothing is not an event ----------------------------------------

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static List<String> ops(JsonNode history) {
        List<String> ops = new ArrayList<>();
        history.path("items").forEach(i -> ops.add(i.path("op").asText()));
        return ops;
    }

    @Test
    void aDeleteOfAnAbsentKeyAndAPatchThatChangesNothingAreNoEvents() {
        // given: a feed on a fresh world
        String world = TestKafka.uniqueName("noop");
        String w = "/v1/worlds/" + world;
        try (SseTestClient feed = SseTestClient.open(node.client, node.request(w + "/changes").header("Accept", "text/event-stream")
                .timeout(Duration.ofMinutes(2)).GET().build())) {
            assertEquals("ready", feed.next(WAIT).event());
            // when: a delete of a key that never existed; put, empty patch, same-value patch, delete, delete
            assertProblem(node.call("DELETE", w + "/entities/never", null), 404, "KEY_NOT_FOUND");
            long v = version(node.put(w + "/entities/door", "{\"open\":false,\"hp\":3}"));
            HttpResponse<String> empty = node.call("PATCH", w + "/entities/door", "{}");
            assertEquals(v, version(empty), "an empty patch keeps the version");
            assertEquals("\"" + v + "\"", empty.headers().firstValue("ETag").orElseThrow());
            assertEquals(v, version(node.call("PATCH", w + "/entities/door", "{\"open\":false,\"gone\":null}")));
            assertOk(node.call("DELETE", w + "/entities/door", null));
            assertProblem(node.call("DELETE", w + "/entities/door", null), 404, "KEY_NOT_FOUND");
            assertOk(node.put(w + "/state", "{\"tick\":1}"));
            // then: the feed carries the put, the delete and the last put only
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                SseTestClient.Event e = feed.next(WAIT);
                seen.add(e.event() + " " + Json.parse(e.data()).path("table").asText());
            }
            assertEquals(List.of("put entity_states", "delete entity_states", "put world_state"), seen);
        }
        assertEquals(List.of("delete", "put"), ops(assertOk(node.get(w + "/entities/door/history"))));
        assertEquals(List.of(), ops(assertOk(node.get(w + "/entities/never/history"))));
    }

    @Test
    void aMergePatchWhoseResultExceedsTheValueLimitIsRefused() {
        // given: a value of 2.5 MiB under the default 4 MiB value.max.bytes
        String e = "/v1/worlds/" + TestKafka.uniqueName("big") + "/entities/blob";
        long v = version(node.put(e, "{\"a\":\"" + "x".repeat(5 << 19) + "\"}"));
        // when: a 2 MiB patch that fits on its own
        HttpResponse<String> r = node.call("PATCH", e, "{\"b\":\"" + "y".repeat(2 << 20) + "\"}");
        // then: 413 naming the limit; the value keeps its version and size
        JsonNode p = assertProblem(r, 413, "VALUE_TOO_LARGE");
        assertTrue(p.path("detail").asText().contains("value.max.bytes"), p.toString());
        assertEquals(v, Long.parseLong(node.get(e).headers().firstValue("ETag").orElseThrow().replace("\"", "")));
        assertEquals(List.of("put"), ops(assertOk(node.get(e + "/history"))));
    }
}
