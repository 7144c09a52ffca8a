package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.AsOf;
import dev.worldstore.Batch;
import dev.worldstore.BatchConflictException;
import dev.worldstore.BatchSaved;
import dev.worldstore.Change;
import dev.worldstore.ChangeFeed;
import dev.worldstore.ChangeRecord;
import dev.worldstore.Condition;
import dev.worldstore.ErrorCode;
import dev.worldstore.ForkResult;
import dev.worldstore.HistoryEntry;
import dev.worldstore.HistoryPage;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.Op;
import dev.worldstore.PlayerData;
import dev.worldstore.ReadConsistency;
import dev.worldstore.Saved;
import dev.worldstore.Stored;
import dev.worldstore.ValidationException;
import dev.worldstore.World;
import dev.worldstore.WorldExistsException;
import dev.worldstore.WorldStore;
import dev.worldstore.testing.TestKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * World transactions ({@link Batch}) on a real broker and real RocksDB: all or nothing at one log
 * position, seen whole by loads, history, {@code asOf}, snapshots, the change feed, consistent
 * multi-key reads, forks, racing nodes and a node killed mid-stream.
 */
class WorldTransactionsIT {
    /**
     * How long the two-node trading test trades. The issue asks 20 s; CI runs 8 s to stay short.
     * Run longer with {@code -Dworldstore.it.tradeSeconds=20}.
     */
    private static final int TRADE_SECONDS = Integer.getInteger("worldstore.it.tradeSeconds", 8);

    private static StoreFixture fixture;
    private static WorldStore store;

    @TempDir
    Path tmp;

    @BeforeAll
    static void open() {
        fixture = new StoreFixture();
        store = fixture.open();
    }

    @AfterAll
    static void close() {
        fixture.close();
    }

    private static World newWorld(String prefix) {
        return store.world(TestKafka.uniqueName(prefix));
    }

    // ---- 1. round trip ------------------------------------------------------------------------------

    @Test
    void aCommittedBatchAppliesEveryChangeAtOnePositionWithTheBatchActorInEachKeysHistory() {
        // given a world with a player to patch and an entity to delete
        World w = newWorld("trip");
        w.savePlayerState("bob", Json.parse("{\"hp\":10,\"mana\":5}"));
        w.saveEntity(Json.parse("{\"id\":\"old-door\"}"));
        List<Key> keys = List.of(new Key.PlayerState(w.id(), "alice"), new Key.PlayerState(w.id(), "bob"),
                new Key.Entity(w.id(), "chest"), new Key.Entity(w.id(), "old-door"), new Key.WorldState(w.id()),
                new Key.AppData(w.id(), "inventory", "alice", "bag"), new Key.AppData(w.id(), "inventory", null, "shop"));
        List<Op> ops = List.of(Op.PUT, Op.MERGE, Op.PUT, Op.DELETE, Op.PUT, Op.PUT, Op.PUT);

        // when one batch puts, merges and deletes across every table
        BatchSaved saved = w.batch().actor("quest-server")
                .savePlayerState("alice", Json.parse("{\"hp\":7,\"position\":[1,2,3]}"), Condition.absent())
                .patchPlayerState("bob", Json.parse("{\"hp\":9}"), Condition.any())
                .saveEntity(Json.parse("{\"id\":\"chest\",\"items\":3}"), Condition.any())
                .deleteEntity("old-door", Condition.any())
                .saveWorldState(Json.parse("{\"weather\":\"rain\"}"), Condition.any())
                .saveAppData("inventory", "alice", "bag", Json.parse("{\"gold\":5}"), Condition.any())
                .saveAppData("inventory", null, "shop", Json.parse("{\"open\":true}"), Condition.any())
                .commit();

        // then the batch has one position and every key's version is its offset
        LogPosition at = saved.position();
        assertEquals(store.operations().partitionOf(w.id()), at.partition());
        assertEquals(keys.size(), saved.saved().size());
        for (Saved s : saved.saved()) {
            assertEquals(at, s.position());
            assertEquals(at.offset(), s.version());
        }
        // and loads return the values
        assertEquals(Json.parse("{\"hp\":7,\"position\":[1,2,3]}"), w.loadPlayerState("alice").orElseThrow());
        assertEquals(Json.parse("{\"hp\":9,\"mana\":5}"), w.loadPlayerState("bob").orElseThrow());
        assertEquals(Json.parse("{\"id\":\"chest\",\"items\":3}"), w.loadEntity("chest").orElseThrow());
        assertTrue(w.loadEntity("old-door").isEmpty());
        assertEquals(Json.parse("{\"weather\":\"rain\"}"), w.loadWorldState().orElseThrow());
        assertEquals(Json.parse("{\"gold\":5}"), w.loadAppData("inventory", "alice", "bag").orElseThrow());
        assertEquals(Json.parse("{\"open\":true}"), w.loadAppData("inventory", null, "shop").orElseThrow());
        List<Optional<Stored>> current = w.readMany(keys);
        for (int i = 0; i < keys.size(); i++) {
            if (ops.get(i) == Op.DELETE) {
                assertTrue(current.get(i).isEmpty(), "deleted " + keys.get(i));
            } else {
                assertEquals(at.offset(), current.get(i).orElseThrow().version(), "version of " + keys.get(i));
                assertEquals("quest-server", current.get(i).orElseThrow().actor(), "actor of " + keys.get(i));
            }
        }
        // and every key's history has an entry at that version, with the batch's actor, op and one timestamp
        Set<Instant> timestamps = new HashSet<>();
        for (int i = 0; i < keys.size(); i++) {
            HistoryEntry newest = store.history(keys.get(i), Long.MAX_VALUE, 1, true, ReadConsistency.OWN_WRITES).items().get(0);
            assertEquals(at.offset(), newest.version(), "history version of " + keys.get(i));
            assertEquals("quest-server", newest.actor(), "history actor of " + keys.get(i));
            assertEquals(ops.get(i), newest.op(), "history op of " + keys.get(i));
            assertEquals(store.nodeId(), newest.origin());
            timestamps.add(newest.timestamp());
        }
        assertEquals(1, timestamps.size(), "one event, one timestamp: " + timestamps);
        HistoryEntry bob = store.history(keys.get(1), Long.MAX_VALUE, 1, true, ReadConsistency.OWN_WRITES).items().get(0);
        assertEquals(Json.parse("{\"hp\":9}"), bob.change());
        assertEquals(Json.parse("{\"hp\":9,\"mana\":5}"), bob.result());
    }

