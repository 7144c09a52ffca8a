package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.worldstore.Condition;
import dev.worldstore.Key;
import dev.worldstore.Op;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** A poll decoded on two threads is the poll one decoder gives: every partition in log order, the same events and malformed records. */
class SplitDecoderTest {
    private static final int PARTITIONS = 6;
    private static final long TS = 1_700_000_000_000L;

    /** {@code perWorld} records for each of {@code worlds} worlds, every seventh one poison (its value is not JSON). */
    private static ConsumerRecords<byte[], byte[]> poll(int worlds, int perWorld) {
        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> byPartition = new LinkedHashMap<>();
        long[] offsets = new long[PARTITIONS];
        for (int i = 0; i < perWorld; i++) {
            for (int w = 0; w < worlds; w++) {
                String world = "w" + w;
                int partition = EventCodec.partitionFor(world, PARTITIONS);
                String id = "ev-" + w + "-" + i;
                ChangeEvent e = new ChangeEvent(id, new Key.PlayerState(world, "p" + i), Op.PUT, utf8("{\"n\":" + i + "}"),
                        Condition.any(), 1, "node-a", null, TS, 0);
                byte[] value = i % 7 == 3 ? utf8("{\"n\": nope}") : e.payload();
                byPartition.computeIfAbsent(new TopicPartition("t", partition), tp -> new ArrayList<>())
                        .add(new ConsumerRecord<>("t", partition, offsets[partition]++, TS, TimestampType.CREATE_TIME, world.length(),
                                value.length, utf8(world), value, new RecordHeaders(EventCodec.headers(e)), Optional.empty()));
            }
        }
        return new ConsumerRecords<>(byPartition, Map.of());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void assertSame(RecordDecoder.Polled expected, RecordDecoder.Polled actual) {
        assertEquals(List.copyOf(expected.partitions.keySet()), List.copyOf(actual.partitions.keySet()), "partitions, in the poll's order");
        expected.partitions.forEach((p, want) -> {
            List<Decoded> got = actual.partitions.get(p);
            assertEquals(want.size(), got.size(), "records of partition " + p);
            for (int i = 0; i < want.size(); i++) {
                Decoded w = want.get(i);
                Decoded g = got.get(i);
                assertEquals(w.position(), g.position());
                assertEquals(w.malformed(), g.malformed());
                if (w.event() == null) {
                    assertNull(g.event());
                } else {
                    assertNotNull(g.event());
                    assertEquals(w.event().eventId(), g.event().eventId());
                }
            }
        });
    }

    @Test
    void aLargePollDecodedOnTwoThreadsIsWhatOneDecoderGives() throws InterruptedException {
        // given a catch-up's poll: thousands of records over every partition, some of them poison
        ConsumerRecords<byte[], byte[]> records = poll(24, 100);
        try (SplitDecoder split = new SplitDecoder(PARTITIONS)) {
            // when it is decoded twice over (the helper thread keeps its decoder between polls)
            RecordDecoder.Polled first = split.decode(records);
            RecordDecoder.Polled second = split.decode(records);
            // then both are exactly what a single decoder makes of it
            RecordDecoder.Polled one = new RecordDecoder(PARTITIONS).decode(records);
            assertSame(one, first);
            assertSame(one, second);
        }
    }

    @Test
    void aLargePollOfOnePartitionIsCutWithinItAndJoinedInLogOrder() throws InterruptedException {
        // given a poll of one world's records only (one partition: a world transaction's catch-up looks like it)
        ConsumerRecords<byte[], byte[]> records = poll(1, 3_000);
        try (SplitDecoder split = new SplitDecoder(PARTITIONS)) {
            // when / then: both threads decoded a part of the partition and the parts are joined in log order
            assertSame(new RecordDecoder(PARTITIONS).decode(records), split.decode(records));
        }
    }

    @Test
    void aSmallPollIsDecodedAsOneDecoderDoes() throws InterruptedException {
        // given a live node's poll of a few records
        ConsumerRecords<byte[], byte[]> records = poll(3, 4);
        try (SplitDecoder split = new SplitDecoder(PARTITIONS)) {
            // when / then
            assertSame(new RecordDecoder(PARTITIONS).decode(records), split.decode(records));
        }
    }
}
