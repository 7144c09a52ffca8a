package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.AsOf;
import dev.worldstore.Change;
import dev.worldstore.ChangeFeed;
import dev.worldstore.ChangeRecord;
import dev.worldstore.Condition;
import dev.worldstore.DeadLetter;
import dev.worldstore.HistoryEntry;
import dev.worldstore.HistoryPage;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.Op;
import dev.worldstore.ProjectorState;
import dev.worldstore.ReadConsistency;
import dev.worldstore.Saved;
import dev.worldstore.Stored;
import dev.worldstore.WorldStore;
import dev.worldstore.testing.TestKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Records that look like worldstore events but are not, produced as any producer (kcat) can, next
 * to a running node: each is dead-lettered, none is readable, the world's history, snapshots and
 * restore are as if they were never sent, and later acknowledged writes to the same key apply.
 */
class PoisonRecordsIT {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A record as the writer would append {@code e}, to be spoiled by the caller. */
    private static ProducerRecord<byte[], byte[]> record(String topic, int partitions, ChangeEvent e) {
        String routing = EventCodec.routingKey(e.key());
        return new ProducerRecord<>(topic, EventCodec.partitionFor(routing, partitions), null, utf8(routing), e.payload(),
                new RecordHeaders(EventCodec.headers(e)));
    }

    private static ChangeEvent event(Key key, Op op, String json) {
        return new ChangeEvent("poison-" + java.util.UUID.randomUUID(), key, op, json == null ? null : utf8(json), Condition.any(), 1,
                "kcat", "mallory", System.currentTimeMillis(), op == Op.MERGE ? 1 << 20 : 0);
    }

    @Test
    void recordsWithValidLookingHeadersButPoisonAreDeadLetteredAndChangeNothing() throws Exception {
        try (StoreFixture fixture = new StoreFixture()) {
            // given a node and a world with a player state at version v1
            WorldStore store = fixture.open();
            String world = TestKafka.uniqueName("w");
            String other = TestKafka.uniqueName("w-other");
            Key.PlayerState key = new Key.PlayerState(world, "p");
            Saved v1 = store.write(Change.putJson(key, utf8("{\"counter\":1}")));
            int partitions = store.operations().partitions();
            String topic = fixture.topic();

            // when records a writer would never append are produced straight to the topic
            Map<String, ProducerRecord<byte[], byte[]>> poison = new LinkedHashMap<>();
            poison.put("not JSON", withValue(record(topic, partitions, event(key, Op.PUT, "{}")), "{\"counter\": nope}"));
            poison.put("duplicate names", withValue(record(topic, partitions, event(key, Op.PUT, "{}")), "{\"counter\":2,\"counter\":3}"));
            poison.put("trailing content", withValue(record(topic, partitions, event(key, Op.PUT, "{}")), "{\"counter\":4} {}"));
            poison.put("too deep", withValue(record(topic, partitions, event(key, Op.PUT, "{}")),
                    "{\"a\":" + "[".repeat(Json.MAX_NESTING_DEPTH) + "]".repeat(Json.MAX_NESTING_DEPTH) + "}"));
            poison.put("an array for a player state", withValue(record(topic, partitions, event(key, Op.PUT, "{}")), "[1,2]"));
            poison.put("a string as a merge patch", withValue(record(topic, partitions, event(key, Op.MERGE, "{}")), "\"x\""));
            ProducerRecord<byte[], byte[]> utf16 = record(topic, partitions, event(key, Op.PUT, "{}"));
            poison.put("UTF-16", new ProducerRecord<>(topic, utf16.partition(), null, utf16.key(),
                    "{\"counter\":5}".getBytes(StandardCharsets.UTF_16LE), utf16.headers()));
            ProducerRecord<byte[], byte[]> twice = record(topic, partitions, event(key, Op.PUT, "{\"counter\":6}"));
            twice.headers().add(new RecordHeader("ws.key", utf8("q")));
            poison.put("ws.key twice", twice);
            // the world header names another world than the record key (and partition): the wrong feed
            ChangeEvent elsewhere = event(new Key.PlayerState(other, "p"), Op.PUT, "{\"counter\":7}");
            poison.put("ws.world of another world", new ProducerRecord<>(topic, EventCodec.partitionFor(world, partitions), null,
                    utf8(world), elsewhere.payload(), new RecordHeaders(EventCodec.headers(elsewhere))));
            ChangeEvent mine = event(key, Op.PUT, "{\"counter\":8}");
            poison.put("keyed as another world", new ProducerRecord<>(topic, EventCodec.partitionFor(other, partitions), null,
                    utf8(other), mine.payload(), new RecordHeaders(EventCodec.headers(mine))));
            poison.put("the right key in the wrong partition", new ProducerRecord<>(topic,
                    (EventCodec.partitionFor(world, partitions) + 1) % partitions, null, utf8(world), mine.payload(),
                    new RecordHeaders(EventCodec.headers(mine))));
            byte[] batchDoc = utf8("{\"limit\":100,\"changes\":[{\"table\":\"player_states\",\"worldId\":\"" + other
                    + "\",\"playerId\":\"p\",\"op\":\"put\",\"value\":{\"counter\":9}}]}");
            BatchEvent batch = new BatchEvent("poison-batch", world, batchDoc, List.of(), 100, null, "kcat", null, 0);
            poison.put("a batch whose change names another world", new ProducerRecord<>(topic, EventCodec.partitionFor(world,
                    partitions), null, utf8(world), batchDoc, new RecordHeaders(EventCodec.headers(batch))));
            List<LogPosition> sent = new ArrayList<>();
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, fixture.bootstrapServers());
            try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (ProducerRecord<byte[], byte[]> r : poison.values()) {
                    var meta = raw.send(r).get();
                    sent.add(new LogPosition(meta.partition(), meta.offset()));
                }
            }
            // and an acknowledged merge patch (and put) to the same key follow them
            Saved patched = store.write(Change.mergeJson(key, utf8("{\"patched\":true}")));
            Saved otherSaved = store.write(Change.putJson(new Key.PlayerState(other, "q"), utf8("{\"ok\":1}")));
            store.awaitPosition(patched.position(), Duration.ofSeconds(30));
            store.awaitPosition(otherSaved.position(), Duration.ofSeconds(30));
            for (LogPosition s : sent) {
                store.awaitPosition(s, Duration.ofSeconds(30));
            }