    // ---- 2. conflicts ---------------------------------------------------------------------------------

    @Test
    void aBatchWhoseConditionsPartlyFailIsRefusedWholeAndListsEveryFailingChange() {
        // given keys at known versions, and keys that do not exist
        World w = newWorld("conflict");
        Saved a = w.savePlayerState("a", Json.parse("{\"n\":1}"));
        Saved b = w.savePlayerState("b", Json.parse("{\"n\":1}"));
        Saved e = w.saveEntity(Json.parse("{\"id\":\"e\",\"n\":1}"));
        Key.PlayerState ka = new Key.PlayerState(w.id(), "a");
        Key.PlayerState kb = new Key.PlayerState(w.id(), "b");
        Key.Entity ke = new Key.Entity(w.id(), "e");
        Key.AppData kNew = new Key.AppData(w.id(), "app", null, "new");
        Key.WorldState kWorld = new Key.WorldState(w.id());
        Key.PlayerState kc = new Key.PlayerState(w.id(), "c");
        List<Key> keys = List.of(ka, kb, ke, kNew, kWorld, kc);
        List<Optional<Stored>> before = w.readMany(keys);

        // when a batch holds three changes whose conditions hold and three whose conditions fail
        Batch batch = w.batch().actor("trader")
                .savePlayerState("a", Json.parse("{\"n\":2}"), Condition.version(a.version())) // holds
                .savePlayerState("b", Json.parse("{\"n\":2}"), Condition.version(a.version())) // fails: b is newer
                .saveEntity(Json.parse("{\"id\":\"e\",\"n\":2}"), Condition.absent()) // fails: e exists
                .saveAppData("app", null, "new", Json.parse("{\"n\":2}"), Condition.absent()) // holds
                .saveWorldState(Json.parse("{\"n\":2}"), Condition.version(e.version())) // fails: absent
                .patchPlayerState("c", Json.parse("{\"n\":2}"), Condition.any()); // holds
        BatchConflictException conflict = assertThrows(BatchConflictException.class, batch::commit);

        // then every failing change is listed with its key, expectation and actual version
        assertEquals(ErrorCode.BATCH_CONFLICT, conflict.code());
        assertEquals(List.of(
                new BatchConflictException.Failure(1, kb, Condition.version(a.version()), b.version()),
                new BatchConflictException.Failure(2, ke, Condition.absent(), e.version()),
                new BatchConflictException.Failure(4, kWorld, Condition.version(e.version()), null)), conflict.failures());
        // and nothing of the batch was applied: values, versions and histories are as before
        assertUnchanged(w, keys, before, a, b, e);

        // and the asynchronous commit fails the same way
        CompletionException async = assertThrows(CompletionException.class, () -> batch.commitAsync().join());
        BatchConflictException again = assertInstanceOf(BatchConflictException.class, async.getCause());
        assertEquals(conflict.failures(), again.failures());
        assertUnchanged(w, keys, before, a, b, e);
    }

    private static void assertUnchanged(World w, List<Key> keys, List<Optional<Stored>> before, Saved... saves) {
        List<Optional<Stored>> after = w.readMany(keys);
        for (int i = 0; i < keys.size(); i++) {
            assertEquals(before.get(i).map(Stored::version), after.get(i).map(Stored::version), "version of " + keys.get(i));
            assertEquals(before.get(i).map(Stored::value), after.get(i).map(Stored::value), "value of " + keys.get(i));
            List<Long> history = history(store, keys.get(i)).stream().map(HistoryEntry::version).toList();
            List<Long> expected = i < saves.length ? List.of(saves[i].version()) : List.of();
            assertEquals(expected, history, "history of " + keys.get(i));
        }
    }

    // ---- 3. validation ----------------------------------------------------------------------------------

