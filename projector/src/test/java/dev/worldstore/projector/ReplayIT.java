package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.AsOf;
import dev.worldstore.Condition;
import dev.worldstore.Key;
import dev.worldstore.ReadConsistency;
import dev.worldstore.Saved;
import dev.worldstore.Stored;
import dev.worldstore.World;
import dev.worldstore.WorldStore;
import dev.worldstore.Json;
import dev.worldstore.testing.TestKafka;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replays from the log, with and without snapshots, and rebuilds, against the live projection. */
class ReplayIT {

    @TempDir
    Path tmp;

    private static Map<String, JsonNode> collect(java.util.function.Consumer<java.util.function.Consumer<Stored>> source) {
        Map<String, JsonNode> m = new TreeMap<>();
        source.accept(s -> m.put(s.key().toString(), s.value()));
        return m;
    }

    private static void writeSome(World w, int from, int to) {
        for (int i = from; i < to; i++) {
            w.saveEntity(Json.object().put("id", "e" + (i % 40)).put("i", i));
            w.patchPlayerState("p" + (i % 9), Json.object().put("f" + (i % 4), i), Condition.any());
            if (i % 10 == 0) {
                w.deleteEntity("e" + (i % 40));
                w.saveAppData("app", i % 20 == 0 ? null : "p1", "k" + (i % 5), Json.parse("[" + i + "]"));
            }
        }
        w.saveWorldState(Json.object().put("upTo", to));
    }

    @Test
    void snapshotBasedReplayEqualsFullReplayAndTheLiveHistory() {
        try (StoreFixture fixture = new StoreFixture()) {
            Path dataDir = tmp.resolve("node");
            WorldStore store = fixture.open(dataDir);
            World w = store.world(TestKafka.uniqueName("w"));
            writeSome(w, 0, 300);
            store.read(new Key.WorldState(w.id()));
            Path snapshot = store.operations().takeSnapshot();
            writeSome(w, 300, 400);
            Saved at = w.saveEntity(Json.object().put("id", "last"));
            writeSome(w, 400, 450);
            store.read(new Key.WorldState(w.id()));

            AsOf asOf = AsOf.position(at.position());
            Map<String, JsonNode> live = collect(sink -> store.snapshot(w.id(), asOf, ReadConsistency.OWN_WRITES, sink));
            long[] fullEvents = new long[1];
            Map<String, JsonNode> full = collect(sink -> fullEvents[0] = ProjectionTools.replayWorld(store.operations().config(), w.id(), asOf,
                    false, sink, n -> { }).events());
            ProjectionTools.Run[] viaSnapshot = new ProjectionTools.Run[1];
            Map<String, JsonNode> fromSnapshot = collect(sink -> viaSnapshot[0] = ProjectionTools.replayWorld(store.operations().config(), w.id(),
                    asOf, true, sink, n -> { }));

            assertTrue(live.size() > 40, "world has content: " + live.size());
            assertEquals(live, full);
            assertEquals(live, fromSnapshot);
            assertEquals(snapshot, viaSnapshot[0].startedFrom());
            assertTrue(viaSnapshot[0].events() < fullEvents[0] / 2,
                    "snapshot replay applied " + viaSnapshot[0].events() + " of " + fullEvents[0] + " events");
        }
    }

    @Test
    void replayBeforeEverySnapshotStartsFromTheLogAndSeesTheOldWorld() {
        try (StoreFixture fixture = new StoreFixture()) {
            WorldStore store = fixture.open(tmp.resolve("node"));
            World w = store.world(TestKafka.uniqueName("w"));
            Saved early = w.saveWorldState(Json.object().put("era", "old"));
            writeSome(w, 0, 50);
            store.read(new Key.WorldState(w.id()));
            store.operations().takeSnapshot();
            Map<String, JsonNode> replayed = new TreeMap<>();
            ProjectionTools.Run run = ProjectionTools.replayWorld(store.operations().config(), w.id(), AsOf.position(early.position()), true,
                    s -> replayed.put(s.key().toString(), s.value()), n -> { });
            assertNull(run.startedFrom());
            assertEquals(Map.of(new Key.WorldState(w.id()).toString(), Json.object().put("era", "old")), replayed);
        }
    }

    @Test
    void rebuildProducesAByteIdenticalProjection() {
        try (StoreFixture fixture = new StoreFixture()) {
            Path dataDir = tmp.resolve("node");
            WorldStore store = fixture.open(dataDir);
            World a = store.world(TestKafka.uniqueName("a"));
            World b = store.world(TestKafka.uniqueName("b"));
            writeSome(a, 0, 120);
            writeSome(b, 0, 80);
            store.registerPlayer(null, TestKafka.uniqueName("rebuilder"));
            store.player("nobody");
            WorldStore engine = store;
            var config = engine.operations().config();
            store.close();

            Path rebuilt = tmp.resolve("rebuilt");
            ProjectionTools.Run run = ProjectionTools.rebuild(config, rebuilt, n -> { });
            assertEquals(443, run.events(), "every event of the log is applied once");
            Optional<String> difference = ProjectionTools.compare(config, dataDir.resolve("projection"), rebuilt);
            assertEquals(Optional.empty(), difference);
            assertNotNull(run);
        }
    }
}
