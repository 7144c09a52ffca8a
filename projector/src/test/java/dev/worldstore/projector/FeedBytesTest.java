package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.ChangeRecord;
import dev.worldstore.Condition;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.Op;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The change feed buffer's off-heap entries: what they give back, and how their segments come and go. */
class FeedBytesTest {
    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Every field a feed delivers, and the payload as JSON. */
    private static List<String> described(List<ChangeRecord> records) {
        return records.stream().map(r -> String.join("|", r.position().toString(), r.eventId(), r.key().describe(), r.op().name(),
                String.valueOf(r.payload()), r.timestamp().toString(), r.origin(), String.valueOf(r.actor()),
                Integer.toString(r.formatVersion()), Integer.toString(r.batchIndex()), Integer.toString(r.batchSize()))).toList();
    }

    private static List<ChangeRecord> roundTrip(LogEvent event, long eventTimeMs, BitSet skipped, LogPosition at) {
        FeedBytes bytes = new FeedBytes(1 << 20);
        FeedBytes.Slot slot = new FeedBytes.Slot();
        int n = bytes.put(slot, event, eventTimeMs, skipped);
        List<ChangeRecord> records = FeedBytes.records(bytes.copy(slot), at);
        assertEquals(n, records.size());
        return records;
    }

    @Test
    void aSingleChangeComesBackAsTheRecordTheLogWouldGive() {
        // given puts, a merge patch and a delete of different tables, with and without an actor (one not ASCII)
        List<ChangeEvent> events = List.of(
                new ChangeEvent("e-1", new Key.PlayerState("w", "p1"), Op.PUT, json("{\"hp\":3,\"name\":\"Zoë\"}"), Condition.any(), 2,
                        "node-a", "Zoë", 1000),
                new ChangeEvent("e-2", new Key.Entity("w", "tree-7"), Op.MERGE, json("{\"x\":null}"), Condition.any(), 1, "node-b",
                        null, 1000),
                new ChangeEvent("e-3", new Key.AppData("w", "chat", null, "motd"), Op.DELETE, null, Condition.any(), 1, "node-a",
                        "admin", 1000),
                new ChangeEvent("e-4", new Key.AppData("w", "chat", "p1", "prefs"), Op.PUT, json("[1,2]"), Condition.any(), 1,
                        "node-a", null, 1000));
        for (ChangeEvent e : events) {
            LogPosition at = new LogPosition(3, 42);
            // when it is stored and read back, then every field is the log's, with the projector's event time
            assertEquals(described(FeedRecords.of(at, e, 7000, new BitSet())), described(roundTrip(e, 7000, null, at)));
        }
    }

    @Test
    void aBatchComesBackWithoutTheChangesThatChangedNothingNumberedAsTheLogWouldNumberThem() {
        // given a batch of four changes whose second changed nothing (skipped)
        byte[] doc = json("[{\"a\":1},{\"b\":2},{\"c\":3}]");
        List<BatchEvent.Item> items = List.of(
                new BatchEvent.Item(new Key.Entity("w", "e1"), Op.PUT, Condition.any(), 1, doc, 1, 7),
                new BatchEvent.Item(new Key.Entity("w", "e2"), Op.MERGE, Condition.any(), 1, doc, 9, 7),
                new BatchEvent.Item(new Key.Entity("w", "e3"), Op.DELETE, Condition.any(), 1, null, 0, 0),
                new BatchEvent.Item(new Key.WorldState("w"), Op.PUT, Condition.any(), 3, doc, 17, 7));
        BatchEvent batch = new BatchEvent("b-1", "w", doc, items, 0, null, "node-a", "builder", 1000);
        BitSet skipped = new BitSet();
        skipped.set(1);
        LogPosition at = new LogPosition(0, 9);
        // when stored and read back, then the three delivered changes are the log's, indexed 0..2 of 3
        List<ChangeRecord> back = roundTrip(batch, 8000, skipped, at);
        assertEquals(described(FeedRecords.of(at, batch, 8000, skipped)), described(back));
        assertEquals(List.of(0, 1, 2), back.stream().map(ChangeRecord::batchIndex).toList());
        // and without skipped changes all four come back
        assertEquals(described(FeedRecords.of(at, batch, 8000, new BitSet())), described(roundTrip(batch, 8000, new BitSet(), at)));
    }