    @Test
    void invalidBatchesAreRefusedBeforeAnythingIsAppended() {
        // given a world and where its partition's log ends
        World w = newWorld("invalid");
        Saved p = w.savePlayerState("p", Json.parse("{\"n\":1}"));
        LogPosition end = store.endOf(w.id());
        String other = TestKafka.uniqueName("other");

        // when a batch names one key twice, then the error names both changes
        ValidationException duplicate = assertThrows(ValidationException.class, () -> w.batch()
                .savePlayerState("a", Json.object(), Condition.any())
                .saveEntity(Json.parse("{\"id\":\"e\"}"), Condition.any())
                .patchPlayerState("a", Json.object().put("n", 2), Condition.any())
                .commit());
        assertEquals("changes[2]", duplicate.field());
        assertTrue(duplicate.rule().contains("changes[0]"), duplicate.rule());
        // a key of another world
        ValidationException foreign = assertThrows(ValidationException.class, () -> w.batch()
                .savePlayerState("a", Json.object(), Condition.any())
                .add(Change.put(new Key.PlayerState(other, "a"), Json.object()))
                .commit());
        assertEquals("changes[1].key", foreign.field());
        assertTrue(foreign.rule().contains(other), foreign.rule());
        // an empty batch
        ValidationException empty = assertThrows(ValidationException.class, () -> w.batch().commit());
        assertEquals(ErrorCode.INVALID_ARGUMENT, empty.code());
        assertEquals("changes", empty.field());
        // a bad value
        ValidationException badValue = assertThrows(ValidationException.class, () -> w.batch()
                .saveWorldState(Json.object(), Condition.any())
                .savePlayerState("a", Json.parse("{\"position\":[1,2]}"), Condition.any())
                .commit());
        assertEquals(ErrorCode.INVALID_SHAPE, badValue.code());
        assertEquals("changes[1].position", badValue.field());
        // a bad id
        ValidationException badId = assertThrows(ValidationException.class, () -> w.batch()
                .savePlayerState("not an id!", Json.object(), Condition.any())
                .commit());
        assertEquals(ErrorCode.INVALID_ID, badId.code());
        assertTrue(badId.field().startsWith("changes[0]."), badId.field());
        // more changes than batch.max.changes
        Batch tooMany = w.batch();
        for (int i = 0; i <= 1000; i++) {
            tooMany.saveAppData("app", null, "k" + i, Json.object(), Condition.any());
        }
        ValidationException tooLong = assertThrows(ValidationException.class, tooMany::commit);
        assertEquals("changes", tooLong.field());
        // another actor on a change
        ValidationException actor = assertThrows(ValidationException.class, () -> w.batch().actor("me")
                .add(Change.put(new Key.PlayerState(w.id(), "a"), Json.object()).withActor("someone-else"))
                .commit());
        assertEquals("changes[0].actor", actor.field());
        // asynchronously, the future fails rather than the call
        CompletionException async = assertThrows(CompletionException.class, () -> w.batch()
                .savePlayerState("a", Json.parse("{\"position\":[1,2]}"), Condition.any()).commitAsync().join());
        assertEquals("changes[0].position", assertInstanceOf(ValidationException.class, async.getCause()).field());

        // then the log did not grow: the next event gets the position the log ended at before
        assertEquals(end, store.endOf(w.id()));
        Saved next = w.savePlayerState("p", Json.parse("{\"n\":2}"));
        assertEquals(end, next.position());
        assertEquals(List.of(next.version(), p.version()),
                history(store, new Key.PlayerState(w.id(), "p")).stream().map(HistoryEntry::version).toList());
        assertTrue(w.loadPlayerState("a").isEmpty());
    }

    // ---- 4. change feed ---------------------------------------------------------------------------------

    @Test
    void theChangeFeedDeliversABatchWholeAtOnePositionAndAResumingReaderNeverSplitsOrRepeatsIt() {
        // given a save, a batch of more changes than a feed fetches records at once, a refused batch, a save
        World w = newWorld("feed");
        Saved first = w.savePlayerState("p", Json.parse("{\"n\":0}"));
        int n = SharedFeed.MAX_RECORDS + 100;
        Batch batch = w.batch().actor("feeder");
        List<Key> batchKeys = new ArrayList<>();
        batch.saveWorldState(Json.parse("{\"n\":1}"), Condition.any());
        batchKeys.add(new Key.WorldState(w.id()));
        batch.patchPlayerState("p", Json.parse("{\"n\":1}"), Condition.version(first.version()));
        batchKeys.add(new Key.PlayerState(w.id(), "p"));
        for (int i = batchKeys.size(); i < n; i++) {
            batch.saveAppData("app", null, "k" + i, Json.object().put("i", i), Condition.absent());
            batchKeys.add(new Key.AppData(w.id(), "app", null, "k" + i));
        }
        BatchSaved saved = batch.commit();
        assertThrows(BatchConflictException.class, () -> w.batch()
                .saveEntity(Json.parse("{\"id\":\"never\"}"), Condition.any())
                .savePlayerState("p", Json.object(), Condition.version(first.version())).commit());
        Saved last = w.savePlayerState("p", Json.parse("{\"n\":2}"));

        // when a reader resumes after the save before the batch
        List<List<ChangeRecord>> polls = new ArrayList<>();
        List<ChangeRecord> got;
        try (ChangeFeed feed = store.changes(w.id(), first.position())) {
            got = pollUntil(feed, n + 1, polls);
            assertTrue(feed.poll(Duration.ofMillis(200)).isEmpty());
        }

        // then it gets the whole batch, in order, at one position, then the save after it (not the refused batch)
        assertEquals(n + 1, got.size());
        for (int i = 0; i < n; i++) {
            ChangeRecord r = got.get(i);
            assertEquals(saved.position(), r.position(), "position of change " + i);
            assertEquals(i, r.batchIndex());
            assertEquals(n, r.batchSize());
            assertTrue(r.inBatch());
            assertEquals(batchKeys.get(i), r.key());
            assertEquals("feeder", r.actor());
            assertEquals(got.get(0).eventId(), r.eventId());
        }
        assertEquals(Op.MERGE, got.get(1).op());
        assertEquals(Json.parse("{\"n\":1}"), got.get(1).payload());
        assertEquals(last.version(), got.get(n).version());
        assertFalse(got.get(n).inBatch());
        assertEquals(0, got.get(n).batchSize());
        // and the batch came in one poll, never split across two
        assertEquals(1, polls.stream().filter(l -> l.stream().anyMatch(r -> r.position().equals(saved.position()))).count());

        // when a reader resumes with the batch's position (the position of any of its changes)
        try (ChangeFeed feed = store.changes(w.id(), got.get(n / 2).position())) {
            List<ChangeRecord> rest = pollUntil(feed, 1, new ArrayList<>());
            // then it gets none of the batch again
            assertEquals(1, rest.size());
            assertEquals(last.position(), rest.get(0).position());
        }
        // and an audit reader starting at the batch (inclusive) gets it whole
        try (ChangeFeed feed = store.changesFrom(w.id(), saved.position())) {
            List<ChangeRecord> from = pollUntil(feed, n + 1, new ArrayList<>());
            assertEquals(got, from);
        }
    }

    /** Polls until {@code n} changes arrived, keeping each poll's answer in {@code polls}; fails after 30 s. */
    private static List<ChangeRecord> pollUntil(ChangeFeed feed, int n, List<List<ChangeRecord>> polls) {
        List<ChangeRecord> into = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (into.size() < n) {
            assertTrue(System.nanoTime() < deadline, "feed delivered only " + into.size() + " of " + n + " changes in 30 s");
            List<ChangeRecord> got = feed.poll(Duration.ofSeconds(1));
            if (!got.isEmpty()) {
                polls.add(got);
                into.addAll(got);
            }
        }
        return into;
    }

