package dev.worldstore.http;

import static dev.worldstore.http.HttpAsserts.assertOk;
import static dev.worldstore.http.HttpAsserts.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.testing.TestKafka;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Idempotency keys over HTTP (the IETF httpapi Idempotency-Key draft): a retry of an applied write
 * answers the first one's outcome and changes nothing; a key reused for another write is 422.
 */
class HttpIdempotencyIT {
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

    private static String world() {
        return "/v1/worlds/" + TestKafka.uniqueName("idem");
    }

    private static String key() {
        return "\"" + UUID.randomUUID() + "\"";
    }

    @Test
    void aRetryWithTheSameKeyAnswersTheFirstOutcomeAndAddsNoHistory() {
        // given
        String e = world() + "/entities/door";
        String k = key();
        HttpResponse<String> first = node.put(e, "{\"open\":true}", "Idempotency-Key", k);
        JsonNode saved = assertOk(first);
        assertFalse(first.headers().firstValue("Idempotent-Replayed").isPresent());
        // when: the same request again
        HttpResponse<String> retry = node.put(e, "{\"open\":true}", "Idempotency-Key", k);
        // then: the first version and position, marked replayed; one history entry
        JsonNode replayed = assertOk(retry);
        assertEquals(saved.get("version"), replayed.get("version"));
        assertEquals(saved.get("position"), replayed.get("position"));
        assertTrue(replayed.path("replayed").asBoolean(), replayed.toString());
        assertEquals("true", retry.headers().firstValue("Idempotent-Replayed").orElse(null));
        assertEquals(first.headers().firstValue("ETag"), retry.headers().firstValue("ETag"));
        assertEquals(1, assertOk(node.get(e + "/history")).path("items").size());
    }

    @Test
    void aRetriedPatchIsAppliedOnce() {
        String s = world() + "/players/p1/state";
        assertOk(node.put(s, "{\"gold\":10}"));
        String k = key();
        long v = assertOk(node.call("PATCH", s, "{\"gold\":15}", "Idempotency-Key", k)).get("version").asLong();
        assertOk(node.call("PATCH", s, "{\"gold\":20}"));
        JsonNode again = assertOk(node.call("PATCH", s, "{\"gold\":15}", "Idempotency-Key", k));
        assertEquals(v, again.get("version").asLong());
        assertEquals(20, assertOk(node.get(s)).get("gold").asInt(), "the retry did not set the value back");
    }

    @Test
    void aKeyReusedForAnotherWriteIs422AndChangesNothing() {
        String w = world();
        String k = key();
        assertOk(node.put(w + "/entities/a", "{\"n\":1}", "Idempotency-Key", k));
        assertProblem(node.put(w + "/entities/a", "{\"n\":2}", "Idempotency-Key", k), 422, "IDEMPOTENCY_KEY_REUSED", "idempotencyKey");
        assertProblem(node.put(w + "/entities/b", "{\"n\":1}", "Idempotency-Key", k), 422, "IDEMPOTENCY_KEY_REUSED", "idempotencyKey");
        assertEquals(1, assertOk(node.get(w + "/entities/a")).get("n").asInt());
        assertProblem(node.get(w + "/entities/b"), 404, "KEY_NOT_FOUND");
    }

    @Test
    void keysArePerWorld() {
        String k = key();
        long a = assertOk(node.put(world() + "/state", "{}", "Idempotency-Key", k)).get("version").asLong();
        HttpResponse<String> other = node.put(world() + "/state", "{}", "Idempotency-Key", k);
        assertFalse(assertOk(other).path("replayed").asBoolean());
        assertTrue(a >= 0);
    }

    @Test
    void aBatchRetryWithTheBodysKeyAnswersEveryVersionOfTheFirst() {
        // given
        String w = world();
        String body = "{\"idempotencyKey\":\"trade-1\",\"changes\":[{\"op\":\"put\",\"table\":\"player_states\",\"playerId\":\"a\","
                + "\"value\":{\"items\":[]}},{\"op\":\"put\",\"table\":\"player_states\",\"playerId\":\"b\",\"value\":{\"items\":[\"sword\"]}}]}";
        JsonNode first = assertOk(node.call("POST", w + "/batch", body));
        // when: sent again, once with the key also in the header
        HttpResponse<String> retry = node.call("POST", w + "/batch", body, "Idempotency-Key", "trade-1");
        // then
        JsonNode again = assertOk(retry);
        assertEquals(first.get("position"), again.get("position"));
        assertEquals(first.get("items"), again.get("items"));
        assertTrue(again.path("replayed").asBoolean());
        assertEquals("true", retry.headers().firstValue("Idempotent-Replayed").orElse(null));
        assertEquals(1, assertOk(node.get(w + "/players/b/state/history")).path("items").size());
        assertProblem(node.call("POST", w + "/batch", body, "Idempotency-Key", "trade-2"), 400, "INVALID_ARGUMENT", "idempotencyKey");
    }

    @Test
    void aMalformedKeyIs400NamingTheHeader() {
        String e = world() + "/entities/x";
        assertProblem(node.put(e, "{}", "Idempotency-Key", "\"unterminated"), 400, "INVALID_ARGUMENT", "Idempotency-Key");
        assertProblem(node.put(e, "{}", "Idempotency-Key", "k".repeat(256)), 400, "INVALID_ARGUMENT", "Idempotency-Key");
        assertProblem(node.get(e), 404, "KEY_NOT_FOUND");
    }
}
