package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.AsOf;
import dev.worldstore.Change;
import dev.worldstore.ChangeFeed;
import dev.worldstore.ChangeRecord;
import dev.worldstore.Condition;
import dev.worldstore.HistoryEntry;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.Op;
import dev.worldstore.ProjectorState;
import dev.worldstore.ReadConsistency;
import dev.worldstore.Saved;
import dev.worldstore.Stored;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.testing.TestKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;

/**
 * Event time on a real broker and real nodes: whatever the writers' clocks, for every instant T
 * a read or snapshot as of T gives each key's highest version whose time, as history shows it, is
 * at or before T; every node (and a replay, and a projection of an earlier release once upgraded)
 * shows the same times.
 */
class EventTimeIT {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The version history shows for {@code key} as of {@code t}: the highest whose time is at or before it. */
    private static Optional<Long> expected(List<HistoryEntry> history, long t) {
        HistoryEntry best = null;
        for (HistoryEntry e : history) {
            if (e.timestamp().toEpochMilli() <= t && (best == null || e.version() > best.version())) {
                best = e;
            }
        }
        return best == null || best.op() == Op.DELETE ? Optional.empty() : Optional.of(best.version());
    }

    private static List<HistoryEntry> history(WorldStore store, Key key) {
        List<HistoryEntry> all = new ArrayList<>(store.history(key, Long.MAX_VALUE, 1000, false, ReadConsistency.LOCAL).items());
        java.util.Collections.reverse(all); // oldest first
        return all;
    }