    // ---- 5. asOf and snapshots ------------------------------------------------------------------------

    @Test
    void asOfReadsAndSnapshotsShowABatchEntirelyOrNotAtAll() {
        // given keys with values, then one batch changing, creating and deleting several of them
        World w = newWorld("asof");
        w.savePlayerState("a", Json.parse("{\"n\":1}"));
        w.saveEntity(Json.parse("{\"id\":\"e\",\"n\":1}"));
        w.saveAppData("app", "a", "k", Json.parse("{\"n\":1}"));
        w.saveWorldState(Json.parse("{\"n\":1}"));
        BatchSaved batch = w.batch()
                .savePlayerState("a", Json.parse("{\"n\":2}"), Condition.any())
                .patchEntity("e", Json.parse("{\"n\":2}"), Condition.any())
                .deleteAppData("app", "a", "k", Condition.any())
                .saveAppData("app", null, "new", Json.parse("{\"n\":2}"), Condition.any())
                .saveWorldState(Json.parse("{\"n\":2}"), Condition.any())
                .savePlayerState("b", Json.parse("{\"n\":2}"), Condition.absent())
                .commit();
        w.savePlayerState("later", Json.parse("{\"n\":3}"));
        LogPosition at = batch.position();
        LogPosition justBefore = new LogPosition(at.partition(), at.offset() - 1);
        Map<String, JsonNode> expectedBefore = new TreeMap<>(Map.of(
                "player_states/a", Json.parse("{\"n\":1}"),
                "entity_states/e", Json.parse("{\"id\":\"e\",\"n\":1}"),
                "app_storage/app/a/k", Json.parse("{\"n\":1}"),
                "world_state", Json.parse("{\"n\":1}")));
        Map<String, JsonNode> expectedAt = new TreeMap<>(Map.of(
                "player_states/a", Json.parse("{\"n\":2}"),
                "player_states/b", Json.parse("{\"n\":2}"),
                "entity_states/e", Json.parse("{\"id\":\"e\",\"n\":2}"),
                "app_storage/app/-/new", Json.parse("{\"n\":2}"),
                "world_state", Json.parse("{\"n\":2}")));
        List<Key> keys = List.of(new Key.PlayerState(w.id(), "a"), new Key.PlayerState(w.id(), "b"), new Key.Entity(w.id(), "e"),
                new Key.AppData(w.id(), "app", "a", "k"), new Key.AppData(w.id(), "app", null, "new"), new Key.WorldState(w.id()));

        // when each key is read as of the position just before the batch and at it, then before shows none of it, at all
        for (Key k : keys) {
            assertEquals(Optional.ofNullable(expectedBefore.get(name(k))), readAsOf(k, AsOf.position(justBefore)), "before: " + k);
            assertEquals(Optional.ofNullable(expectedAt.get(name(k))), readAsOf(k, AsOf.position(at)), "at: " + k);
        }
        // and the world's snapshots agree
        assertEquals(expectedBefore, snapshot(store, w.id(), AsOf.position(justBefore)));
        assertEquals(expectedAt, snapshot(store, w.id(), AsOf.position(at)));

        // and by time: one timestamp for the whole batch, so a millisecond earlier shows none of it, at it all
        Instant stamp = store.history(keys.get(0), Long.MAX_VALUE, 1, false, ReadConsistency.OWN_WRITES).items().get(0).timestamp();
        for (Key k : keys) {
            Optional<Stored> earlier = store.readAsOf(k, AsOf.time(stamp.minusMillis(1)), ReadConsistency.OWN_WRITES);
            assertTrue(earlier.isEmpty() || earlier.get().version() < at.offset(), "a millisecond before: " + k);
        }
        Map<String, Stored> atStamp = new TreeMap<>();
        store.snapshot(w.id(), AsOf.time(stamp), ReadConsistency.OWN_WRITES, s -> atStamp.put(name(s.key()), s));
        for (String k : expectedAt.keySet()) {
            assertEquals(expectedAt.get(k), atStamp.get(k).value(), "at the batch's time: " + k);
        }
        assertFalse(atStamp.containsKey("app_storage/app/a/k"));
    }

    private static Optional<JsonNode> readAsOf(Key k, AsOf asOf) {
        return store.readAsOf(k, asOf, ReadConsistency.OWN_WRITES).map(Stored::value);
    }

    /** A key named without its world, e.g. {@code app_storage/app/-/k}: the same name in a world and its fork. */
    private static String name(Key k) {
        List<String> ids = k.ids();
        StringBuilder b = new StringBuilder(k.table().name().toLowerCase(java.util.Locale.ROOT));
        for (int i = 1; i < ids.size(); i++) {
            b.append('/').append(ids.get(i) == null ? "-" : ids.get(i));
        }
        return b.toString();
    }

    private static Map<String, JsonNode> snapshot(WorldStore node, String worldId, AsOf asOf) {
        Map<String, JsonNode> m = new TreeMap<>();
        node.snapshot(worldId, asOf, ReadConsistency.OWN_WRITES, s -> {
            assertEquals(worldId, s.key().worldId());
            assertNull(m.put(name(s.key()), s.value()), "listed twice: " + s.key());
        });
        return m;
    }

    // ---- 6. readMany and readPlayerData -------------------------------------------------------------------

