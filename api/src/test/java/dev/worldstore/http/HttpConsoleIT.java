package dev.worldstore.http;

import static dev.worldstore.http.HttpTestNode.key;
import static dev.worldstore.http.HttpAsserts.assertOk;
import static dev.worldstore.http.HttpAsserts.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.Change;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the console reads over HTTP, with any client: its files and their headers, the world list, timelines, dead letters, dry runs. */
class HttpConsoleIT {
    @TempDir
    static Path dir;
    static HttpTestNode node;

    static final String ADMIN = ApiKeys.newKey();
    static final String SCOPED = ApiKeys.newKey();

    @BeforeAll
    static void start() throws IOException {
        node = HttpTestNode.startWithKeys(dir, Map.of(),
                key("admin", ADMIN, "\"admin\": true"),
                key("scoped", SCOPED, "\"worlds\": [\"hc-b\", \"hc-empty\"], \"apps\": [\"x\"]"));
        // hc-a: 3 entities, 2 players, world state, 1 app key; hc-b: 1 entity; hc-c: 1 entity
        node.store.writeBatch("hc-a", List.of(
                Change.putJson(new Key.Entity("hc-a", "e1"), "{\"id\":\"e1\",\"position\":[1,2,3]}"),
                Change.putJson(new Key.Entity("hc-a", "e2"), "{\"id\":\"e2\",\"position\":[1,2,3]}"),
                Change.putJson(new Key.Entity("hc-a", "e3"), "{\"id\":\"e3\",\"position\":[1,2,3]}"),
                Change.putJson(new Key.PlayerState("hc-a", "p1"), "{\"position\":{\"x\":1,\"y\":2,\"z\":3}}"),
                Change.putJson(new Key.PlayerState("hc-a", "p2"), "{\"health\":3}"),
                Change.putJson(new Key.WorldState("hc-a"), "{\"time\":\"day\"}"),
                Change.putJson(new Key.AppData("hc-a", "x", null, "k"), "1")), "seed");
        node.store.write(Change.putJson(new Key.Entity("hc-b", "b1"), "{\"id\":\"b1\"}"));
        node.store.write(Change.putJson(new Key.Entity("hc-c", "c1"), "{\"id\":\"c1\"}"));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    // ---- the console's files ----------------------------------------------------------------------

    @Test
    void theConsoleIsServedFromTheJarWithAStrictPolicyAndNoKey() {
        // when the page and its script are fetched without a key
        HttpResponse<String> page = node.get("/console");
        HttpResponse<String> script = node.get("/console/app.js");

        // then both are served with the security headers, typed, with strong ETags
        for (HttpResponse<String> r : List.of(page, script)) {
            assertEquals(200, r.statusCode());
            String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
            assertTrue(csp.contains("default-src 'none'") && csp.contains("script-src 'self'") && csp.contains("connect-src 'self'")
                    && !csp.contains("unsafe-inline") && !csp.contains("http"), csp);
            assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElseThrow());
            assertEquals("no-referrer", r.headers().firstValue("Referrer-Policy").orElseThrow());
            assertTrue(r.headers().firstValue("ETag").orElseThrow().matches("\"[0-9a-f]{32}\""));
        }
        assertTrue(page.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"));
        assertTrue(script.headers().firstValue("Content-Type").orElseThrow().startsWith("text/javascript"));
        assertTrue(page.body().contains("<script type=\"module\" src=\"/console/app.js\"></script>"));
        // and nothing in the page or its files points at another origin
        for (String file : List.of("app.js", "api.js", "map.js", "timeline.js", "inspector.js", "audit.js", "ops.js", "act.js", "dom.js",
                "world.js", "diff.js", "console.css")) {
            HttpResponse<String> r = node.get("/console/" + file);
            assertEquals(200, r.statusCode(), file);
            assertFalse(r.body().matches("(?s).*(https?:)?//[a-z0-9.-]+\\.[a-z]{2,}/.*"), file + " names another origin");
            assertFalse(r.body().contains("innerHTML") || r.body().contains("insertAdjacentHTML") || r.body().contains("document.write"),
                    file + " writes HTML");
        }

        // when fetched again with its ETag
        String etag = script.headers().firstValue("ETag").orElseThrow();
        // then 304
        assertEquals(304, node.get("/console/app.js", "If-None-Match", etag).statusCode());
    }

    @Test
    void onlyTheConsolesOwnFilesAreServed() {
        // given names that are not console files, or that try to leave the console's folder
        // then each is a 404 problem (or 400 for an encoded slash), never another resource of the jar
        assertProblem(node.get("/console/missing.js"), 404, "NOT_FOUND");
        assertProblem(node.get("/console/index.html"), 404, "NOT_FOUND");
        assertProblem(node.get("/console/logback.xml"), 404, "NOT_FOUND");
        assertProblem(node.get("/console/..%2Fopenapi.json"), 400, "INVALID_ID");
        assertProblem(node.get("/console/App.JS"), 404, "NOT_FOUND");
    }

    // ---- GET /v1/worlds ---------------------------------------------------------------------------

    @Test
    void anAdminListsEveryWorldWithItsCountsPageByPage() {
        // when the admin lists worlds
        JsonNode all = assertOk(node.callAs(ADMIN, "GET", "/v1/worlds", null));

        // then every world is there in id order, with exact counts, and the caller is described
        List<String> ids = new ArrayList<>();
        all.path("items").forEach(w -> ids.add(w.path("worldId").asText()));
        assertEquals(List.of("hc-a", "hc-b", "hc-c"), ids);
        JsonNode a = all.path("items").get(0);
        assertEquals(3, a.path("entities").asInt());
        assertEquals(2, a.path("playerStates").asInt());
        assertEquals(1, a.path("appData").asInt());
        assertTrue(a.path("worldState").asBoolean());
        assertTrue(a.path("exists").asBoolean());
        assertTrue(all.path("next").isNull());
        assertEquals("admin", all.path("caller").path("name").asText());
        assertTrue(all.path("caller").path("admin").asBoolean());

        // when listed one at a time
        JsonNode first = assertOk(node.callAs(ADMIN, "GET", "/v1/worlds?limit=1", null));
        JsonNode second = assertOk(node.callAs(ADMIN, "GET", "/v1/worlds?limit=1&cursor=" + first.path("next").asText(), null));
        JsonNode third = assertOk(node.callAs(ADMIN, "GET", "/v1/worlds?limit=1&cursor=" + second.path("next").asText(), null));

        // then the pages follow each other with no gap
        assertEquals("hc-a", first.path("items").get(0).path("worldId").asText());
        assertEquals("hc-b", second.path("items").get(0).path("worldId").asText());
        assertEquals("hc-c", third.path("items").get(0).path("worldId").asText());
        assertTrue(third.path("next").isNull());
    }

    @Test
    void aScopedKeySeesExactlyItsWorldsAndNoneWithoutAKey() {
        // when a key holding hc-b and hc-empty lists worlds
        JsonNode page = assertOk(node.callAs(SCOPED, "GET", "/v1/worlds", null));

        // then it sees those two (the empty one as not existing), never hc-a or hc-c
        assertEquals(2, page.path("items").size());
        assertEquals("hc-b", page.path("items").get(0).path("worldId").asText());
        assertEquals(1, page.path("items").get(0).path("entities").asInt());
        assertEquals("hc-empty", page.path("items").get(1).path("worldId").asText());
        assertFalse(page.path("items").get(1).path("exists").asBoolean());
        assertFalse(page.path("caller").path("admin").asBoolean());
        assertEquals("x", page.path("caller").path("apps").get(0).asText());
        // and without a key, or with a bad cursor, it is refused
        assertProblem(node.get("/v1/worlds"), 401, "UNAUTHORIZED");
        assertProblem(node.callAs(ADMIN, "GET", "/v1/worlds?cursor=!!", null), 400, "INVALID_ARGUMENT", "cursor");
    }

    // ---- timeline, dead letters -------------------------------------------------------------------

    @Test
    void aWorldsTimelineCountsItsChangesBetweenTheFirstAndTheLast() {
        // given a world with a batch of 2 changes, then 3 single changes
        String w = "hc-time-" + System.nanoTime();
        LogPosition first = node.store.writeBatch(w, List.of(Change.putJson(new Key.Entity(w, "a"), "{\"id\":\"a\"}"),
                Change.putJson(new Key.Entity(w, "b"), "{\"id\":\"b\"}")), null).position();
        LogPosition last = null;
        for (int i = 0; i < 3; i++) {
            last = node.store.write(Change.putJson(new Key.Entity(w, "a"), "{\"id\":\"a\",\"n\":" + i + "}")).position();
        }

        // when its timeline is read in 4 buckets
        JsonNode t = assertOk(node.callAs(ADMIN, "GET", "/v1/worlds/" + w + "/timeline?buckets=4", null));

        // then it counts 5 changes, spans the first to the last and spreads them over 4 buckets
        assertEquals(5, t.path("changes").asInt());
        assertEquals(first.toString(), t.path("firstPosition").asText());
        assertEquals(last.toString(), t.path("lastPosition").asText());
        assertFalse(java.time.Instant.parse(t.path("last").asText()).isBefore(java.time.Instant.parse(t.path("first").asText())));
        assertEquals(4, t.path("density").size());
        int sum = 0;
        for (JsonNode n : t.path("density")) {
            sum += n.asInt();
        }
        assertEquals(5, sum);
        assertTrue(t.path("density").get(0).asInt() >= 2, "the batch is in the first bucket");

        // and a world without history has an empty timeline; bad buckets and other keys' worlds are refused
        JsonNode none = assertOk(node.callAs(ADMIN, "GET", "/v1/worlds/hc-nothing/timeline", null));
        assertEquals(0, none.path("changes").asInt());
        assertTrue(none.path("first").isNull());
        assertEquals(0, none.path("density").size());
        assertProblem(node.callAs(ADMIN, "GET", "/v1/worlds/" + w + "/timeline?buckets=0", null), 400, "INVALID_ARGUMENT", "buckets");
        assertProblem(node.callAs(SCOPED, "GET", "/v1/worlds/hc-a/timeline", null), 403, "FORBIDDEN");
    }

    @Test
    void deadLettersAreForAdminKeysOnly() {
        // when the admin and a scoped key ask for dead letters
        JsonNode page = assertOk(node.callAs(ADMIN, "GET", "/v1/dead-letters?limit=5", null));

        // then the admin gets the list (none here) and the scoped key a 403
        assertNotNull(page.path("items"));
        assertTrue(page.path("items").isArray());
        assertProblem(node.callAs(SCOPED, "GET", "/v1/dead-letters", null), 403, "FORBIDDEN");
        assertProblem(node.callAs(ADMIN, "GET", "/v1/dead-letters?limit=0", null), 400, "INVALID_ARGUMENT", "limit");
    }

    // ---- dry runs -----------------------------------------------------------------------------------

    @Test
    void restoreAndForkDryRunsTellWhatWouldChangeAndWriteNothing() {
        // given a world of two entities, then one changed, one deleted and one added
        String w = "hc-dry-" + System.nanoTime();
        LogPosition then = node.store.writeBatch(w, List.of(Change.putJson(new Key.Entity(w, "a"), "{\"id\":\"a\",\"v\":1}"),
                Change.putJson(new Key.Entity(w, "b"), "{\"id\":\"b\"}"), Change.putJson(new Key.Entity(w, "c"), "{\"id\":\"c\"}")),
                null).position();
        node.store.write(Change.putJson(new Key.Entity(w, "a"), "{\"id\":\"a\",\"v\":2}"));
        node.store.write(Change.delete(new Key.Entity(w, "b")));
        LogPosition end = node.store.write(Change.putJson(new Key.Entity(w, "d"), "{\"id\":\"d\"}")).position();

        // when a restore to `then` is dry-run
        JsonNode plan = assertOk(node.callAs(ADMIN, "POST", "/v1/worlds/" + w + "/restore",
                "{\"asOf\":\"" + then + "\",\"dryRun\":true}"));

        // then it counts a and b to rewrite, d to delete, c unchanged, and nothing was written
        assertTrue(plan.path("dryRun").asBoolean());
        assertEquals(2, plan.path("rewritten").asInt());
        assertEquals(1, plan.path("deleted").asInt());
        assertEquals(1, plan.path("unchanged").asInt());
        assertEquals(0, plan.path("conflicts").asInt());
        assertEquals(end.offset() + 1, node.store.endOf(w).offset(), "no event was appended");

        // when a fork is dry-run into a new world, and into an existing one
        JsonNode fork = assertOk(node.callAs(ADMIN, "POST", "/v1/worlds/" + w + "/fork",
                "{\"to\":\"" + w + "-copy\",\"asOf\":\"" + then + "\",\"dryRun\":true}"));
        HttpResponse<String> onto = node.callAs(ADMIN, "POST", "/v1/worlds/" + w + "/fork", "{\"to\":\"hc-b\",\"asOf\":\"" + then + "\",\"dryRun\":true}");

        // then the first counts the three keys it would copy, the second is the fork's own 409, and no world was made
        assertTrue(fork.path("dryRun").asBoolean());
        assertEquals(3, fork.path("keys").asInt());
        assertEquals(3, fork.path("entities").asInt());
        assertProblem(onto, 409, "ALREADY_EXISTS");
        assertFalse(node.store.worldSummary(w + "-copy", dev.worldstore.ReadConsistency.LOCAL).exists());
        // and a dryRun that is not a boolean is refused
        assertProblem(node.callAs(ADMIN, "POST", "/v1/worlds/" + w + "/restore", "{\"asOf\":\"" + then + "\",\"dryRun\":\"yes\"}"), 422,
                "INVALID_SHAPE", "dryRun");
    }
}
