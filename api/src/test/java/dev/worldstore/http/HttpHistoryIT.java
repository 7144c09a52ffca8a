package dev.worldstore.http;

import static dev.worldstore.http.HttpTestNode.key;
import static dev.worldstore.http.HttpAsserts.assertOk;
import static dev.worldstore.http.HttpAsserts.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.LogPosition;
import dev.worldstore.Json;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * History over HTTP on a real store: per-key history of every resource, asOf reads, the world audit
 * log, world snapshots at past positions against a model kept here, restore, and scopes.
 */
class HttpHistoryIT {
    @TempDir
    static Path dir;
    static HttpTestNode node;

    static final String ADMIN = ApiKeys.newKey();
    static final String WORLD_A = ApiKeys.newKey();
    static final String WORLD_B = ApiKeys.newKey();
    static final String APP_X = ApiKeys.newKey();

    @BeforeAll
    static void start() throws IOException {
        node = HttpTestNode.startWithKeys(dir, Map.of(),
                key("admin", ADMIN, "\"admin\": true"),
                key("server-a", WORLD_A, "\"worlds\": [\"wa\", \"aud\", \"rw\"], \"apps\": [\"*\"]"),
                key("server-b", WORLD_B, "\"worlds\": [\"wb\"], \"apps\": [\"*\"]"),
                key("app-x", APP_X, "\"worlds\": [\"wa\", \"aud\", \"rw\", \"snap\"], \"apps\": [\"x\"]"));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static HttpResponse<String> get(String key, String path) {
        return node.callAs(key, "GET", path, null);
    }

    /** Writes as {@code key} and returns the write's log position. */
    private static LogPosition write(String key, String method, String path, String json) {
        HttpResponse<String> r = node.callAs(key, method, path, json);
        assertOk(r);
        return LogPosition.parse(r.headers().firstValue("X-Worldstore-Position").orElseThrow());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    // ---- per-key history ------------------------------------------------------------------------

    private record Step(String method, String json) {
    }

    /** One resource: where it is written and read, and where its history is. */
    private record Resource(String path, String historyPath, List<Step> steps) {
    }

    @Test
    void historyOfEveryResourceIsNewestFirstAndPages() {
        List<Step> full = List.of(new Step("PUT", "{\"hp\":1}"), new Step("PATCH", "{\"mp\":5}"), new Step("PUT", "{\"hp\":3}"),
                new Step("DELETE", null), new Step("PATCH", "{\"hp\":5}"));
        List<Step> noDelete = List.of(new Step("PUT", "{\"hp\":1}"), new Step("PATCH", "{\"mp\":5}"), new Step("PUT", "{\"hp\":3}"),
                new Step("PATCH", "{\"hp\":null}"), new Step("PUT", "{\"hp\":5}"));
        List<Step> noPatch = List.of(new Step("PUT", "1"), new Step("PUT", "{\"a\":[1,2]}"), new Step("DELETE", null),
                new Step("PUT", "\"text\""), new Step("PUT", "{\"b\":true}"));
        String w = "/v1/worlds/hist";
        List<Resource> resources = List.of(
                new Resource(w + "/players/p1/state", w + "/players/p1/state/history", full),
                new Resource(w + "/entities/e1", w + "/entities/e1/history", full),
                new Resource(w + "/state", w + "/state/history", noDelete),
                // an app key with a slash that ends in "/history": its history is under /history/<key>, not <key>/history
                new Resource(w + "/apps/x/data/quests/history", w + "/apps/x/history/quests/history", noPatch),
                new Resource(w + "/apps/x/players/p1/data/inv/bag", w + "/apps/x/players/p1/history/inv/bag", noPatch));
        for (Resource res : resources) {
            List<Long> versions = new ArrayList<>();
            List<JsonNode> results = new ArrayList<>();
            for (Step s : res.steps()) {
                versions.add(write(ADMIN, s.method(), res.path(), s.json()).offset());
                HttpResponse<String> now = get(ADMIN, res.path());
                results.add(now.statusCode() == 404 ? null : assertOk(now));
            }
            // newest first, two per page, following next
            List<JsonNode> items = new ArrayList<>();
            String before = null;
            int pages = 0;
            do {
                JsonNode page = assertOk(get(ADMIN, res.historyPath() + "?limit=2&withResult=true"
                        + (before == null ? "" : "&before=" + before)));
                assertTrue(page.path("items").size() <= 2);
                page.path("items").forEach(items::add);
                before = page.path("next").isNull() ? null : page.path("next").asText();
                assertTrue(++pages <= 3, "5 versions take 3 pages of 2");
            } while (before != null);
            assertEquals(3, pages, res.historyPath());
            assertEquals(res.steps().size(), items.size(), res.historyPath());
            for (int i = 0; i < items.size(); i++) {
                int n = items.size() - 1 - i; // newest first
                JsonNode item = items.get(i);
                Step step = res.steps().get(n);
                String what = res.historyPath() + " item " + i + ": " + item;
                assertEquals(versions.get(n).longValue(), item.path("version").asLong(), what);
                assertEquals(switch (step.method()) {
                    case "PUT" -> "put";
                    case "PATCH" -> "merge-patch";
                    default -> "delete";
                }, item.path("op").asText(), what);
                assertEquals("admin", item.path("actor").asText(), what);
                assertEquals(node.store.nodeId(), item.path("origin").asText(), what);
                assertTrue(item.path("timestamp").asText().endsWith("Z"), what);
                assertTrue(item.path("formatVersion").isInt(), what);
                if (step.json() == null) {
                    assertTrue(item.path("change").isNull(), what);
                    assertTrue(item.path("result").isNull(), what);
                } else {
                    JsonNode sent = Json.parse(step.json());
                    if (res.path().contains("/entities/")) {
                        ((ObjectNode) sent).put("id", "e1"); // filled in from the path
                    }
                    assertEquals(sent, item.path("change"), what);
                    assertEquals(results.get(n), item.path("result"), what);
                }
            }
            // without withResult there is no result member; default page holds every version
            JsonNode all = assertOk(get(ADMIN, res.historyPath()));
            assertEquals(5, all.path("items").size());
            assertFalse(all.path("items").get(0).has("result"));
            assertTrue(all.path("next").isNull());
        }
        // the key "quests/history" itself is still read at .../data/quests/history
        assertEquals(Json.parse("{\"b\":true}"), assertOk(get(ADMIN, w + "/apps/x/data/quests/history")));

        // the player registry
        assertEquals(201, node.callAs(ADMIN, "POST", "/v1/players", "{\"id\":\"hist-p\",\"username\":\"HistP\"}").statusCode());
        JsonNode reg = assertOk(get(ADMIN, "/v1/players/hist-p/history"));
        assertEquals(1, reg.path("items").size());
        assertEquals("put", reg.path("items").get(0).path("op").asText());
        assertEquals("HistP", reg.path("items").get(0).path("change").path("username").asText());
        assertEquals(0, assertOk(get(ADMIN, "/v1/players/nobody/history")).path("items").size());

        long oldest = assertOk(get(ADMIN, w + "/entities/e1/history")).path("items").get(4).path("version").asLong();
        assertEquals(0, assertOk(get(ADMIN, w + "/entities/e1/history?before=" + oldest)).path("items").size());
        assertEquals(0, assertOk(get(ADMIN, w + "/entities/e1/history?before=0")).path("items").size());
        assertProblem(get(ADMIN, w + "/entities/e1/history?limit=1001"), 400, "INVALID_ARGUMENT", "limit");
        assertProblem(get(ADMIN, w + "/entities/e1/history?before=x"), 400, "INVALID_ARGUMENT", "before");
        assertProblem(get(ADMIN, w + "/entities/e1/history?withResult=maybe"), 400, "INVALID_ARGUMENT", "withResult");
    }

    // ---- asOf ---------------------------------------------------------------------------------

    private static HttpResponse<String> asOf(String path, Object at) {
        return get(ADMIN, path + "?asOf=" + enc(at.toString()));
    }

    private static void assertAsOf(HttpResponse<String> r, String json, long version) {
        assertEquals(Json.parse(json), assertOk(r));
        assertEquals("\"" + version + "\"", r.headers().firstValue("ETag").orElseThrow());
        assertEquals(Long.toString(version), r.headers().firstValue("X-Worldstore-As-Of-Version").orElseThrow());
    }

    @Test
    void asOfReadsTheValueAsItWasThen() {
        String w = "/v1/worlds/wa";
        String e = w + "/entities/timed";
        LogPosition before = write(ADMIN, "PUT", w + "/entities/other", "{}");
        LogPosition v1 = write(ADMIN, "PUT", e, "{\"hp\":1}");
        LogPosition between = write(ADMIN, "PUT", w + "/entities/other", "{\"n\":2}");
        LogPosition v2 = write(ADMIN, "PATCH", e, "{\"mp\":5}");
        LogPosition deleted = write(ADMIN, "DELETE", e, null);

        assertProblem(asOf(e, before), 404, "KEY_NOT_FOUND");
        assertAsOf(asOf(e, v1), "{\"hp\":1,\"id\":\"timed\"}", v1.offset());
        assertAsOf(asOf(e, between), "{\"hp\":1,\"id\":\"timed\"}", v1.offset());
        assertAsOf(asOf(e, v2), "{\"hp\":1,\"mp\":5,\"id\":\"timed\"}", v2.offset());
        assertProblem(asOf(e, deleted), 404, "KEY_NOT_FOUND");
        assertProblem(asOf(e, "2000-01-01T00:00:00Z"), 404, "KEY_NOT_FOUND");
        assertProblem(asOf(e, "2999-01-01T00:00:00Z"), 404, "KEY_NOT_FOUND");
        // If-None-Match on the past version: 304
        node.apiKey = ADMIN;
        try {
            assertEquals(304, node.get(e + "?asOf=" + v2, "If-None-Match", "\"" + v2.offset() + "\"").statusCode());
        } finally {
            node.apiKey = null;
        }

        // every single-key GET takes asOf
        String app = w + "/apps/x/data/a/b";
        LogPosition a1 = write(ADMIN, "PUT", app, "[1]");
        write(ADMIN, "PUT", app, "[2]");
        assertAsOf(asOf(app, a1), "[1]", a1.offset());
        String pApp = w + "/apps/x/players/p9/data/k";
        LogPosition pa1 = write(ADMIN, "PUT", pApp, "true");
        write(ADMIN, "DELETE", pApp, null);
        assertAsOf(asOf(pApp, pa1), "true", pa1.offset());
        String ps = w + "/players/p9/state";
        LogPosition ps1 = write(ADMIN, "PUT", ps, "{\"x\":1}");
        LogPosition ps2 = write(ADMIN, "PATCH", ps, "{\"x\":2}");
        assertAsOf(asOf(ps, ps1), "{\"x\":1}", ps1.offset());
        assertAsOf(asOf(ps, "2999-01-01T00:00:00Z"), "{\"x\":2}", ps2.offset());
        String ws = "/v1/worlds/asof-ws/state";
        LogPosition ws1 = write(ADMIN, "PUT", ws, "{\"day\":1}");
        write(ADMIN, "PATCH", ws, "{\"day\":2}");
        assertAsOf(asOf(ws, ws1), "{\"day\":1}", ws1.offset());

        HttpResponse<String> reg = node.callAs(ADMIN, "POST", "/v1/players", "{\"id\":\"asof-p\",\"username\":\"AsOfP\"}");
        LogPosition regAt = LogPosition.parse(reg.headers().firstValue("X-Worldstore-Position").orElseThrow());
        JsonNode then = assertOk(asOf("/v1/players/asof-p", regAt));
        assertEquals("AsOfP", then.path("username").asText());
        assertEquals(regAt.offset(), then.path("version").asLong());
        assertProblem(asOf("/v1/players/asof-p", "2000-01-01T00:00:00Z"), 404, "KEY_NOT_FOUND");
    }

    @Test
    void malformedAsOfIs400NamingAsOf() {
        String e = "/v1/worlds/wa/entities/m1";
        assertProblem(get(ADMIN, e + "?asOf=yesterday"), 400, "INVALID_ARGUMENT", "asOf");
        assertProblem(get(ADMIN, e + "?asOf="), 400, "INVALID_ARGUMENT", "asOf");
        assertProblem(get(ADMIN, e + "?asOf=2026-13-45T99:00:00Z"), 400, "INVALID_ARGUMENT", "asOf");
        assertProblem(get(ADMIN, "/v1/worlds/wa/state?asOf=1-x"), 400, "INVALID_ARGUMENT", "asOf");
        assertProblem(get(ADMIN, "/v1/players/hist-p?asOf=nope"), 400, "INVALID_ARGUMENT", "asOf");
        assertProblem(get(ADMIN, "/v1/worlds/wa/snapshot?asOf=nope"), 400, "INVALID_ARGUMENT", "asOf");
        assertProblem(get(ADMIN, "/v1/worlds/wa/snapshot"), 400, "INVALID_ARGUMENT", "asOf");
        assertProblem(node.callAs(ADMIN, "POST", "/v1/worlds/wa/restore", "{\"asOf\":\"nope\"}"), 400, "INVALID_ARGUMENT", "asOf");
        assertProblem(node.callAs(ADMIN, "POST", "/v1/worlds/wa/restore", "{}"), 400, "INVALID_ARGUMENT", "asOf");
        // a position in another partition than the world's
        LogPosition p = write(ADMIN, "PUT", e, "{}");
        String elsewhere = ((p.partition() + 1) % 6) + "-" + p.offset();
        assertProblem(get(ADMIN, e + "?asOf=" + elsewhere), 400, "INVALID_ARGUMENT", "asOf");
        assertProblem(get(ADMIN, "/v1/worlds/wa/snapshot?asOf=" + elsewhere), 400, "INVALID_ARGUMENT", "asOf");
        assertProblem(get(ADMIN, "/v1/worlds/wa/history?from=" + elsewhere), 400, "INVALID_ARGUMENT", "from");
        // a position not written yet: a read as of it could answer differently once it is
        String unwritten = p.partition() + "-" + (p.offset() + 1_000_000);
        HttpResponse<String> future = get(ADMIN, e + "?asOf=" + unwritten);
        assertProblem(future, 400, "INVALID_ARGUMENT", "asOf");
        assertTrue(future.body().contains("has not been written yet"), future.body());
        assertProblem(get(ADMIN, "/v1/worlds/wa/snapshot?asOf=" + unwritten), 400, "INVALID_ARGUMENT", "asOf");
        assertProblem(node.callAs(ADMIN, "POST", "/v1/worlds/wa/restore", "{\"asOf\":\"" + unwritten + "\",\"dryRun\":true}"), 400,
                "INVALID_ARGUMENT", "asOf");
    }

    @Test
    void aPartitionsStartReadsAsThePointBeforeEveryChange() {
        // given a world whose first change is its partition's only record so far, or not: either way
        // "<partition>-start" (the ready id of a feed opened on an empty partition) is before it
        String w = "/v1/worlds/from-start";
        LogPosition first = write(ADMIN, "PUT", w + "/entities/s1", "{\"hp\":1}");
        String start = first.partition() + "-start";

        // when it is used as asOf, from and to, then it includes no change, and from it the log starts
        assertProblem(asOf(w + "/entities/s1", start), 404, "KEY_NOT_FOUND");
        JsonNode snapshot = assertOk(get(ADMIN, w + "/snapshot?asOf=" + start));
        assertEquals(start, snapshot.path("asOf").asText(), snapshot.toString());
        assertEquals(0, snapshot.path("entities").size(), snapshot.toString());
        List<String> fromStart = positions(listOf(assertOk(get(ADMIN, w + "/history?from=" + start)).path("items")));
        assertTrue(fromStart.contains(first.toString()), fromStart.toString());
        assertEquals(0, assertOk(get(ADMIN, w + "/history?to=" + start)).path("items").size());
        JsonNode plan = assertOk(node.callAs(ADMIN, "POST", w + "/restore", "{\"asOf\":\"" + start + "\",\"dryRun\":true}"));
        assertEquals(1, plan.path("deleted").asInt(), plan.toString());
        assertEquals(start, plan.path("asOf").asText(), plan.toString());
        // another partition's start is refused as any position of another partition is
        String elsewhere = ((first.partition() + 1) % 6) + "-start";
        assertProblem(get(ADMIN, w + "/snapshot?asOf=" + elsewhere), 400, "INVALID_ARGUMENT", "asOf");
        HttpResponse<String> otherFrom = get(ADMIN, w + "/history?from=" + elsewhere);
        assertProblem(otherFrom, 400, "INVALID_ARGUMENT", "from");
        assertTrue(otherFrom.body().contains(elsewhere + " is not"), otherFrom.body());
        assertProblem(get(ADMIN, w + "/history?to=" + elsewhere), 400, "INVALID_ARGUMENT", "to");
        assertProblem(get(ADMIN, w + "/entities/s1?asOf=x-start"), 400, "INVALID_ARGUMENT", "asOf");
    }

    // ---- audit log ----------------------------------------------------------------------------

    private record Written(LogPosition position, String table, String actor) {
    }

    private static List<JsonNode> auditPages(String key, String query, int maxPages) {
        List<JsonNode> items = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = assertOk(get(key, "/v1/worlds/aud/history?" + query + (cursor == null ? "" : "&cursor=" + enc(cursor))));
            page.path("items").forEach(items::add);
            assertTrue(page.path("end").isTextual(), page.toString());
            cursor = page.path("next").isNull() ? null : page.path("next").asText();
            assertTrue(++pages <= maxPages, "paging terminates: " + page);
        } while (cursor != null);
        return items;
    }

    private static List<String> positions(List<JsonNode> items) {
        return items.stream().map(i -> i.path("position").asText()).toList();
    }

    private static List<String> positionsOf(List<Written> ws) {
        return ws.stream().map(x -> x.position().toString()).toList();
    }

    @Test
    void auditLogListsTheWorldsChangesInLogOrderFilteredAndPaged() {
        String w = "/v1/worlds/aud";
        List<Written> all = new ArrayList<>();
        all.add(new Written(write(ADMIN, "PUT", w + "/state", "{\"a\":1}"), "world_state", "admin"));
        for (int i = 0; i < 5; i++) {
            write(ADMIN, "PUT", "/v1/worlds/aud-other-" + i + "/entities/e", "{}"); // other worlds, maybe in the same partition
        }
        all.add(new Written(write(WORLD_A, "PUT", w + "/entities/e1", "{\"hp\":1}"), "entity_states", "server-a"));
        all.add(new Written(write(ADMIN, "PUT", w + "/entities/e2", "{}"), "entity_states", "admin"));
        all.add(new Written(write(WORLD_A, "PATCH", w + "/entities/e1", "{\"hp\":2}"), "entity_states", "server-a"));
        all.add(new Written(write(APP_X, "PUT", w + "/apps/x/data/k1", "1"), "app_storage", "app-x"));
        all.add(new Written(write(WORLD_A, "PUT", w + "/apps/y/data/k2", "2"), "app_storage", "server-a"));
        all.add(new Written(write(WORLD_A, "PUT", w + "/players/p1/state", "{}"), "player_states", "server-a"));
        // a refused change is not in the audit log
        assertEquals(412, node.callAs(ADMIN, "PUT", w + "/entities/e2", "{}", "If-Match", "\"0\"").statusCode());
        all.add(new Written(write(ADMIN, "DELETE", w + "/entities/e2", null), "entity_states", "admin"));

        List<JsonNode> items = auditPages(ADMIN, "", 5);
        assertEquals(positionsOf(all), positions(items));
        JsonNode first = items.get(0);
        assertEquals("world_state", first.path("table").asText());
        assertEquals("aud", first.path("worldId").asText());
        assertEquals("put", first.path("op").asText());
        assertEquals(Json.parse("{\"a\":1}"), first.path("value"));
        assertEquals("admin", first.path("actor").asText());
        assertEquals(node.store.nodeId(), first.path("origin").asText());
        assertEquals(Json.parse("{\"hp\":2,\"id\":\"e1\"}"), items.get(3).path("patch")); // id filled in from the path
        assertEquals("delete", items.get(7).path("op").asText());

        // paging: two per page, via next/cursor
        assertEquals(positionsOf(all), positions(auditPages(ADMIN, "limit=2", 6)));
        // filters
        assertEquals(positionsOf(all.stream().filter(x -> x.table().equals("entity_states")).toList()),
                positions(auditPages(ADMIN, "table=entity_states", 2)));
        assertEquals(positionsOf(all.stream().filter(x -> x.table().equals("entity_states") && x.actor().equals("server-a")).toList()),
                positions(auditPages(ADMIN, "table=entity_states&actor=server-a&limit=1", 4)));
        assertEquals(positionsOf(all.stream().filter(x -> !x.table().equals("app_storage")).toList()),
                positions(auditPages(ADMIN, "table=entity_states,world_state,player_states", 2)));
        assertEquals(positionsOf(all), positions(auditPages(ADMIN, "origin=" + enc(node.store.nodeId()), 2)));
        assertEquals(List.of(), positions(auditPages(ADMIN, "actor=nobody", 2)));
        // ranges: positions and instants, to inclusive
        assertEquals(positionsOf(all.subList(2, 5)),
                positions(auditPages(ADMIN, "from=" + all.get(2).position() + "&to=" + all.get(4).position(), 2)));
        assertEquals(positionsOf(all), positions(auditPages(ADMIN, "from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z", 2)));
        assertEquals(List.of(), positions(auditPages(ADMIN, "to=2000-01-01T00:00:00Z", 2)));
        JsonNode tail = assertOk(get(ADMIN, w + "/history?from=" + all.get(7).position()));
        assertEquals(List.of(all.get(7).position().toString()), positions(listOf(tail.path("items"))));
        // continuing from end later: nothing new, then the next change
        LogPosition end = LogPosition.parse(tail.path("end").asText());
        assertTrue(end.offset() > all.get(7).position().offset());
        assertEquals(0, assertOk(get(ADMIN, w + "/history?from=" + end)).path("items").size());
        LogPosition later = write(ADMIN, "PUT", w + "/state", "{\"a\":2}");
        assertEquals(List.of(later.toString()), positions(listOf(assertOk(get(ADMIN, w + "/history?from=" + end)).path("items"))));

        // a key limited to app x does not see app y's changes
        List<String> appX = positions(auditPages(APP_X, "table=app_storage", 2));
        assertEquals(List.of(all.get(4).position().toString()), appX);

        assertProblem(get(ADMIN, w + "/history?table=players"), 400, "INVALID_ARGUMENT", "table");
        assertProblem(get(ADMIN, w + "/history?from=soon"), 400, "INVALID_ARGUMENT", "from");
        assertProblem(get(ADMIN, w + "/history?to=soon"), 400, "INVALID_ARGUMENT", "to");
        assertProblem(get(ADMIN, w + "/history?cursor=abc"), 400, "INVALID_ARGUMENT", "cursor");
        assertProblem(get(ADMIN, w + "/history?limit=0"), 400, "INVALID_ARGUMENT", "limit");
    }

    private static List<JsonNode> listOf(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    // ---- snapshots ----------------------------------------------------------------------------

    /** The world as the test expects it: every key by a readable name, each value a JSON tree. */
    private static final class Model {
        JsonNode worldState;
        final TreeMap<String, JsonNode> entities = new TreeMap<>();
        final TreeMap<String, JsonNode> players = new TreeMap<>();
        /** "appId|playerId-or-empty|key". */
        final TreeMap<String, JsonNode> apps = new TreeMap<>();

        Model copy() {
            Model m = new Model();
            m.worldState = worldState == null ? null : worldState.deepCopy();
            entities.forEach((k, v) -> m.entities.put(k, v.deepCopy()));
            players.forEach((k, v) -> m.players.put(k, v.deepCopy()));
            apps.forEach((k, v) -> m.apps.put(k, v.deepCopy()));
            return m;
        }
    }

    /** RFC 7396, written out here so the test does not lean on the store's implementation. */
    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode out = target != null && target.isObject() ? (ObjectNode) target.deepCopy() : JsonNodeFactory.instance.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.properties().iterator(); it.hasNext();) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getValue().isNull()) {
                out.remove(f.getKey());
            } else {
                out.set(f.getKey(), mergePatch(out.get(f.getKey()), f.getValue()));
            }
        }
        return out;
    }

    private static ObjectNode randomObject(Random rnd, boolean patch) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        String[] fields = {"hp", "mp", "name", "stats", "tags"};
        int n = 1 + rnd.nextInt(3);
        for (int i = 0; i < n; i++) {
            String f = fields[rnd.nextInt(fields.length)];
            if (patch && rnd.nextInt(4) == 0) {
                o.putNull(f);
                continue;
            }
            switch (f) {
                case "hp", "mp" -> o.put(f, rnd.nextInt(1000));
                case "name" -> o.put(f, "n" + rnd.nextInt(100));
                case "stats" -> o.putObject(f).put("str", rnd.nextInt(20)).put("dex", patch && rnd.nextBoolean() ? null : rnd.nextInt(20));
                default -> o.putArray(f).add("t" + rnd.nextInt(5));
            }
        }
        return o;
    }

    private static ObjectNode withoutNulls(ObjectNode o) {
        return (ObjectNode) mergePatch(JsonNodeFactory.instance.objectNode(), o);
    }

    @Test
    void snapshotAtPastPositionsEqualsTheModel() {
        String w = "/v1/worlds/snap";
        Random rnd = new Random(42);
        Model model = new Model();
        List<LogPosition> at = new ArrayList<>();
        List<Model> expected = new ArrayList<>();
        int ops = 160;
        for (int i = 0; i < ops; i++) {
            int kind = rnd.nextInt(4);
            LogPosition p;
            if (kind == 0) {
                String id = "e" + rnd.nextInt(8);
                int op = rnd.nextInt(5);
                if (op == 0 && model.entities.containsKey(id)) {
                    p = write(ADMIN, "DELETE", w + "/entities/" + id, null);
                    model.entities.remove(id);
                } else if (op <= 2) {
                    ObjectNode v = withoutNulls(randomObject(rnd, false));
                    p = write(ADMIN, "PUT", w + "/entities/" + id, v.toString());
                    model.entities.put(id, v.deepCopy().put("id", id));
                } else {
                    ObjectNode patch = randomObject(rnd, true);
                    p = write(ADMIN, "PATCH", w + "/entities/" + id, patch.toString());
                    patch.put("id", id);
                    model.entities.put(id, mergePatch(model.entities.get(id), patch));
                }
            } else if (kind == 1) {
                String id = "p" + rnd.nextInt(5);
                int op = rnd.nextInt(5);
                if (op == 0 && model.players.containsKey(id)) {
                    p = write(ADMIN, "DELETE", w + "/players/" + id + "/state", null);
                    model.players.remove(id);
                } else if (op <= 2) {
                    ObjectNode v = withoutNulls(randomObject(rnd, false));
                    p = write(ADMIN, "PUT", w + "/players/" + id + "/state", v.toString());
                    model.players.put(id, v);
                } else {
                    ObjectNode patch = randomObject(rnd, true);
                    p = write(ADMIN, "PATCH", w + "/players/" + id + "/state", patch.toString());
                    model.players.put(id, mergePatch(model.players.get(id), patch));
                }
            } else if (kind == 2) {
                if (rnd.nextBoolean()) {
                    ObjectNode v = withoutNulls(randomObject(rnd, false));
                    p = write(ADMIN, "PUT", w + "/state", v.toString());
                    model.worldState = v;
                } else {
                    ObjectNode patch = randomObject(rnd, true);
                    p = write(ADMIN, "PATCH", w + "/state", patch.toString());
                    model.worldState = mergePatch(model.worldState, patch);
                }
            } else {
                String app = rnd.nextBoolean() ? "x" : "y";
                String player = rnd.nextInt(3) == 0 ? "p" + rnd.nextInt(2) : "";
                String key = "k" + rnd.nextInt(3) + (rnd.nextBoolean() ? "/sub" : "");
                String path = w + "/apps/" + app + (player.isEmpty() ? "" : "/players/" + player) + "/data/" + key;
                String id = app + "|" + player + "|" + key;
                if (rnd.nextInt(4) == 0 && model.apps.containsKey(id)) {
                    p = write(ADMIN, "DELETE", path, null);
                    model.apps.remove(id);
                } else {
                    JsonNode v = rnd.nextBoolean() ? JsonNodeFactory.instance.numberNode(rnd.nextInt(100))
                            : withoutNulls(randomObject(rnd, false));
                    p = write(ADMIN, "PUT", path, v.toString());
                    model.apps.put(id, v);
                }
            }
            if (i == 0 || i == 30 || i == 77 || i == 120 || i == ops - 1) {
                at.add(p);
                expected.add(model.copy());
            }
        }
        for (int i = 0; i < at.size(); i++) {
            JsonNode snap = assertOk(get(ADMIN, w + "/snapshot?asOf=" + at.get(i)));
            assertEquals("snap", snap.path("world").asText());
            assertEquals(at.get(i).toString(), snap.path("asOf").asText());
            assertSnapshot(expected.get(i), snap, null, "snapshot at " + at.get(i));
        }
        // an instant after everything: the current world; one before everything: an empty world
        assertSnapshot(model, assertOk(get(ADMIN, w + "/snapshot?asOf=2999-01-01T00:00:00Z")), null, "now");
        assertSnapshot(new Model(), assertOk(get(ADMIN, w + "/snapshot?asOf=2000-01-01T00:00:00Z")), null, "before");
        // a key limited to app x sees only app x's storage
        LogPosition mid = at.get(3);
        assertSnapshot(expected.get(3), assertOk(get(APP_X, w + "/snapshot?asOf=" + mid)), "x", "app-x at " + mid);
    }

    private static void assertSnapshot(Model m, JsonNode snap, String onlyApp, String what) {
        assertEquals(m.worldState == null ? JsonNodeFactory.instance.nullNode() : m.worldState, snap.path("worldState"), what);
        ArrayNode entities = JsonNodeFactory.instance.arrayNode();
        m.entities.values().forEach(entities::add); // in id order
        assertEquals(entities, snap.path("entities"), what);
        ArrayNode players = JsonNodeFactory.instance.arrayNode();
        m.players.forEach((id, state) -> players.addObject().put("playerId", id).set("state", state));
        assertEquals(players, snap.path("players"), what);
        TreeMap<String, JsonNode> apps = new TreeMap<>();
        for (JsonNode a : snap.path("apps")) {
            String id = a.path("appId").asText() + "|" + (a.path("playerId").isNull() ? "" : a.path("playerId").asText()) + "|"
                    + a.path("key").asText();
            assertNull(apps.put(id, a.path("value")), "each app key once: " + id);
        }
        TreeMap<String, JsonNode> want = new TreeMap<>(m.apps);
        if (onlyApp != null) {
            want.keySet().removeIf(k -> !k.startsWith(onlyApp + "|"));
        }
        assertEquals(want, apps, what);
    }

    // ---- restore ------------------------------------------------------------------------------

    @Test
    void restoreRollsTheWorldBackWithAuditedEvents() {
        String w = "/v1/worlds/rw";
        write(WORLD_A, "PUT", w + "/state", "{\"phase\":1}");
        write(WORLD_A, "PUT", w + "/entities/e1", "{\"hp\":1}");
        write(WORLD_A, "PUT", w + "/entities/e2", "{\"hp\":2}");
        write(WORLD_A, "PUT", w + "/entities/same", "{\"hp\":0}");
        LogPosition good = write(WORLD_A, "PUT", w + "/apps/x/data/cfg", "{\"a\":1}");
        JsonNode thenSnapshot = assertOk(get(ADMIN, w + "/snapshot?asOf=" + good));

        write(ADMIN, "PATCH", w + "/state", "{\"phase\":2}");
        write(ADMIN, "PUT", w + "/entities/e1", "{\"hp\":10}");
        write(ADMIN, "DELETE", w + "/entities/e2", null);
        write(ADMIN, "PUT", w + "/entities/e3", "{\"hp\":3}");
        LogPosition bad = write(ADMIN, "PUT", w + "/apps/x/data/cfg", "{\"a\":2}");

        String body = "{\"asOf\":\"" + good + "\"}";
        assertProblem(node.callAs(APP_X, "POST", w + "/restore", body), 403, "FORBIDDEN"); // limited to some apps
        assertProblem(node.callAs(WORLD_B, "POST", w + "/restore", body), 403, "FORBIDDEN");
        assertProblem(node.callAs(WORLD_A, "POST", w + "/restore", "{\"asOf\":1}"), 400, "INVALID_ARGUMENT", "asOf");
        assertProblem(node.callAs(WORLD_A, "POST", w + "/restore", "{\"asOf\":\"" + good + "\",\"force\":true}"), 422, "INVALID_SHAPE",
                "force");

        JsonNode result = assertOk(node.callAs(WORLD_A, "POST", w + "/restore", body));
        assertEquals(good.toString(), result.path("asOf").asText());
        assertEquals(4, result.path("rewritten").asInt(), result.toString()); // state, e1, e2, cfg
        assertEquals(1, result.path("deleted").asInt(), result.toString()); // e3
        assertEquals(1, result.path("unchanged").asInt(), result.toString()); // same
        assertEquals(0, result.path("conflicts").asInt(), result.toString());

        assertEquals(Json.parse("{\"phase\":1}"), assertOk(get(ADMIN, w + "/state")));
        assertEquals(1, assertOk(get(ADMIN, w + "/entities/e1")).path("hp").asInt());
        assertEquals(2, assertOk(get(ADMIN, w + "/entities/e2")).path("hp").asInt());
        assertProblem(get(ADMIN, w + "/entities/e3"), 404, "KEY_NOT_FOUND");
        JsonNode now = assertOk(get(ADMIN, w + "/snapshot?asOf=2999-01-01T00:00:00Z"));
        ((ObjectNode) now).put("asOf", good.toString());
        assertEquals(thenSnapshot, now);

        // history is not rewritten: the rollback is new versions by the restoring key
        JsonNode e1 = assertOk(get(ADMIN, w + "/entities/e1/history"));
        assertEquals(3, e1.path("items").size());
        assertEquals("server-a", e1.path("items").get(0).path("actor").asText());
        assertEquals("put", e1.path("items").get(0).path("op").asText());
        assertEquals(1, e1.path("items").get(0).path("change").path("hp").asInt());
        JsonNode e3 = assertOk(get(ADMIN, w + "/entities/e3/history"));
        assertEquals("delete", e3.path("items").get(0).path("op").asText());
        assertEquals("server-a", e3.path("items").get(0).path("actor").asText());
        List<JsonNode> restoring = listOf(assertOk(get(ADMIN, w + "/history?actor=server-a&from="
                + new LogPosition(bad.partition(), bad.offset() + 1))).path("items"));
        assertEquals(5, restoring.size());
    }

    @Test
    void streamedRoutesAnswerNoHeadButKeyHistoryDoes() {
        for (String path : List.of("/v1/worlds/wa/snapshot?asOf=2999-01-01T00:00:00Z", "/v1/worlds/wa/history")) {
            HttpResponse<String> head = node.callAs(ADMIN, "HEAD", path, null);
            assertEquals(405, head.statusCode(), path);
            assertEquals("GET, OPTIONS", head.headers().firstValue("Allow").orElseThrow(), path);
        }
        write(ADMIN, "PUT", "/v1/worlds/wa/entities/headed", "{}");
        assertEquals(200, node.callAs(ADMIN, "HEAD", "/v1/worlds/wa/entities/headed/history", null).statusCode());
    }

    // ---- scopes ---------------------------------------------------------------------------------

    @Test
    void aKeyForOneWorldCannotReadAnothersHistory() {
        write(WORLD_B, "PUT", "/v1/worlds/wb/entities/e", "{}");
        String b = "/v1/worlds/wb";
        for (String path : List.of(b + "/history", b + "/snapshot?asOf=2999-01-01T00:00:00Z", b + "/entities/e/history",
                b + "/state/history", b + "/players/p/state/history", b + "/apps/x/history/k", b + "/apps/x/players/p/history/k",
                b + "/entities/e?asOf=2999-01-01T00:00:00Z")) {
            assertProblem(get(WORLD_A, path), 403, "FORBIDDEN");
            assertProblem(node.get(path), 401, "UNAUTHORIZED");
        }
        assertProblem(node.callAs(WORLD_A, "POST", b + "/restore", "{\"asOf\":\"2000-01-01T00:00:00Z\"}"), 403, "FORBIDDEN");
        assertOk(get(WORLD_B, b + "/history"));
        assertOk(get(WORLD_B, b + "/snapshot?asOf=2999-01-01T00:00:00Z"));
        assertOk(get(WORLD_B, b + "/entities/e/history"));
        // app scope on app history; the player registry scope on player history
        assertProblem(get(APP_X, "/v1/worlds/wa/apps/y/history/k"), 403, "FORBIDDEN");
        assertProblem(get(APP_X, "/v1/worlds/wa/apps/y/players/p/history/k"), 403, "FORBIDDEN");
        assertOk(get(APP_X, "/v1/worlds/wa/apps/x/history/k"));
        assertProblem(get(WORLD_B, "/v1/players/hist-p/history"), 403, "FORBIDDEN");
    }
}