    @Test
    void readManyReturnsValuesAndVersionsInRequestOrderWithMissingKeysEmpty() {
        // given keys of every table
        World w = newWorld("many");
        Saved a = w.savePlayerState("a", Json.parse("{\"n\":1}"));
        Saved e = w.saveEntity(Json.parse("{\"id\":\"e\"}"));
        Saved ws = w.saveWorldState(Json.parse("{\"n\":3}"));
        Saved app = w.saveAppData("app", "a", "k", Json.parse("[4]"));
        List<Key> keys = List.of(new Key.AppData(w.id(), "app", "a", "k"), new Key.PlayerState(w.id(), "missing"),
                new Key.WorldState(w.id()), new Key.PlayerState(w.id(), "a"), new Key.Entity(w.id(), "e"),
                new Key.AppData(w.id(), "app", null, "k"));

        // when read in one call
        List<Optional<Stored>> got = w.readMany(keys);

        // then in request order, with values and versions, the missing ones empty
        assertEquals(keys.size(), got.size());
        assertEquals(List.of(Optional.of(app.version()), Optional.empty(), Optional.of(ws.version()), Optional.of(a.version()),
                Optional.of(e.version()), Optional.empty()), got.stream().map(o -> o.map(Stored::version)).toList());
        assertEquals(List.of(Optional.of(Json.parse("[4]")), Optional.empty(), Optional.of(Json.parse("{\"n\":3}")),
                Optional.of(Json.parse("{\"n\":1}")), Optional.of(Json.parse("{\"id\":\"e\"}")), Optional.empty()),
                got.stream().map(o -> o.map(Stored::value)).toList());
        for (int i = 0; i < keys.size(); i++) {
            int at = i;
            got.get(i).ifPresent(s -> assertEquals(keys.get(at), s.key()));
        }
        // and a key of another world is refused, naming it
        ValidationException foreign = assertThrows(ValidationException.class,
                () -> w.readMany(List.of(keys.get(0), new Key.WorldState(TestKafka.uniqueName("other")))));
        assertEquals("keys[1]", foreign.field());
    }

