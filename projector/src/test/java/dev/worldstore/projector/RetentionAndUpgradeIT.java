package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.AsOf;
import dev.worldstore.Condition;
import dev.worldstore.HistoryEntry;
import dev.worldstore.Key;
import dev.worldstore.Op;
import dev.worldstore.ReadConsistency;
import dev.worldstore.Saved;
import dev.worldstore.Stored;
import dev.worldstore.Table;
import dev.worldstore.Upgraders;
import dev.worldstore.World;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.Json;
import dev.worldstore.testing.TestKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Expiry as audited deletes, history bounds, and data-format upgraders applied to old events. */
class RetentionAndUpgradeIT {
    /** Format 2 of player states renames {@code hp} to {@code health}. */
    private static Upgraders hpRenamedToHealth() {
        return Upgraders.builder().add(Table.PLAYER_STATES, 1, v -> {
            ObjectNode o = (ObjectNode) v;
            o.set("health", o.remove("hp"));
            return o;
        }).build();
    }

    @TempDir
    Path tmp;

    /** A clock the test moves by hand. */
    static final class TestClock extends Clock {
        private volatile Instant now = Instant.parse("2026-11-24T14:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void staleEntitiesAndAppDataExpireAsAuditedDeletes() {
        try (StoreFixture fixture = new StoreFixture().with("retention.entity.ttl.ms", "3600000")
                .with("retention.app.ttl.ms", "3600000")) {
            TestClock clock = new TestClock();
            WorldStore store = WorldStores.open(fixture.config(tmp.resolve("n")), new SimpleMeterRegistry(),
                    clock);
            try {
                World w = store.world(TestKafka.uniqueName("w"));
                w.saveEntity(Json.object().put("id", "old"));
                w.saveAppData("app", null, "old", Json.parse("1"));
                clock.advance(Duration.ofMinutes(90));
                w.saveEntity(Json.object().put("id", "fresh"));
                assertTrue(w.loadEntity("fresh").isPresent()); // the sweep reads the projection: let it catch up

                int sent = store.operations().sweepRetention();
                assertTrue(sent >= 2, "expiry deletes sent: " + sent);
                Saved barrier = w.saveWorldState(Json.object());
                store.awaitPosition(barrier.position(), Duration.ofSeconds(10));

                assertTrue(w.loadEntity("old").isEmpty());
                assertTrue(w.loadAppData("app", null, "old").isEmpty());
                assertTrue(w.loadEntity("fresh").isPresent());
                List<HistoryEntry> h = store.history(new Key.Entity(w.id(), "old"), Long.MAX_VALUE, 10, false,
                        ReadConsistency.OWN_WRITES).items();
                assertEquals(2, h.size());
                assertEquals(Op.DELETE, h.get(0).op());
                assertEquals("worldstore:expiry", h.get(0).actor());
            } finally {
                store.close();
            }
        }
    }

    @Test
    void historyIsBoundedByCountKeepingTheNewest() {
        try (StoreFixture fixture = new StoreFixture().with("retention.history.max.versions", "3")) {
            WorldStore store = fixture.open(tmp.resolve("n"));
            World w = store.world(TestKafka.uniqueName("w"));
            Saved last = null;
            for (int i = 0; i < 10; i++) {
                last = w.saveWorldState(Json.object().put("i", i));
            }
            store.read(new Key.WorldState(w.id()));
            store.operations().sweepRetention();
            List<HistoryEntry> h = store.history(new Key.WorldState(w.id()), Long.MAX_VALUE, 100, true, ReadConsistency.OWN_WRITES)
                    .items();
            assertEquals(3, h.size());
            assertEquals(last.version(), h.get(0).version());
            assertEquals(9, w.loadWorldState().orElseThrow().get("i").asInt());
        }
    }

    @Test
    void historyPruningKeepsThePutThatLaterPatchesBuildOn() {
        try (StoreFixture fixture = new StoreFixture().with("retention.history.max.versions", "2")) {
            WorldStore store = fixture.open(tmp.resolve("n"));
            World w = store.world(TestKafka.uniqueName("w"));
            w.savePlayerState("p", Json.parse("{\"a\":0}"));
            for (int i = 1; i <= 4; i++) {
                w.patchPlayerState("p", Json.object().put("a", i), Condition.any());
            }
            w.savePlayerState("p", Json.parse("{\"b\":0}"));
            for (int i = 1; i <= 3; i++) {
                w.patchPlayerState("p", Json.object().put("b", i), Condition.any());
            }
            store.read(new Key.PlayerState(w.id(), "p"));
            store.operations().sweepRetention();
            List<HistoryEntry> h = store.history(new Key.PlayerState(w.id(), "p"), Long.MAX_VALUE, 100, true,
                    ReadConsistency.OWN_WRITES).items();
            assertEquals(List.of(Op.MERGE, Op.MERGE, Op.MERGE, Op.PUT), h.stream().map(HistoryEntry::op).toList());
            assertEquals(w.loadPlayerState("p").orElseThrow(), h.get(0).result());
        }
    }

