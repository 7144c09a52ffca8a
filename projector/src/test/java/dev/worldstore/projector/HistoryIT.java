package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.AsOf;
import dev.worldstore.Condition;
import dev.worldstore.HistoryEntry;
import dev.worldstore.HistoryPage;
import dev.worldstore.Key;
import dev.worldstore.KeyNotFoundException;
import dev.worldstore.LogPosition;
import dev.worldstore.Op;
import dev.worldstore.ReadConsistency;
import dev.worldstore.Saved;
import dev.worldstore.World;
import dev.worldstore.WorldStore;
import dev.worldstore.Json;
import dev.worldstore.testing.TestKafka;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** History, point-in-time reads and world snapshots, checked against a replay computed in the test. */
class HistoryIT {
    private static StoreFixture fixture;
    private static WorldStore store;

    @BeforeAll
    static void open() {
        fixture = new StoreFixture();
        store = fixture.open();
    }

    @AfterAll
    static void close() {
        fixture.close();
    }

    @Test
    void keyHistoryListsEveryChangeNewestFirstWithResults() {
        World w = store.world(TestKafka.uniqueName("w"));
        Saved v1 = w.savePlayerState("p", Json.parse("{\"hp\":10,\"inventory\":[1,2]}"));
        Saved v2 = w.patchPlayerState("p", Json.parse("{\"hp\":9}"), Condition.any());
        Saved v3 = w.deletePlayerState("p", Condition.any());
        Saved v4 = w.patchPlayerState("p", Json.parse("{\"hp\":1}"), Condition.any());

        HistoryPage page = store.history(new Key.PlayerState(w.id(), "p"), Long.MAX_VALUE, 10, true, ReadConsistency.OWN_WRITES);
        List<HistoryEntry> h = page.items();
        assertEquals(List.of(v4.version(), v3.version(), v2.version(), v1.version()), h.stream().map(HistoryEntry::version).toList());
        assertEquals(List.of(Op.MERGE, Op.DELETE, Op.MERGE, Op.PUT), h.stream().map(HistoryEntry::op).toList());
        assertEquals(Json.parse("{\"hp\":1}"), h.get(0).result());
        assertNull(h.get(1).result());
        assertNull(h.get(1).change());
        assertEquals(Json.parse("{\"hp\":9,\"inventory\":[1,2]}"), h.get(2).result());
        assertEquals(Json.parse("{\"hp\":9}"), h.get(2).change());
        assertEquals(store.nodeId(), h.get(3).origin());
        assertTrue(page.nextBefore().isEmpty());
    }