    @Test
    void entriesReleasedInOrderFreeTheirSegmentsAndEveryLiveEntryStaysIntact() {
        // given a partition share of 1 MiB (128 KiB segments) holding at most ~1 MiB of entries, some too large for a segment
        FeedBytes bytes = new FeedBytes(1 << 20);
        SplittableRandom rnd = new SplittableRandom(7);
        ArrayDeque<FeedBytes.Slot> live = new ArrayDeque<>();
        ArrayDeque<String> values = new ArrayDeque<>();
        long held = 0;
        int maxSegments = 0;
        for (int i = 0; i < 5_000; i++) {
            int size = rnd.nextInt(20) == 0 ? 20_000 + rnd.nextInt(40_000) : 1 + rnd.nextInt(3_000);
            String value = "\"" + Character.toString('a' + i % 26).repeat(size) + "\"";
            FeedBytes.Slot slot = new FeedBytes.Slot();
            bytes.put(slot, new ChangeEvent("e" + i, new Key.WorldState("w" + i), Op.PUT, json(value), Condition.any(), 1, "n", null, i),
                    i, null);
            live.addLast(slot);
            values.addLast(value);
            held += slot.encodedLength();
            // when the oldest go as the buffer does, in order, once it holds more than 1 MiB
            while (held > 1 << 20) {
                FeedBytes.Slot old = live.pollFirst();
                held -= old.encodedLength();
                bytes.release(old);
                values.pollFirst();
            }
            maxSegments = Math.max(maxSegments, bytes.segments());
            // then every entry still held reads back as written (checked now and then: each read copies)
            if (i % 500 == 499) {
                List<String> expected = new ArrayList<>(values);
                List<String> actual = new ArrayList<>();
                for (FeedBytes.Slot s : live) {
                    actual.add(FeedBytes.records(bytes.copy(s), new LogPosition(0, 0)).get(0).payload().textValue());
                }
                assertEquals(expected.stream().map(v -> v.substring(1, v.length() - 1)).toList(), actual);
            }
        }
        // and the segments in use stay near what the held entries need (1 MiB in 128 KiB segments, plus slack), never accumulating
        assertTrue(maxSegments <= 10, "segments in use peaked at " + maxSegments);
        while (!live.isEmpty()) {
            bytes.release(live.pollFirst());
        }
        assertTrue(bytes.segments() <= 1, "segments left after releasing every entry: " + bytes.segments());
    }

    @Test
    void withoutDirectMemoryEntriesStayOnTheHeapAndReadBackTheSame() {
        // given a JVM whose direct memory is exhausted (every segment allocation fails as allocateDirect does)
        FeedBytes bytes = new FeedBytes(1 << 20, n -> {
            throw new OutOfMemoryError("Cannot reserve " + n + " bytes of direct buffer memory");
        });
        ChangeEvent e = new ChangeEvent("e-1", new Key.WorldState("w"), Op.PUT, json("{\"a\":1}"), Condition.any(), 1, "n", null, 1);
        FeedBytes.Slot slot = new FeedBytes.Slot();
        // when an event is stored, then it is kept (no segment) and reads back as the log's record
        bytes.put(slot, e, 9, null);
        assertEquals(0, bytes.segments());
        LogPosition at = new LogPosition(0, 1);
        assertEquals(described(FeedRecords.of(at, e, 9, new BitSet())), described(FeedBytes.records(bytes.copy(slot), at)));
        bytes.release(slot);
    }
}
