package dev.worldstore.projector;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.ChangeFeed;
import dev.worldstore.ChangeRecord;
import dev.worldstore.Condition;
import dev.worldstore.ConflictException;
import dev.worldstore.DeadLetter;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.Op;
import dev.worldstore.Page;
import dev.worldstore.PlayerRecord;
import dev.worldstore.ProjectorState;
import dev.worldstore.ReadConsistency;
import dev.worldstore.Saved;
import dev.worldstore.Scan;
import dev.worldstore.StoreClosedException;
import dev.worldstore.UsernameTakenException;
import dev.worldstore.World;
import dev.worldstore.WorldStore;
import dev.worldstore.Json;
import dev.worldstore.testing.TestKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The projector's guarantees on a real broker and RocksDB. */
class ProjectorIT {

    @TempDir
    Path tmp;

    @Test
    void restartResumesFromStoredOffsetsAndKeepsVersions() {
        try (StoreFixture fixture = new StoreFixture()) {
            Path dir = tmp.resolve("node");
            String worldId = TestKafka.uniqueName("w");
            WorldStore first = fixture.open(dir);
            Saved s1 = first.world(worldId).savePlayerState("p", Json.object().put("hp", 1));
            first.world(worldId).saveEntity(Json.object().put("id", "e"));
            first.close();
            first.close(); // idempotent

            // another node writes while the first is down
            WorldStore other = fixture.open();
            Saved s2 = other.world(worldId).savePlayerState("q", Json.object().put("hp", 2));

            WorldStore again = fixture.open(dir);
            // a restarted node has no own writes; whether the first node applied p before it closed or this one
            // re-applies it from its stored offsets, it is there once the projection reaches p's position
            assertEquals(s1.version(), again.read(new Key.PlayerState(worldId, "p"), ReadConsistency.atLeast(s1.position()))
                    .orElseThrow().version());
            assertEquals(2, again.read(new Key.PlayerState(worldId, "q"), ReadConsistency.atLeast(s2.position()))
                    .orElseThrow().value().get("hp").asInt());
            assertEquals(2, again.world(worldId).loadEntities().size() + 1);
            assertThrows(StoreClosedException.class, () -> first.world(worldId).loadPlayerState("p"));
        }
    }

    @Test
    void aFreshNodeRebuildsTheSameStateFromTheLog() {
        try (StoreFixture fixture = new StoreFixture()) {
            WorldStore writer = fixture.open();
            World w = writer.world(TestKafka.uniqueName("w"));
            for (int i = 0; i < 200; i++) {
                w.patchPlayerState("p" + (i % 7), Json.object().put("f" + (i % 3), i), Condition.any());
            }
            Saved last = w.deletePlayerState("p0", Condition.any());
            WorldStore fresh = fixture.open();
            Page a = writer.scan(new Scan(new Scan.PlayerStates(w.id()), null, 100), ReadConsistency.OWN_WRITES);
            Page b = fresh.scan(new Scan(new Scan.PlayerStates(w.id()), null, 100), ReadConsistency.atLeast(last.position()));
            assertEquals(6, a.items().size());
            assertEquals(a, b);
        }
    }

    @Test
    void aFreshNodeProjectsRecordsLargerThanWhatItFetchesOfAPartitionAtOnce() {
        try (StoreFixture fixture = new StoreFixture()) {
            // given: values of incompressible text larger than a projector's fetch of one partition,
            // in six worlds (so on several partitions), each between small saves
            WorldStore writer = fixture.open();
            java.util.Random random = new java.util.Random(42);
            List<String> worlds = new ArrayList<>();
            List<String> blobs = new ArrayList<>();
            Saved last = null;
            for (int i = 0; i < 6; i++) {
                World w = writer.world(TestKafka.uniqueName("big" + i));
                byte[] noise = new byte[KafkaClients.BULK_PARTITION_FETCH_BYTES + 512 * 1024];
                random.nextBytes(noise);
                String blob = java.util.Base64.getEncoder().encodeToString(noise);
                w.savePlayerState("before", Json.object().put("n", i));
                w.savePlayerState("big", Json.object().put("blob", blob));
                last = w.savePlayerState("after", Json.object().put("n", i));
                worlds.add(w.id());
                blobs.add(blob);
            }

            // when: a fresh node catches up on the log
            WorldStore fresh = fixture.open();

            // then: it has applied every record, the large ones whole
            ReadConsistency upToLast = ReadConsistency.atLeast(last.position());
            for (int i = 0; i < worlds.size(); i++) {
                assertEquals(blobs.get(i), fresh.read(new Key.PlayerState(worlds.get(i), "big"), upToLast).orElseThrow().value()
                        .get("blob").asText(), "world " + i);
                assertEquals(i, fresh.read(new Key.PlayerState(worlds.get(i), "after"), upToLast).orElseThrow().value().get("n")
                        .asInt());
            }
        }
    }

