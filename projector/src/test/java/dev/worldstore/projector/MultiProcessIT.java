package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.NodeOperations;
import dev.worldstore.ReadConsistency;
import dev.worldstore.Saved;
import dev.worldstore.Stored;
import dev.worldstore.WorldStore;
import dev.worldstore.Json;
import dev.worldstore.testing.TestKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nodes in separate JVMs on one broker: crash recovery, mutual visibility, racing conditional writes. */
class MultiProcessIT {

    @TempDir
    Path tmp;

    @Test
    void killedNodeRecoversEveryAcknowledgedSaveWithItsExactVersion() throws Exception {
        try (StoreFixture fixture = new StoreFixture()) {
            String world = TestKafka.uniqueName("crash");
            Path dataDir = tmp.resolve("node");
            Map<String, long[]> acked = new HashMap<>();
            // given a node saving as fast as it can, killed with SIGKILL mid-stream
            ChildProcess child = new ChildProcess(fixture.bootstrapServers(), fixture.topic(), dataDir, tmp.resolve("child.log"));
            child.send("writer " + world + " 100000000");
            int seen = 0;
            while (seen < 20_000) {
                String line = child.expect(l -> l.startsWith("ACK"), 60);
                String[] p = line.split(" ");
                acked.merge(p[1], new long[] {Long.parseLong(p[2]), Long.parseLong(p[3])}, (a, b) -> a[0] >= b[0] ? a : b);
                seen++;
            }
            child.kill();
            List<String> late = new ArrayList<>(child.lines());
            for (String line : late) {
                String[] p = line.split(" ");
                if (p.length == 4 && p[0].equals("ACK")) {
                    acked.merge(p[1], new long[] {Long.parseLong(p[2]), Long.parseLong(p[3])}, (a, b) -> a[0] >= b[0] ? a : b);
                }
            }

            // when the node restarts on its data directory
            WorldStore restarted = fixture.open(dataDir);
            Map<String, ConsumerRecord<byte[], byte[]>> lastInLog = lastRecordPerPlayer(fixture, world, restarted);
            WorldStore engine = restarted;
            long[] end = endOffsets(fixture, engine.operations().partitions());
            for (int p = 0; p < end.length; p++) {
                if (end[p] > 0) {
                    restarted.awaitPosition(new LogPosition(p, end[p] - 1), Duration.ofSeconds(60));
                }
            }

            // then every acknowledged save is there, at the exact version the log gives it
            for (Map.Entry<String, long[]> a : acked.entrySet()) {
                Stored s = restarted.read(new Key.PlayerState(world, a.getKey()), ReadConsistency.LOCAL).orElseThrow();
                ConsumerRecord<byte[], byte[]> last = lastInLog.get(a.getKey());
                assertTrue(s.version() >= a.getValue()[0], "acknowledged version lost for " + a.getKey());
                assertEquals(last.offset(), s.version(), "version of " + a.getKey());
                assertEquals(Json.parse(last.value()), s.value(), "value of " + a.getKey());
            }
            // and every record of the log was applied exactly once
            List<NodeOperations.Checkpoint> stored = engine.operations().checkpoints();
            assertTrue(stored.stream().anyMatch(c -> c.partition() == engine.operations().partitionOf(world)));
            for (NodeOperations.Checkpoint o : stored) {
                assertEquals(end[o.partition()], o.nextOffset(), "next offset of partition " + o.partition());
                assertEquals(end[o.partition()], o.appliedEvents(), "applied count of partition " + o.partition());
            }
            assertTrue(acked.size() == 500, "all players were acknowledged at least once: " + acked.size());
        }
    }