    @Test
    void upgradersBringOldEventsToTheNewShape() {
        try (StoreFixture fixture = new StoreFixture()) {
            Path dir = tmp.resolve("n");
            String worldId = TestKafka.uniqueName("w");
            WorldStore v1 = fixture.open(dir);
            Saved old = v1.world(worldId).savePlayerState("p", Json.parse("{\"hp\":7,\"mana\":1}"));
            v1.close();

            Upgraders upgraders = hpRenamedToHealth();
            WorldStore v2 = WorldStores.open(fixture.config(dir), new SimpleMeterRegistry(), Clock.systemUTC(), upgraders);
            try {
                World w = v2.world(worldId);
                Stored loaded = v2.read(new Key.PlayerState(worldId, "p"), ReadConsistency.atLeast(old.position())).orElseThrow();
                assertEquals(Json.parse("{\"mana\":1,\"health\":7}"), loaded.value());
                assertEquals(2, loaded.formatVersion());
                assertEquals(old.version(), loaded.version());
                // a format-2 patch applies to the upgraded value
                w.patchPlayerState("p", Json.parse("{\"health\":8}"), Condition.any());
                assertEquals(Json.parse("{\"mana\":1,\"health\":8}"), w.loadPlayerState("p").orElseThrow());
                // and the past reads in the new shape too
                assertEquals(Json.parse("{\"mana\":1,\"health\":7}"),
                        v2.readAsOf(new Key.PlayerState(worldId, "p"), AsOf.position(old.position()), ReadConsistency.OWN_WRITES)
                                .orElseThrow().value());
            } finally {
                v2.close();
            }
        }
    }

    @Test
    void aRebuildWithTheNodesUpgradersEqualsTheLiveProjection() {
        try (StoreFixture fixture = new StoreFixture()) {
            // given: format-1 values written by a node without upgraders
            Path dataDir = tmp.resolve("node");
            String worldId = TestKafka.uniqueName("w");
            int players = 6;
            WorldStore v1 = fixture.open(dataDir);
            for (int i = 0; i < players; i++) {
                v1.world(worldId).savePlayerState("p" + i, Json.object().put("hp", i).put("mana", 1));
            }
            v1.close();
            // and format-2 patches applied by the same node reopened with an upgrader, so it upgrades the values before patching
            Upgraders upgraders = hpRenamedToHealth();
            WorldStore v2 = WorldStores.open(fixture.config(dataDir), new SimpleMeterRegistry(), Clock.systemUTC(), upgraders);
            WorldStoreConfig config;
            try {
                World w = v2.world(worldId);
                Saved last = null;
                for (int i = 0; i < players; i++) {
                    last = w.patchPlayerState("p" + i, Json.object().put("health", 100 + i), Condition.any());
                }
                v2.awaitPosition(last.position(), Duration.ofSeconds(30));
                Stored live = v2.read(new Key.PlayerState(worldId, "p3"), ReadConsistency.atLeast(last.position())).orElseThrow();
                assertEquals(Json.parse("{\"mana\":1,\"health\":103}"), live.value());
                config = v2.operations().config();
            } finally {
                v2.close();
            }

            // when: the log is rebuilt with the node's upgraders, and without them
            Path withUpgraders = tmp.resolve("rebuilt-with-upgraders");
            ProjectionTools.Run run = ProjectionTools.rebuild(config, upgraders, withUpgraders, n -> { });
            Path withoutUpgraders = tmp.resolve("rebuilt-without-upgraders");
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> ProjectionTools.rebuild(config, withoutUpgraders, n -> { }));

            // then: with them it is the live projection byte for byte; without them the rebuild stops at the first
            // format-2 patch it cannot compute, rather than build a projection that differs from the live one
            assertEquals(2L * players, run.events(), "every event of the log is applied once");
            assertEquals(Optional.empty(), ProjectionTools.compare(config, dataDir.resolve("projection"), withUpgraders));
            assertTrue(refused.getMessage().contains("player_states in data format 2, newer than this node knows (1)"),
                    refused.getMessage());
        }
    }
}
