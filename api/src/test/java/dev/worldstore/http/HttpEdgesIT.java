package dev.worldstore.http;

import static dev.worldstore.http.HttpAsserts.assertOk;
import static dev.worldstore.http.HttpAsserts.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.testing.TestKafka;
import java.net.http.HttpResponse;
import java.nio.file.Path;
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
}