    @Test
    void concurrentReadManyCallsAlwaysSeeAConstantSumWhileBatchesMoveUnitsBetweenTwoKeys() throws Exception {
        // given two keys holding 500 each, written by one batch
        World w = newWorld("bank");
        Key.AppData x = new Key.AppData(w.id(), "bank", null, "x");
        Key.AppData y = new Key.AppData(w.id(), "bank", null, "y");
        w.batch().saveAppData("bank", null, "x", Json.object().put("n", 500), Condition.absent())
                .saveAppData("bank", null, "y", Json.object().put("n", 500), Condition.absent()).commit();
        w.readMany(List.of(x, y));

        // when a writer commits 1,000 batches each moving one unit (64 in flight, in order), while 3 readers read both keys
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong reads = new AtomicLong();
        Set<Long> versionsSeen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        ExecutorService readers = Executors.newFixedThreadPool(3);
        List<Future<?>> running = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            running.add(readers.submit(() -> {
                while (!done.get()) {
                    List<Optional<Stored>> v = store.readMany(w.id(), List.of(x, y), ReadConsistency.LOCAL);
                    Stored sx = v.get(0).orElseThrow();
                    Stored sy = v.get(1).orElseThrow();
                    // then every read sees one state: the sum is constant, and both keys are from the same batch
                    assertEquals(1000, sx.value().get("n").asInt() + sy.value().get("n").asInt(), "sum at " + sx.version());
                    assertEquals(sx.version(), sy.version(), "both keys of one batch");
                    versionsSeen.add(sx.version());
                    reads.incrementAndGet();
                }
                return null;
            }));
        }
        int batches = 1000;
        int nx = 500;
        Semaphore inFlight = new Semaphore(64);
        BatchSaved last = null;
        try {
            for (int i = 0; i < batches; i++) {
                nx += ThreadLocalRandom.current().nextBoolean() ? 1 : -1;
                inFlight.acquire();
                java.util.concurrent.CompletableFuture<BatchSaved> f = w.batch()
                        .saveAppData("bank", null, "x", Json.object().put("n", nx), Condition.any())
                        .saveAppData("bank", null, "y", Json.object().put("n", 1000 - nx), Condition.any())
                        .commitAsync();
                f.whenComplete((s, e) -> inFlight.release());
                if (i == batches - 1) {
                    last = f.join();
                }
            }
            inFlight.acquire(64);
            store.awaitPosition(last.position(), Duration.ofSeconds(30));
        } finally {
            done.set(true);
            readers.shutdown();
        }
        for (Future<?> f : running) {
            f.get(30, TimeUnit.SECONDS);
        }
        List<Optional<Stored>> end = store.readMany(w.id(), List.of(x, y), ReadConsistency.LOCAL);
        assertEquals(nx, end.get(0).orElseThrow().value().get("n").asInt());
        assertEquals(last.position().offset(), end.get(1).orElseThrow().version());
        System.out.printf("readMany under batches: %d reads saw %d distinct batches of %d%n", reads.get(), versionsSeen.size(), batches);
        assertTrue(versionsSeen.size() > 1, "the readers ran while batches were applied");
    }

    @Test
    void readPlayerDataReturnsThePlayersStateAndOwnAppDataInEveryAppOnly() {
        // given a player with state and data in three apps, next to world-wide data and other players' data
        World w = newWorld("pdata");
        w.savePlayerState("p1", Json.parse("{\"hp\":1}"));
        w.savePlayerState("p10", Json.parse("{\"hp\":10}"));
        w.saveAppData("inventory", "p1", "bag", Json.parse("{\"gold\":1}"));
        w.saveAppData("inventory", "p1", "belt", Json.parse("[1]"));
        w.saveAppData("inventory", "p10", "bag", Json.parse("{\"gold\":10}"));
        w.saveAppData("inventory", null, "shop", Json.parse("{\"open\":true}"));
        w.saveAppData("quests", null, "board", Json.parse("{}"));
        w.saveAppData("quests", "p1", "q1", Json.parse("\"started\""));
        w.saveAppData("achievements", "p2", "first", Json.parse("true"));
        w.saveAppData("zeta", "p1", "z", Json.parse("3"));
        w.batch().saveAppData("inventory.x", "p1", "k", Json.parse("4"), Condition.any())
                .saveAppData("inventory.x", "p0", "k", Json.parse("5"), Condition.any()).commit();

        // when the player's data is read
        PlayerData data = w.loadPlayerData("p1");

        // then the state and exactly the player's app data, by app then key
        assertEquals(Json.parse("{\"hp\":1}"), data.state().orElseThrow().value());
        assertEquals(List.of("inventory/bag", "inventory/belt", "inventory.x/k", "quests/q1", "zeta/z"),
                data.appData().stream().map(s -> ((Key.AppData) s.key()).appId() + "/" + ((Key.AppData) s.key()).key()).toList());
        assertTrue(data.appData().stream().allMatch(s -> "p1".equals(((Key.AppData) s.key()).playerId())));
        assertEquals(List.of(Json.parse("{\"gold\":1}"), Json.parse("[1]"), Json.parse("4"), Json.parse("\"started\""), Json.parse("3")),
                data.appData().stream().map(Stored::value).toList());
        // and a player without state has its app data only; an unknown player nothing
        PlayerData p2 = store.readPlayerData(w.id(), "p2", ReadConsistency.OWN_WRITES);
        assertTrue(p2.state().isEmpty());
        assertEquals(List.of(new Key.AppData(w.id(), "achievements", "p2", "first")), p2.appData().stream().map(Stored::key).toList());
        PlayerData nobody = store.readPlayerData(w.id(), "nobody", ReadConsistency.OWN_WRITES);
        assertTrue(nobody.state().isEmpty());
        assertTrue(nobody.appData().isEmpty());
    }

    // ---- 7. fork ----------------------------------------------------------------------------------------------

    @Test
    void forkCopiesAWorldAsItWasAtAPastPositionIntoANewWorldAndLeavesTheSourceAlone() {
        // given a world with keys in every table, changed after the point to fork at
        World src = newWorld("src");
        src.saveWorldState(Json.parse("{\"season\":1}"));
        src.saveEntity(Json.parse("{\"id\":\"tree\",\"h\":3}"));
        src.saveEntity(Json.parse("{\"id\":\"rock\"}"));
        src.savePlayerState("alice", Json.parse("{\"hp\":5,\"position\":[1,2,3]}"));
        src.saveAppData("inventory", "alice", "bag", Json.parse("{\"gold\":1}"));
        src.saveAppData("inventory", null, "shop", Json.parse("{\"open\":true}"));
        LogPosition point = src.batch().patchEntity("tree", Json.parse("{\"h\":4}"), Condition.any())
                .deleteEntity("rock", Condition.any()).commit().position();
        src.saveEntity(Json.parse("{\"id\":\"tree\",\"h\":99}"));
        src.savePlayerState("bob", Json.parse("{\"hp\":1}"));
        src.deleteAppData("inventory", null, "shop");
        LogPosition sourceEnd = src.saveWorldState(Json.parse("{\"season\":2}")).position();
        Map<String, JsonNode> sourceThen = snapshot(store, src.id(), AsOf.position(point));
        Map<String, JsonNode> sourceNow = snapshot(store, src.id(), AsOf.position(sourceEnd));
        List<Key> sourceKeys = List.of(new Key.WorldState(src.id()), new Key.Entity(src.id(), "tree"), new Key.Entity(src.id(), "rock"),
                new Key.PlayerState(src.id(), "alice"), new Key.PlayerState(src.id(), "bob"),
                new Key.AppData(src.id(), "inventory", "alice", "bag"), new Key.AppData(src.id(), "inventory", null, "shop"));
        List<List<HistoryEntry>> sourceHistory = sourceKeys.stream().map(key -> history(store, key)).toList();
        String target = TestKafka.uniqueName("fork");
        LogPosition targetStart = store.endOf(target);

        // when it is forked at that point
        ForkResult fork = store.forkWorld(src.id(), target, AsOf.position(point), "ops@fork");

        // then the new world holds the source's state at that point, key for key, re-keyed to the new world
        assertEquals(target, fork.worldId());
        assertEquals(src.id(), fork.sourceWorldId());
        assertEquals(point, fork.sourcePosition());
        assertEquals(sourceThen.size(), fork.keys());
        assertEquals(1, fork.batches());
        assertEquals(Map.of("world_state", Json.parse("{\"season\":1}"), "entity_states/tree", Json.parse("{\"id\":\"tree\",\"h\":4}"),
                "player_states/alice", Json.parse("{\"hp\":5,\"position\":[1,2,3]}"),
                "app_storage/inventory/alice/bag", Json.parse("{\"gold\":1}"),
                "app_storage/inventory/-/shop", Json.parse("{\"open\":true}")), sourceThen);
        assertEquals(sourceThen, snapshot(store, target, AsOf.position(fork.lastPosition())));
        assertEquals(Json.parse("{\"id\":\"tree\",\"h\":4}"), store.world(target).loadEntity("tree").orElseThrow());
        // and the fork's events carry its actor, the first at the fork's first position
        try (ChangeFeed feed = store.changesFrom(target, targetStart)) {
            List<ChangeRecord> events = pollUntil(feed, fork.keys(), new ArrayList<>());
            assertEquals(fork.keys(), events.size());
            assertEquals(fork.lastPosition(), events.get(0).position());
            assertTrue(events.stream().allMatch(r -> "ops@fork".equals(r.actor()) && r.op() == Op.PUT
                    && r.key().worldId().equals(target)), events.toString());
            assertEquals(0, events.get(0).batchIndex());
        }
        HistoryEntry treeHistory = history(store, new Key.Entity(target, "tree")).get(0);
        assertEquals("ops@fork", treeHistory.actor());
        assertEquals(fork.lastPosition().offset(), treeHistory.version());
        assertEquals(1, history(store, new Key.Entity(target, "tree")).size());

        // and the source is untouched
        LogPosition sourceLogEnd = store.endOf(src.id());
        assertEquals(sourceNow, snapshot(store, src.id(), AsOf.position(new LogPosition(sourceLogEnd.partition(),
                sourceLogEnd.offset() - 1))));
        for (int i = 0; i < sourceKeys.size(); i++) {
            assertEquals(versions(sourceHistory.get(i)), versions(history(store, sourceKeys.get(i))), "history of " + sourceKeys.get(i));
        }

        // and forking onto a world that exists is refused, onto the fork as onto a world just saved to
        assertThrows(WorldExistsException.class, () -> store.forkWorld(src.id(), target, AsOf.position(point), "ops@fork"));
        World taken = newWorld("taken");
        taken.saveAppData("other-app", null, "k", Json.parse("1"));
        WorldExistsException exists = assertThrows(WorldExistsException.class,
                () -> store.forkWorld(src.id(), taken.id(), AsOf.position(point), "ops@fork"));
        assertEquals(taken.id(), exists.worldId());
        LogPosition takenEnd = store.endOf(taken.id());
        assertEquals(Map.of("app_storage/other-app/-/k", Json.parse("1")), snapshot(store, taken.id(),
                AsOf.position(new LogPosition(takenEnd.partition(), takenEnd.offset() - 1))));
    }

    private static List<Long> versions(List<HistoryEntry> history) {
        return history.stream().map(HistoryEntry::version).toList();
    }

    /** Every history entry of a key, newest first, paging through. */
    static List<HistoryEntry> history(WorldStore node, Key key) {
        List<HistoryEntry> all = new ArrayList<>();
        long before = Long.MAX_VALUE;
        while (true) {
            HistoryPage page = node.history(key, before, 1000, false, ReadConsistency.OWN_WRITES);
            all.addAll(page.items());
            if (page.nextBefore().isEmpty()) {
                return all;
            }
            before = page.nextBefore().getAsLong();
        }
    }

    // ---- 8. two nodes trading ------------------------------------------------------------------------------------

    @Test
    void twoNodesTradingItemsWithConditionalBatchesConserveEveryItemAndAgreeOnEveryPlayer() throws Exception {
        int players = 20;
        int startItems = 50;
        int threads = 8;
        try (StoreFixture own = new StoreFixture()) {
            // given two nodes on one topic, and 20 players with 50 items each
            WorldStore a = own.open();
            WorldStore b = own.open();
            String world = TestKafka.uniqueName("market");
            List<Key> keys = new ArrayList<>();
            Batch setup = a.world(world).batch().actor("setup");
            for (int i = 0; i < players; i++) {
                keys.add(new Key.PlayerState(world, "p" + i));
                setup.savePlayerState("p" + i, Json.object().put("items", startItems), Condition.absent());
            }
            LogPosition start = setup.commit().position();
            b.awaitPosition(start, Duration.ofSeconds(30));

            // when 8 threads per node trade one item at a time for a bounded time, conditional on both versions read
            AtomicLong trades = new AtomicLong();
            AtomicLong conflicts = new AtomicLong();
            long[] perNode = new long[2];
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TRADE_SECONDS);
            ExecutorService pool = Executors.newFixedThreadPool(2 * threads);
            List<Future<long[]>> traders = new ArrayList<>();
            try {
                for (int t = 0; t < 2 * threads; t++) {
                    WorldStore node = t % 2 == 0 ? a : b;
                    String actor = "trader-" + t;
                    traders.add(pool.submit(() -> trade(node, world, keys, actor, deadline, trades, conflicts)));
                }
                for (int t = 0; t < traders.size(); t++) {
                    perNode[t % 2] += traders.get(t).get(TRADE_SECONDS + 60L, TimeUnit.SECONDS)[0];
                }
            } finally {
                pool.shutdownNow();
            }

            // then once both nodes reached the same end of the log
            LogPosition end = a.endOf(world);
            assertEquals(end, b.endOf(world));
            LogPosition lastEvent = new LogPosition(end.partition(), end.offset() - 1);
            a.awaitPosition(lastEvent, Duration.ofSeconds(60));
            b.awaitPosition(lastEvent, Duration.ofSeconds(60));
            List<Optional<Stored>> onA = a.readMany(world, keys, ReadConsistency.LOCAL);
            List<Optional<Stored>> onB = b.readMany(world, keys, ReadConsistency.LOCAL);
            // no item was created or lost, on either node
            assertEquals(players * startItems, onA.stream().mapToInt(s -> s.orElseThrow().value().get("items").asInt()).sum());
            assertEquals(players * startItems, onB.stream().mapToInt(s -> s.orElseThrow().value().get("items").asInt()).sum());
            // both nodes hold the same value and version for every player
            long changes = 0;
            for (int i = 0; i < players; i++) {
                Stored sa = onA.get(i).orElseThrow();
                Stored sb = onB.get(i).orElseThrow();
                assertEquals(sa.value(), sb.value(), "value of " + keys.get(i));
                assertEquals(sa.version(), sb.version(), "version of " + keys.get(i));
                assertTrue(sa.value().get("items").asInt() >= 0, "never below zero: " + keys.get(i));
                changes += history(a, keys.get(i)).size();
            }
            // and every acknowledged trade was applied exactly once (2 changes each), no refused one at all
            assertEquals(players + 2 * trades.get(), changes, "history entries: setup + 2 per trade");
            System.out.printf("two nodes x %d threads trading for %d s: %d trades (node A %d, node B %d), %d conflicts retried%n",
                    threads, TRADE_SECONDS, trades.get(), perNode[0], perNode[1], conflicts.get());
            assertTrue(trades.get() > 0, "some trades succeeded");
        }
    }

    /** Trades until the deadline; returns {trades} of this thread. */
    private static long[] trade(WorldStore node, String world, List<Key> keys, String actor, long deadline, AtomicLong trades,
            AtomicLong conflicts) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long mine = 0;
        while (System.nanoTime() < deadline) {
            int from = random.nextInt(keys.size());
            int to = (from + 1 + random.nextInt(keys.size() - 1)) % keys.size();
            List<Optional<Stored>> seen = node.readMany(world, List.of(keys.get(from), keys.get(to)), ReadConsistency.OWN_WRITES);
            Stored giver = seen.get(0).orElseThrow();
            Stored taker = seen.get(1).orElseThrow();
            int has = giver.value().get("items").asInt();
            if (has == 0) {
                continue;
            }
            try {
                node.world(world).batch().actor(actor)
                        .savePlayerState("p" + from, Json.object().put("items", has - 1), Condition.version(giver.version()))
                        .savePlayerState("p" + to, Json.object().put("items", taker.value().get("items").asInt() + 1),
                                Condition.version(taker.version()))
                        .commit();
                mine++;
                trades.incrementAndGet();
            } catch (BatchConflictException e) {
                // another trader got there first; this node's projector has applied that trade: read again
                assertFalse(e.failures().isEmpty());
                assertTrue(e.failures().stream().allMatch(f -> f.index() == 0 || f.index() == 1), e.failures().toString());
                conflicts.incrementAndGet();
            }
        }
        return new long[] {mine};
    }

    // ---- 9. kill -9 mid-stream ------------------------------------------------------------------------------------

    @Test
    void aNodeKilledInTheMiddleOfAStreamOfBatchesLeavesNoHalfBatchAndLosesNoAcknowledgedOne() throws Exception {
        int k = 6;
        try (StoreFixture own = new StoreFixture()) {
            String world = TestKafka.uniqueName("crash");
            Path dataDir = tmp.resolve("child");
            List<Key> keys = ChildNode.counterKeys(world, k);
            // given a node in another JVM committing batches of 6 keys (one per table and more), 64 in flight
            ChildProcess child = new ChildProcess(own.bootstrapServers(), own.topic(), dataDir, tmp.resolve("child.log"));
            long maxAcked;
            Map<Long, LogPosition> acked = new TreeMap<>();
            try {
                child.send("batches " + world + " " + k + " 100000000");
                // when it is killed with SIGKILL after 400 acknowledged batches (a snapshot flushed RocksDB after 100)
                while (acked.size() < 400) {
                    String[] p = child.expect(l -> l.startsWith("ACK "), 60).split(" ");
                    acked.put(Long.parseLong(p[1]), LogPosition.parse(p[2]));
                }
                child.kill();
            } finally {
                child.close();
            }
            for (String line : child.lines()) {
                String[] p = line.split(" ");
                if (p.length == 3 && p[0].equals("ACK")) {
                    acked.put(Long.parseLong(p[1]), LogPosition.parse(p[2]));
                }
            }
            maxAcked = acked.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
            try (java.util.stream.Stream<Path> snapshots = java.nio.file.Files.list(dataDir.resolve("snapshots"))) {
                assertTrue(snapshots.findAny().isPresent(), "the child flushed RocksDB (took a snapshot) before it was killed");
            }

            // the log itself: every batch of the world, in order
            WorldStore restarted = own.open(dataDir);
            int partition = restarted.operations().partitionOf(world);
            List<BatchEvent> log = new ArrayList<>();
            List<Long> offsets = new ArrayList<>();
            readPartition(own, partition, (offset, event) -> {
                offsets.add(offset);
                log.add((BatchEvent) event);
            });
            assertFalse(log.isEmpty());
            long lastCounter = counter(log.get(log.size() - 1));
            LogPosition lastEvent = new LogPosition(partition, offsets.get(offsets.size() - 1));

            // then the node restarted on its data directory, and a fresh node, hold the last batch on every key
            WorldStore fresh = own.open();
            for (WorldStore node : List.of(restarted, fresh)) {
                node.awaitPosition(lastEvent, Duration.ofSeconds(60));
                List<Optional<Stored>> got = node.readMany(world, keys, ReadConsistency.LOCAL);
                for (int i = 0; i < k; i++) {
                    Stored s = got.get(i).orElseThrow();
                    assertEquals(lastCounter, s.value().get("counter").asLong(), "counter of " + keys.get(i) + " on " + node.nodeId());
                    assertEquals(lastEvent.offset(), s.version(), "version of " + keys.get(i));
                    assertEquals(Json.parse(Json.bytes(ChildNode.counterValue(keys.get(i), lastCounter))), s.value());
                }
                // and every batch in the log is in every key's history, with that batch's counter: none half applied
                for (Key key : keys) {
                    List<HistoryEntry> h = history(node, key);
                    java.util.Collections.reverse(h);
                    assertEquals(offsets, h.stream().map(HistoryEntry::version).toList(), "history of " + key);
                    for (int i = 0; i < h.size(); i++) {
                        assertEquals(counter(log.get(i)), h.get(i).change().get("counter").asLong(), "history of " + key);
                        assertEquals("child-batcher", h.get(i).actor());
                    }
                }
            }
            // and every acknowledged batch is applied
            assertTrue(maxAcked <= lastCounter, "last acknowledged " + maxAcked + ", found " + lastCounter);
            Set<Long> inLog = new HashSet<>(offsets);
            for (Map.Entry<Long, LogPosition> a : acked.entrySet()) {
                assertEquals(partition, a.getValue().partition());
                assertTrue(inLog.contains(a.getValue().offset()), "acknowledged batch " + a.getKey() + " at " + a.getValue());
                assertEquals(a.getKey().longValue(), counter(log.get(offsets.indexOf(a.getValue().offset()))));
            }
            System.out.printf("kill -9 during batches: %d acknowledged (last %d), %d batches in the log (last counter %d)%n",
                    acked.size(), maxAcked, log.size(), lastCounter);
        }
    }

    private static long counter(BatchEvent b) {
        long c = Json.parse(b.items().get(0).payload()).get("counter").asLong();
        for (BatchEvent.Item it : b.items()) {
            assertEquals(c, Json.parse(it.payload()).get("counter").asLong(), "one counter per batch in the log");
        }
        return c;
    }

    /** Decodes every record of {@code partition} up to its current end, with a plain consumer: the truth. */
    private static void readPartition(StoreFixture f, int partition, java.util.function.BiConsumer<Long, LogEvent> sink)
            throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, f.bootstrapServers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(f.topic(), partition);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (c.position(tp) < end) {
                assertTrue(System.nanoTime() < deadline, "reading the log took over 60 s");
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    sink.accept(r.offset(), EventCodec.decode(r.headers(), r.value(), r.timestamp()));
                }
            }
        }
    }
}