    @Test
    void poisonRecordsAreDeadLetteredAndSkipped() throws Exception {
        try (StoreFixture fixture = new StoreFixture()) {
            WorldStore store = fixture.open();
            String worldId = TestKafka.uniqueName("w");
            int partitions = store.operations().partitions();
            int partition = EventCodec.partitionFor(worldId, partitions);
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, fixture.bootstrapServers());
            try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                // no headers at all
                raw.send(new ProducerRecord<>(fixture.topic(), partition, worldId.getBytes(StandardCharsets.UTF_8),
                        "{not json".getBytes(StandardCharsets.UTF_8))).get();
                // valid headers, payload not JSON
                ProducerRecord<byte[], byte[]> badJson = new ProducerRecord<>(fixture.topic(), partition,
                        worldId.getBytes(StandardCharsets.UTF_8), "{\"a\":".getBytes(StandardCharsets.UTF_8));
                for (String[] h : new String[][] {{"ws.id", "x1"}, {"ws.table", "player_states"}, {"ws.world", worldId},
                        {"ws.key", "p"}, {"ws.op", "put"}}) {
                    badJson.headers().add(h[0], h[1].getBytes(StandardCharsets.UTF_8));
                }
                raw.send(badJson).get();
            }
            Saved after = store.world(worldId).savePlayerState("p", Json.object().put("ok", true));
            assertTrue(store.world(worldId).loadPlayerState("p").orElseThrow().get("ok").asBoolean());
            List<DeadLetter> letters = store.deadLetters(10);
            assertEquals(2, letters.size());
            assertTrue(letters.get(0).reason().contains("JSON"), letters.get(0).reason());
            assertTrue(letters.get(1).reason().contains("missing header"), letters.get(1).reason());
            assertEquals("{not json", new String(letters.get(1).value(), StandardCharsets.UTF_8));
            assertTrue(after.position().offset() > letters.get(0).position().offset());
            assertEquals(ProjectorState.LIVE, store.projectorState());
        }
    }

    @Test
    void concurrentRegistrationsOfOneUsernameHaveExactlyOneWinnerOnEveryNode() throws Exception {
        try (StoreFixture fixture = new StoreFixture()) {
            WorldStore a = fixture.open();
            WorldStore b = fixture.open();
            String name = TestKafka.uniqueName("Zed");
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                List<Future<PlayerRecord>> attempts = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    WorldStore node = i % 2 == 0 ? a : b;
                    String variant = i % 3 == 0 ? name.toUpperCase(java.util.Locale.ROOT) : name;
                    Callable<PlayerRecord> register = () -> node.registerPlayer(null, variant);
                    attempts.add(pool.submit(register));
                }
                List<PlayerRecord> winners = new ArrayList<>();
                int taken = 0;
                for (Future<PlayerRecord> f : attempts) {
                    try {
                        winners.add(f.get());
                    } catch (java.util.concurrent.ExecutionException e) {
                        assertTrue(e.getCause() instanceof UsernameTakenException, e.getCause().toString());
                        taken++;
                    }
                }
                assertEquals(1, winners.size());
                assertEquals(15, taken);
                String winner = winners.get(0).id();
                assertEquals(winner, a.playerByUsername(name).orElseThrow().id());
                await().atMost(Duration.ofSeconds(10)).until(() -> b.playerByUsername(name).isPresent());
                assertEquals(winner, b.playerByUsername(name).orElseThrow().id());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void changeFeedResumesWithoutGapsOrDuplicatesAndSkipsRefusedWrites() {
        try (StoreFixture fixture = new StoreFixture()) {
            WorldStore store = fixture.open();
            World w = store.world(TestKafka.uniqueName("w"));
            World noise = store.world(TestKafka.uniqueName("other"));
            LogPosition start = w.savePlayerState("p", Json.object().put("n", 0)).position();
            List<Long> written = new ArrayList<>();
            for (int i = 1; i <= 30; i++) {
                written.add(w.savePlayerState("p", Json.object().put("n", i)).version());
                noise.savePlayerState("x", Json.object().put("n", i));
                if (i == 10) {
                    assertThrows(ConflictException.class, () -> w.savePlayerState("p", Json.object(), Condition.version(0)));
                }
            }
            List<ChangeRecord> got = new ArrayList<>();
            LogPosition resume;
            try (ChangeFeed feed = store.changes(w.id(), start)) {
                pollUntil(feed, got, 12);
                resume = got.get(11).position();
            }
            List<ChangeRecord> all = new ArrayList<>(got.subList(0, 12));
            try (ChangeFeed feed = store.changes(w.id(), resume)) {
                pollUntil(feed, all, 30);
                assertTrue(feed.poll(Duration.ofMillis(200)).isEmpty());
            }
            assertEquals(written, all.stream().map(ChangeRecord::version).toList());
            Set<String> ids = new HashSet<>();
            all.forEach(r -> assertTrue(ids.add(r.eventId())));
            assertTrue(all.stream().allMatch(r -> r.op() == Op.PUT && r.key().worldId().equals(w.id())));
            assertEquals(1, all.get(0).payload().get("n").asInt());
        }
    }

    @Test
    void liveFeedDeliversChangesSavedAfterItOpened() {
        try (StoreFixture fixture = new StoreFixture()) {
            WorldStore store = fixture.open();
            World w = store.world(TestKafka.uniqueName("w"));
            w.saveWorldState(Json.object().put("before", true));
            try (ChangeFeed feed = store.changes(w.id(), null)) {
                Saved s = w.saveWorldState(Json.object().put("after", true));
                List<ChangeRecord> got = new ArrayList<>();
                pollUntil(feed, got, 1);
                assertEquals(1, got.size());
                assertEquals(s.version(), got.get(0).version());
                assertNull(got.get(0).actor());
                assertFalse(got.get(0).payload().has("before"));
            }
        }
    }

    /** Polls until {@code into} holds {@code n} changes; fails after 30 s instead of hanging. */
    private static void pollUntil(ChangeFeed feed, List<ChangeRecord> into, int n) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (into.size() < n) {
            assertTrue(System.nanoTime() < deadline, "feed delivered only " + into.size() + " of " + n + " changes in 30 s");
            into.addAll(feed.poll(Duration.ofSeconds(1)));
        }
    }
}