    @Test
    void asOfAndSnapshotsAgreeWithHistoryUnderConcurrentWritersOnTwoNodes() throws Exception {
        try (StoreFixture fixture = new StoreFixture()) {
            // given two nodes writing one world at once, node b's clock 30 ms behind node a's
            WorldStore a = fixture.open();
            TempDir dirB = new TempDir(StoreFixture.newDataDir());
            try (dirB; WorldStore b = WorldStores.open(fixture.config(dirB.path()), new SimpleMeterRegistry(),
                    Clock.offset(Clock.systemUTC(), Duration.ofMillis(-30)))) {
                String world = TestKafka.uniqueName("w");
                List<Key> keys = List.of(new Key.Entity(world, "e"), new Key.Entity(world, "f"), new Key.WorldState(world),
                        new Key.AppData(world, "app", null, "k"));
                ExecutorService pool = Executors.newFixedThreadPool(8);
                List<Future<List<Saved>>> writers = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    WorldStore node = t % 2 == 0 ? a : b;
                    int thread = t;
                    writers.add(pool.submit(() -> {
                        List<CompletableFuture<Saved>> inFlight = new ArrayList<>();
                        for (int i = 0; i < 60; i++) {
                            Key key = keys.get((thread + i) % keys.size());
                            String v = "{\"writer\":" + thread + ",\"i\":" + i + "}";
                            inFlight.add(node.writeAsync(i % 7 == 6 ? Change.mergeJson(key, utf8("{\"m\":" + i + "}"))
                                    : Change.putJson(key, utf8(v))));
                        }
                        return inFlight.stream().map(CompletableFuture::join).toList();
                    }));
                }
                LogPosition last = null;
                for (Future<List<Saved>> w : writers) {
                    for (Saved s : w.get()) {
                        last = last == null || s.position().offset() > last.offset() ? s.position() : last;
                    }
                }
                pool.shutdown();
                a.awaitPosition(last, Duration.ofSeconds(60));
                b.awaitPosition(last, Duration.ofSeconds(60));

                // then the writers' timestamps did go backwards in the log
                assertTrue(backwardSteps(fixture, last) > 0, "the test needs record timestamps that go backwards");
                // both nodes show the same history, its times never going backwards in log order
                Map<Key, List<HistoryEntry>> histories = new HashMap<>();
                TreeSet<Long> times = new TreeSet<>();
                TreeMap<Long, Long> timeOfVersion = new TreeMap<>();
                for (Key key : keys) {
                    List<HistoryEntry> h = history(a, key);
                    assertEquals(h.stream().map(e -> e.version() + "@" + e.timestamp()).toList(),
                            history(b, key).stream().map(e -> e.version() + "@" + e.timestamp()).toList(), "history of " + key);
                    histories.put(key, h);
                    h.forEach(e -> {
                        times.add(e.timestamp().toEpochMilli());
                        timeOfVersion.put(e.version(), e.timestamp().toEpochMilli());
                    });
                }
                long previous = Long.MIN_VALUE;
                for (long t : timeOfVersion.values()) {
                    assertTrue(t >= previous, "event times in version order: " + timeOfVersion);
                    previous = t;
                }
                // for every instant at, just before and just after a shown time, on both nodes
                List<Long> instants = new ArrayList<>();
                instants.add(times.first() - 1000);
                instants.add(times.last() + 1000);
                for (long t : times) {
                    instants.add(t - 1);
                    instants.add(t);
                    instants.add(t + 1);
                }
                for (WorldStore node : List.of(a, b)) {
                    for (long t : instants) {
                        AsOf asOf = AsOf.time(Instant.ofEpochMilli(t));
                        Map<Key, Long> snapshot = new HashMap<>();
                        node.snapshot(world, asOf, ReadConsistency.LOCAL, s -> snapshot.put(s.key(), s.version()));
                        for (Key key : keys) {
                            Optional<Long> want = expected(histories.get(key), t);
                            assertEquals(want, node.readAsOf(key, asOf, ReadConsistency.LOCAL).map(Stored::version),
                                    key + " as of " + t + " on " + node.nodeId());
                            assertEquals(want, Optional.ofNullable(snapshot.get(key)), key + " in the snapshot as of " + t);
                        }
                        // the one convention: lastIncluded(T) + 1 == firstAtOrAfter(T + 1 ms)
                        long next = node.resolve(world, asOf).map(p -> p.offset() + 1).orElse(0L);
                        assertEquals(next, node.positionAt(world, Instant.ofEpochMilli(t + 1)).offset(), "positions around " + t);
                    }
                }
                // the feed shows the same times as history
                try (ChangeFeed feed = b.changesFrom(world, new LogPosition(last.partition(), 0))) {
                    int seen = 0;
                    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (feed.position().offset() <= last.offset() && System.nanoTime() < deadline) {
                        for (ChangeRecord c : feed.poll(Duration.ofMillis(200))) {
                            if (c.key().worldId().equals(world)) {
                                assertEquals(timeOfVersion.get(c.position().offset()), c.timestamp().toEpochMilli(), "feed at "
                                        + c.position());
                                seen++;
                            }
                        }
                    }
                    assertEquals(timeOfVersion.size(), seen); // every applied change, and only those
                }
                // and a replay of the log to an instant stops where reads as of it do
                WorldStoreConfig config = fixture.config(dirB.path()); // a replay reads the log, not the node's projection
                List<Long> sample = new ArrayList<>(times);
                for (long t : List.of(sample.get(0), sample.get(sample.size() / 3), sample.get(sample.size() / 2) - 1,
                        sample.get(sample.size() - 1))) {
                    Map<Key, Long> replayed = new HashMap<>();
                    ProjectionTools.replayWorld(config, world, AsOf.time(Instant.ofEpochMilli(t)), false,
                            s -> replayed.put(s.key(), s.version()), n -> { });
                    for (Key key : keys) {
                        assertEquals(expected(histories.get(key), t), Optional.ofNullable(replayed.get(key)), key + " replayed to " + t);
                    }
                }
            }
        }
    }

    /** How often a record's timestamp is below its predecessor's in the partition, up to {@code last}. */
    private static int backwardSteps(StoreFixture fixture, LogPosition last) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, fixture.bootstrapServers());
        int steps = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(fixture.topic(), last.partition());
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long previous = Long.MIN_VALUE;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (c.position(tp) <= last.offset() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.offset() <= last.offset()) {
                        steps += r.timestamp() < previous ? 1 : 0;
                        previous = r.timestamp();
                    }
                }
            }
        }
        return steps;
    }

    // ---- projections of an earlier release -----------------------------------------------------

    @Test
    void aProjectionOfAnEarlierReleaseIsUpgradedToWhatThisReleaseProjects() throws Exception {
        try (StoreFixture fixture = new StoreFixture()) {
            // given a log whose record timestamps go backwards (a batch among them)
            String world = TestKafka.uniqueName("w");
            int partitions = 3;
            int partition = EventCodec.partitionFor(world, partitions);
            long t0 = System.currentTimeMillis() - 60_000;
            long[] recordTimes = {0, 50, 20, 70, 60, 60, 10, 90, 80};
            Map<Long, Long> recordTimeOfOffset = new HashMap<>();
            assertEquals(partitions, ProjectionTools.ensureTopic(fixture.config(StoreFixture.newDataDir())));
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, fixture.bootstrapServers());
            try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < recordTimes.length; i++) {
                    long ts = t0 + recordTimes[i];
                    ProducerRecord<byte[], byte[]> r;
                    if (i == 5) {
                        byte[] doc = BatchCodec.encode(List.of(new BatchEvent.Item(new Key.Entity(world, "e"), Op.MERGE, Condition.any(), 1,
                                utf8("{\"b\":1}"), 0, 7), new BatchEvent.Item(new Key.Entity(world, "g"), Op.PUT, Condition.any(), 1,
                                utf8("{\"g\":1}"), 0, 7)), 1 << 20, null);
                        BatchEvent batch = new BatchEvent("ev-" + i, world, doc, List.of(), 1 << 20, null, "old-node", null, ts);
                        r = new ProducerRecord<>(fixture.topic(), partition, ts, utf8(world), doc, new RecordHeaders(EventCodec.headers(
                                batch)));
                    } else {
                        Key key = new Key.Entity(world, i % 2 == 0 ? "e" : "f");
                        ChangeEvent e = new ChangeEvent("ev-" + i, key, Op.PUT, utf8("{\"i\":" + i + "}"), Condition.any(), 1, "old-node",
                                null, ts);
                        r = new ProducerRecord<>(fixture.topic(), partition, ts, utf8(world), e.payload(), new RecordHeaders(
                                EventCodec.headers(e)));
                    }
                    recordTimeOfOffset.put(raw.send(r).get().offset(), ts);
                }
            }
            long lastOffset = recordTimes.length - 1;
            // a node of this release projects it; so does one whose projection an earlier release wrote
            try (TempDir freshDir = new TempDir(StoreFixture.newDataDir()); TempDir oldDir = new TempDir(StoreFixture.newDataDir())) {
            Path fresh = freshDir.path();
            Path old = oldDir.path();
            for (Path dir : List.of(fresh, old)) {
                try (WorldStore node = WorldStores.open(fixture.config(dir))) {
                    node.awaitPosition(new LogPosition(partition, lastOffset), Duration.ofSeconds(30));
                }
            }
            WorldStoreConfig config = fixture.config(old);
            ProjectionSettings ps = ProjectionSettings.from(config);
            asAnEarlierReleaseWroteIt(ps, recordTimeOfOffset);
            assertTrue(ProjectionTools.compare(config, old.resolve("projection"), fresh.resolve("projection")).isPresent(),
                    "the earlier release's projection differs");

            // when a node of this release opens it
            try (WorldStore node = WorldStores.open(config)) {
                node.awaitPosition(new LogPosition(partition, lastOffset), Duration.ofSeconds(30));
                assertEquals(ProjectorState.LIVE, node.projectorState());
                // then it reads as this release's: record times 0 50 20 70 60 60 10 90 80 became 0 50 50 70 70 70 70 90 90
                Key e = new Key.Entity(world, "e");
                assertEquals(List.of(0L, 50L, 70L, 70L, 70L, 90L), history(node, e).stream()
                        .map(x -> x.timestamp().toEpochMilli() - t0).toList());
                assertEquals(Optional.of(2L), node.readAsOf(e, AsOf.time(Instant.ofEpochMilli(t0 + 69)), ReadConsistency.LOCAL)
                        .map(Stored::version));
                assertEquals(Optional.of(6L), node.readAsOf(e, AsOf.time(Instant.ofEpochMilli(t0 + 70)), ReadConsistency.LOCAL)
                        .map(Stored::version));
            }
            // and byte for byte what this release projects from the same log
            assertEquals(Optional.empty(), ProjectionTools.compare(config, old.resolve("projection"), fresh.resolve("projection")));
            }
        }
    }

    /** A data directory deleted on close. */
    private record TempDir(Path path) implements AutoCloseable {
        @Override
        public void close() throws java.io.IOException {
            Snapshots.deleteRecursively(path);
        }
    }

    /**
     * Turns a projection back into the layout of the release before event times: 16-byte checkpoints,
     * no event-time index, and every stored time the record's own timestamp.
     */
    private static void asAnEarlierReleaseWroteIt(ProjectionSettings ps, Map<Long, Long> recordTimeOfOffset) {
        try (RocksProjection projection = RocksProjection.open(ps.projectionDir(), ps);
                org.rocksdb.WriteBatch batch = new org.rocksdb.WriteBatch()) {
            for (dev.worldstore.NodeOperations.Checkpoint c : projection.checkpoints()) {
                batch.put(projection.handle(Cf.OFFSETS), RocksProjection.partitionKey(c.partition()),
                        java.nio.ByteBuffer.allocate(16).putLong(c.nextOffset()).putLong(c.appliedEvents()).array());
            }
            try (ReadOptions ro = new ReadOptions(); RocksIterator it = projection.iterator(Cf.EVENT_TIMES, ro)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    batch.delete(projection.handle(Cf.EVENT_TIMES), it.key());
                }
            }
            try (ReadOptions ro = new ReadOptions(); RocksIterator it = projection.iterator(Cf.HISTORY, ro)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    byte[] v = it.value();
                    StoredCodec.setTimestampMs(v, HistoryCodec.STORED_AT, recordTimeOfOffset.get(HistoryCodec.versionOf(it.key())));
                    batch.put(projection.handle(Cf.HISTORY), it.key(), v);
                }
            }
            try (ReadOptions ro = new ReadOptions(); RocksIterator it = projection.iterator(Cf.ENTITY_STATES, ro)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    byte[] v = it.value();
                    StoredCodec.setTimestampMs(v, 0, recordTimeOfOffset.get(StoredCodec.version(v)));
                    batch.put(projection.handle(Cf.ENTITY_STATES), it.key(), v);
                }
            }
            projection.write(batch);
        } catch (org.rocksdb.RocksDBException e) {
            throw new IllegalStateException(e);
        }
    }
}