    private static long[] endOffsets(StoreFixture fixture, int partitions) {
        try (KafkaConsumer<byte[], byte[]> c = consumer(fixture)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition(fixture.topic(), p));
            }
            Map<TopicPartition, Long> ends = c.endOffsets(tps);
            long[] r = new long[partitions];
            for (int p = 0; p < partitions; p++) {
                r[p] = ends.get(tps.get(p));
            }
            return r;
        }
    }

    /** The log itself, read with a plain consumer: the truth the projection must equal. */
    private static Map<String, ConsumerRecord<byte[], byte[]>> lastRecordPerPlayer(StoreFixture fixture, String world,
            WorldStore store) {
        int partitions = store.operations().partitions();
        int partition = EventCodec.partitionFor(world, partitions);
        Map<String, ConsumerRecord<byte[], byte[]>> last = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer(fixture)) {
            TopicPartition tp = new TopicPartition(fixture.topic(), partition);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    String player = new String(r.headers().lastHeader("ws.key").value(), StandardCharsets.UTF_8);
                    last.put(player, r);
                }
            }
        }
        return last;
    }

    private static KafkaConsumer<byte[], byte[]> consumer(StoreFixture fixture) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, fixture.bootstrapServers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Test
    void twoNodesInSeparateJvmsSeeEachOthersChanges() throws Exception {
        try (StoreFixture fixture = new StoreFixture();
                ChildProcess child = new ChildProcess(fixture.bootstrapServers(), fixture.topic(), tmp.resolve("b"),
                        tmp.resolve("b.log"))) {
            WorldStore a = fixture.open(tmp.resolve("a"));
            String world = TestKafka.uniqueName("shared");
            // given node B (other JVM) saves a player
            String[] ok = child.call("save " + world + " bob {\"health\":7,\"position\":[1,2,3]}", 60).split(" ");
            assertEquals("OK", ok[0]);
            // when node A reads at B's position, then A sees it with B's version
            Stored seenByA = a.read(new Key.PlayerState(world, "bob"), ReadConsistency.atLeast(LogPosition.parse(ok[2])))
                    .orElseThrow();
            assertEquals(Long.parseLong(ok[1]), seenByA.version());
            assertEquals(7, seenByA.value().get("health").asInt());
            // and B sees what A saves
            Saved saved = a.world(world).savePlayerState("alice", Json.parse("{\"mana\":3}"));
            String[] val = child.call("load " + world + " alice " + saved.position(), 60).split(" ", 3);
            assertEquals("VAL", val[0]);
            assertEquals(saved.version(), Long.parseLong(val[1]));
            JsonNode seenByB = Json.parse(val[2]);
            assertEquals(3, seenByB.get("mana").asInt());
        }
    }

    @Test
    void racingConditionalIncrementsAcrossJvmsLoseNoUpdate() throws Exception {
        try (StoreFixture fixture = new StoreFixture();
                ChildProcess child = new ChildProcess(fixture.bootstrapServers(), fixture.topic(), tmp.resolve("b"),
                        tmp.resolve("b.log"))) {
            WorldStore a = fixture.open(tmp.resolve("a"));
            String world = TestKafka.uniqueName("race");
            int times = 150;
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Callable<String> local = () -> ChildNode.increment(a, world, "counter", times);
                Future<String> mine = pool.submit(local);
                String theirs = child.call("incr " + world + " counter " + times, 120);
                String ours = mine.get();
                assertTrue(theirs.startsWith("INCR " + times), theirs);
                assertTrue(ours.startsWith("INCR " + times), ours);
                Stored counter = a.read(new Key.AppData(world, "counter-app", null, "counter"), ReadConsistency.OWN_WRITES)
                        .orElseThrow();
                LogPosition atEnd = a.endOf(world);
                a.awaitPosition(new LogPosition(atEnd.partition(), atEnd.offset() - 1), Duration.ofSeconds(30));
                counter = a.read(new Key.AppData(world, "counter-app", null, "counter"), ReadConsistency.LOCAL).orElseThrow();
                assertEquals(2 * times, counter.value().get("n").asInt(), "no increment lost; ours=" + ours + " theirs=" + theirs);
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