    @Test
    void largeHistoryValuesSurviveFlushAndReopen() {
        // given values large enough for the history's blob files, on a node that is closed (flushing) and reopened
        java.nio.file.Path dir = StoreFixture.newDataDir();
        try (StoreFixture own = new StoreFixture()) {
            WorldStore first = own.open(dir);
            World w = first.world(TestKafka.uniqueName("w"));
            List<JsonNode> sent = new ArrayList<>();
            List<Saved> saves = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                JsonNode value = Json.object().put("round", i).put("notes", "x".repeat(2_000 + i));
                sent.add(value);
                saves.add(w.savePlayerState("big", value));
            }
            // projected before the close flushes the projection
            first.read(new Key.PlayerState(w.id(), "big"), ReadConsistency.atLeast(saves.get(4).position()));
            first.close();
            // when read from what the close left on disk, before anything is fetched again
            WorldStore again = own.open(dir);
            HistoryPage page = again.history(new Key.PlayerState(w.id(), "big"), Long.MAX_VALUE, 10, true, ReadConsistency.LOCAL);
            // then every version reads back whole, newest first
            List<JsonNode> expected = new ArrayList<>(sent);
            java.util.Collections.reverse(expected);
            List<Long> versions = new ArrayList<>(saves.stream().map(Saved::version).toList());
            java.util.Collections.reverse(versions);
            assertEquals(versions, page.items().stream().map(HistoryEntry::version).toList());
            assertEquals(expected, page.items().stream().map(HistoryEntry::result).toList());
            assertEquals(sent.get(2), again.readAsOf(new Key.PlayerState(w.id(), "big"), AsOf.position(saves.get(2).position()),
                    ReadConsistency.LOCAL).orElseThrow().value());
        }
    }

    @Test
    void historyPagesWithoutGapsOrRepeats() {
        World w = store.world(TestKafka.uniqueName("w"));
        List<Long> versions = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            versions.add(w.saveAppData("app", null, "k", Json.object().put("i", i)).version());
        }
        List<Long> seen = new ArrayList<>();
        long before = Long.MAX_VALUE;
        int pages = 0;
        while (true) {
            HistoryPage page = store.history(new Key.AppData(w.id(), "app", null, "k"), before, 100, false, ReadConsistency.OWN_WRITES);
            page.items().forEach(e -> seen.add(e.version()));
            pages++;
            if (page.nextBefore().isEmpty()) {
                break;
            }
            before = page.nextBefore().getAsLong();
        }
        assertEquals(3, pages);
        java.util.Collections.reverse(seen);
        assertEquals(versions, seen);
    }

    @Test
    void asOfReadsBeforeCreationBetweenVersionsAndAfterDelete() {
        World w = store.world(TestKafka.uniqueName("w"));
        Key.Entity key = new Key.Entity(w.id(), "door");
        LogPosition beforeCreation = w.saveWorldState(Json.object()).position();
        Saved v1 = w.saveEntity(Json.parse("{\"id\":\"door\",\"open\":false}"));
        Saved v2 = w.patchEntity("door", Json.parse("{\"open\":true}"), Condition.any());
        Saved gone = w.deleteEntity("door");

        assertTrue(store.readAsOf(key, AsOf.position(beforeCreation), ReadConsistency.OWN_WRITES).isEmpty());
        assertEquals(Json.parse("{\"id\":\"door\",\"open\":false}"),
                store.readAsOf(key, AsOf.position(v1.position()), ReadConsistency.OWN_WRITES).orElseThrow().value());
        assertEquals(v2.version(), store.readAsOf(key, AsOf.position(new LogPosition(v2.position().partition(),
                gone.version() - 1)), ReadConsistency.OWN_WRITES).orElseThrow().version());
        assertTrue(store.readAsOf(key, AsOf.position(gone.position()), ReadConsistency.OWN_WRITES).isEmpty());
        assertTrue(store.readAsOf(key, AsOf.time(Instant.now().plusSeconds(60)), ReadConsistency.OWN_WRITES).isEmpty());
        assertTrue(store.readAsOf(key, AsOf.time(Instant.EPOCH), ReadConsistency.OWN_WRITES).isEmpty());
    }

    @Test
    void worldSnapshotAtSeveralPointsEqualsAnIndependentReplay() {
        World w = store.world(TestKafka.uniqueName("w"));
        Random random = new Random(42);
        Map<String, JsonNode> model = new TreeMap<>();
        Map<LogPosition, Map<String, JsonNode>> expectedAt = new LinkedHashMap<>();
        Saved last = w.saveAppData("app", null, "start", Json.parse("[0]"));
        model.put("app_storage/-/start", Json.parse("[0]"));
        for (int i = 0; i < 300; i++) {
            int kind = random.nextInt(4);
            String id = "k" + random.nextInt(12);
            Saved s;
            String modelKey;
            if (kind == 0) {
                JsonNode v = Json.object().put("id", id).put("i", i);
                s = w.saveEntity(v);
                modelKey = "entity_states/" + id;
                model.put(modelKey, v);
            } else if (kind == 1) {
                JsonNode patch = Json.object().put("f" + random.nextInt(3), i);
                s = w.patchPlayerState(id, patch, Condition.any());
                modelKey = "player_states/" + id;
                model.put(modelKey, MergePatch.apply(model.get(modelKey), patch));
            } else if (kind == 2) {
                // a delete of an absent entity changes nothing: no event, so the model's last position stands
                boolean present = model.remove("entity_states/" + id) != null;
                try {
                    s = w.deleteEntity(id);
                    assertTrue(present, id);
                } catch (KeyNotFoundException e) {
                    assertFalse(present, id);
                    s = last;
                }
            } else {
                JsonNode v = Json.parse("[" + i + "]");
                String owner = random.nextBoolean() ? null : "p1";
                s = w.saveAppData("app", owner, id, v);
                model.put("app_storage/" + (owner == null ? "-" : owner) + "/" + id, v);
            }
            last = s;
            if (i % 60 == 59) {
                expectedAt.put(s.position(), new TreeMap<>(model));
            }
        }
        for (Map.Entry<LogPosition, Map<String, JsonNode>> at : expectedAt.entrySet()) {
            Map<String, JsonNode> got = new TreeMap<>();
            store.snapshot(w.id(), AsOf.position(at.getKey()), ReadConsistency.OWN_WRITES, s -> {
                String k = switch (s.key().table()) {
                    case ENTITY_STATES -> "entity_states/" + ((Key.Entity) s.key()).entityId();
                    case PLAYER_STATES -> "player_states/" + ((Key.PlayerState) s.key()).playerId();
                    default -> {
                        Key.AppData a = (Key.AppData) s.key();
                        yield "app_storage/" + (a.playerId() == null ? "-" : a.playerId()) + "/" + a.key();
                    }
                };
                assertFalse(got.containsKey(k), "key listed twice: " + k);
                got.put(k, s.value());
            });
            assertEquals(at.getValue(), got, "world at " + at.getKey());
        }
    }

    @Test
    void restoreRollsAWorldBackWithNewAuditedEvents() {
        World w = store.world(TestKafka.uniqueName("w"));
        w.saveEntity(Json.parse("{\"id\":\"keep\",\"v\":1}"));
        w.saveEntity(Json.parse("{\"id\":\"changed\",\"v\":1}"));
        Saved good = w.saveWorldState(Json.parse("{\"deploy\":\"good\"}"));
        // the bad deploy
        w.saveEntity(Json.parse("{\"id\":\"changed\",\"v\":2}"));
        w.saveEntity(Json.parse("{\"id\":\"added\",\"v\":2}"));
        w.saveWorldState(Json.parse("{\"deploy\":\"bad\"}"));

        WorldStore.RestoreResult r = store.restoreWorld(w.id(), AsOf.position(good.position()), "ops@rollback");

        assertEquals(new WorldStore.RestoreResult(2, 1, 1, 0), r);
        assertEquals(1, w.loadEntity("changed").orElseThrow().get("v").asInt());
        assertTrue(w.loadEntity("added").isEmpty());
        assertEquals("good", w.loadWorldState().orElseThrow().get("deploy").asText());
        HistoryEntry last = store.history(new Key.Entity(w.id(), "added"), Long.MAX_VALUE, 1, false, ReadConsistency.OWN_WRITES)
                .items().get(0);
        assertEquals(Op.DELETE, last.op());
        assertEquals("ops@rollback", last.actor());
        assertEquals(2, store.history(new Key.Entity(w.id(), "added"), Long.MAX_VALUE, 10, false, ReadConsistency.OWN_WRITES)
                .items().size());
    }

    @Test
    void auditLogListsAWorldsChangesInLogOrderFromATime() {
        World w = store.world(TestKafka.uniqueName("w"));
        Saved first = w.saveWorldState(Json.object().put("n", 1));
        w.saveEntity(Json.object().put("id", "e"));
        Saved last = w.deleteEntity("e");
        Instant createdAt = store.history(new Key.WorldState(w.id()), Long.MAX_VALUE, 1, false, ReadConsistency.OWN_WRITES)
                .items().get(0).timestamp();
        dev.worldstore.LogPosition from = store.positionAt(w.id(), createdAt);
        assertTrue(from.offset() <= first.version());
        List<dev.worldstore.ChangeRecord> got = new ArrayList<>();
        try (dev.worldstore.ChangeFeed feed = store.changesFrom(w.id(), first.position())) {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (got.size() < 3 && System.nanoTime() < deadline) {
                got.addAll(feed.poll(java.time.Duration.ofSeconds(1)));
            }
        }
        assertEquals(List.of(Op.PUT, Op.PUT, Op.DELETE), got.stream().map(dev.worldstore.ChangeRecord::op).toList());
        assertEquals(last.version(), got.get(2).version());
        assertEquals(store.endOf(w.id()).offset() - 1, last.version());
    }
}