            // then every one is a dead letter, with its reason
            List<DeadLetter> letters = store.deadLetters(100);
            Set<LogPosition> dead = new TreeSet<>(java.util.Comparator.comparing(LogPosition::toString));
            letters.forEach(l -> dead.add(l.position()));
            for (int i = 0; i < sent.size(); i++) {
                assertTrue(dead.contains(sent.get(i)), "dead letter for '" + new ArrayList<>(poison.keySet()).get(i) + "' at "
                        + sent.get(i) + "; letters: " + letters);
            }
            assertEquals(sent.size(), letters.size(), letters.toString());
            // no poison is readable: the key is v1 with the acknowledged patch applied
            Stored now = store.read(key, ReadConsistency.atLeast(patched.position())).orElseThrow();
            now.checkJson();
            assertEquals(Json.parse("{\"counter\":1,\"patched\":true}"), now.value());
            assertEquals(patched.version(), now.version());
            // the other world holds only its own write
            assertFalse(store.read(new Key.PlayerState(other, "p"), ReadConsistency.LOCAL).isPresent());
            assertTrue(store.read(new Key.PlayerState(other, "q"), ReadConsistency.LOCAL).isPresent());
            // the key's history has the two real changes only
            HistoryPage h = store.history(key, Long.MAX_VALUE, 100, true, ReadConsistency.LOCAL);
            assertEquals(List.of(patched.version(), v1.version()), h.items().stream().map(HistoryEntry::version).toList());
            assertEquals(List.of(Op.MERGE, Op.PUT), h.items().stream().map(HistoryEntry::op).toList());
            // a snapshot of the world, now and at v1, holds well-formed values only
            List<Stored> snap = new ArrayList<>();
            store.snapshot(world, AsOf.position(patched.position()), ReadConsistency.LOCAL, snap::add);
            assertEquals(1, snap.size());
            snap.forEach(Stored::checkJson);
            assertEquals(now.value(), snap.get(0).value());
            // the world's feed from its start delivers the two real changes only
            try (ChangeFeed feed = store.changesFrom(world, new LogPosition(patched.position().partition(), 0))) {
                List<ChangeRecord> seen = new ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (feed.position().offset() <= patched.position().offset() && System.nanoTime() < deadline) {
                    seen.addAll(feed.poll(Duration.ofMillis(200)));
                }
                assertEquals(List.of(v1.position(), patched.position()), seen.stream().filter(c -> c.key().worldId().equals(world))
                        .map(ChangeRecord::position).toList());
                assertTrue(seen.stream().allMatch(c -> c.key().worldId().equals(world)), seen.toString());
            }
            // a restore to v1 rewrites the key to v1's value, and later writes still apply
            WorldStore.RestoreResult restored = store.restoreWorld(world, AsOf.position(v1.position()), "test");
            assertEquals(1, restored.rewritten());
            Saved after = store.write(Change.mergeJson(key, utf8("{\"after\":1}")));
            assertEquals(Json.parse("{\"counter\":1,\"after\":1}"), store.read(key, ReadConsistency.atLeast(after.position()))
                    .orElseThrow().value());
            assertEquals(ProjectorState.LIVE, store.projectorState());
        }
    }

    private static ProducerRecord<byte[], byte[]> withValue(ProducerRecord<byte[], byte[]> r, String value) {
        return new ProducerRecord<>(r.topic(), r.partition(), null, r.key(), utf8(value), r.headers());
    }
}
