package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.ChangeRecord;
import dev.worldstore.Condition;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.Op;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The shared tail's rules: what it keeps, what it drops, which positions it can serve, whom it wakes. */
class FeedHubTest {
    private static final byte[] VALUE = "{\"v\":1}".getBytes(StandardCharsets.UTF_8);

    private static Decoded put(String world, long offset) {
        ChangeEvent e = new ChangeEvent("id-" + offset, new Key.WorldState(world), Op.PUT, VALUE, Condition.any(), 1, "node", null, 1000);
        return new Decoded(new LogPosition(0, offset), 1000, e, null, null);
    }

    /** Appends as the projector does, each record with the event time {@code 5000 + offset} (not its writer's 1000). */
    private static void append(FeedHub hub, List<Decoded> records, Map<Long, byte[]> marks, long next) {
        hub.append(0, records, records.stream().mapToLong(d -> 5000 + d.position().offset()).toArray(), marks, next);
    }

    /** What one such entry counts against the buffer (every put here has the same size). */
    private static long entryBytes(Decoded d) {
        FeedBytes.Slot slot = new FeedBytes.Slot();
        new FeedBytes(1 << 20).put(slot, d.event(), 0, null);
        return slot.encodedLength() + FeedHub.ENTRY_OVERHEAD;
    }

    private static List<Long> offsets(FeedHub.Read r) {
        return r.records().stream().map(ChangeRecord::position).map(LogPosition::offset).toList();
    }

    @Test
    void aWorldsFeedGetsItsOwnAppliedChangesInOrderLeavingOutRefusedAndDeadOnes() {
        // given a hub started at offset 10 and one applied poll of two worlds, with a refused event and a dead letter
        FeedHub hub = new FeedHub(1, 1 << 20, 1);
        hub.resume(0, 10);
        Map<Long, byte[]> marks = new HashMap<>();
        marks.put(12L, RejectedMarks.REFUSED_MARK);
        marks.put(13L, FeedHub.DEAD);
        append(hub, List.of(put("a", 10), put("b", 11), put("a", 12), put("a", 13), put("a", 14)), marks, 15);
        // when world a reads from the floor, then it gets 10 and 14 and continues at the end
        FeedHub.Read r = hub.read("a", 0, 10, 100);
        assertEquals(List.of(10L, 14L), offsets(r));
        // each with the event time the projector derived, not the writer's clock
        assertEquals(List.of(5010L, 5014L), r.records().stream().map(c -> c.timestamp().toEpochMilli()).toList());
        assertEquals(15, r.next());
        // and a position before the floor is not the hub's to serve
        assertNull(hub.read("a", 0, 9, 100));
        hub.close();
    }

    @Test
    void aPollThatJumpsPastWhereTheProjectorWasMovesTheFloorAndWakesWaitingFeeds() {
        // given a hub resumed at 0 (a checkpoint) that has applied nothing yet, and a feed of world a waiting at 2
        FeedHub hub = new FeedHub(1, 1 << 20, 1);
        hub.resume(0, 0);
        assertTrue(hub.servable("a", 0, 2));
        assertFalse(hub.holds("a", 0, 2), "before its first poll the hub cannot know the log still has offset 0");
        AtomicInteger woken = new AtomicInteger();
        hub.listen("a", 0, 2, woken::incrementAndGet);
        // when the projector's first poll starts at 5 (retention deleted 0-4 before it read them)
        append(hub, List.of(put("b", 5), put("b", 6)), Map.of(), 7);
        // then the hub knows the partition only from 5: the feed at 2 is woken and must read the log
        assertEquals(5, hub.floor(0));
        assertEquals(1, woken.get());
        assertFalse(hub.servable("a", 0, 2));
        assertNull(hub.read("a", 0, 2, 100));
        assertTrue(hub.holds("a", 0, 5));
        hub.close();
    }

    @Test
    void aJumpPastWhereTheProjectorWasForgetsTheLogsItLeftIdleBeyondTheTrackedWorlds() {
        // given a partition that tracks 2 worlds and feeds of 4 quiet worlds waiting at 2 (a log each, no entries)
        FeedHub hub = new FeedHub(1, 1 << 20, 1, 2);
        hub.resume(0, 0);
        AtomicInteger woken = new AtomicInteger();
        for (String world : List.of("q1", "q2", "q3", "q4")) {
            hub.listen(world, 0, 2, woken::incrementAndGet);
        }
        assertEquals(4, hub.worlds(0));
        // when the projector's first poll starts at 5
        append(hub, List.of(put("b", 5)), Map.of(), 6);
        // then every feed is woken, and the woken logs beyond the 2 tracked are gone (b's log is new)
        assertEquals(4, woken.get());
        assertEquals(3, hub.worlds(0));
        // and none of those worlds is served from before the jump, with a log or without
        for (String world : List.of("q1", "q2", "q3", "q4")) {
            assertFalse(hub.servable(world, 0, 2), world);
            assertTrue(hub.servable(world, 0, 6), world);
        }
        hub.close();
    }

    @Test
    void whenTheBufferIsFullTheOldestGoAndOnlyFeedsThatNeededThemLeaveTheTail() {
        // given a buffer that holds about three entries, and world a's events followed by many of world b
        FeedHub hub = new FeedHub(1, 3L * entryBytes(put("a", 0)), 1);
        hub.resume(0, 0);
        append(hub, List.of(put("a", 0), put("a", 1)), Map.of(), 2);
        List<Decoded> b = new ArrayList<>();
        for (long o = 2; o < 10; o++) {
            b.add(put("b", o));
        }
        append(hub, b, Map.of(), 10);
        // then a feed of a at 0 must read the log (a's events are gone)...
        assertFalse(hub.servable("a", 0, 0));
        // ... but one of a that had read them (now at 2), and one of a world never seen, stay on the tail
        assertTrue(hub.servable("a", 0, 2));
        assertEquals(List.of(), offsets(hub.read("a", 0, 2, 100)));
        assertTrue(hub.servable("c", 0, 0));
        // and b's newest three are there, its older ones not
        assertEquals(List.of(7L, 8L, 9L), offsets(hub.read("b", 0, 7, 100)));
        assertNull(hub.read("b", 0, 6, 100));
        hub.close();
    }

    @Test
    void aQuietWorldsFeedResumesFromMemoryAfterOtherWorldsTrafficEmptiedTheBuffer() {
        // given a buffer of about three entries: quiet world x's event at 0, then one event each of 20 other worlds
        FeedHub hub = new FeedHub(1, 3L * entryBytes(put("x", 0)), 1);
        hub.resume(0, 0);
        List<Decoded> records = new ArrayList<>(List.of(put("x", 0)));
        for (long o = 1; o <= 20; o++) {
            records.add(put("w" + o, o));
        }
        append(hub, records, Map.of(), 21);
        // when x's feed, which had read x's event, resumes after it (a reconnect with the last event id)
        // then it is served from memory: nothing of x's was dropped after 0, whatever the other worlds dropped
        assertTrue(hub.holds("x", 0, 1));
        FeedHub.Read r = hub.read("x", 0, 1, 100);
        assertEquals(List.of(), offsets(r));
        assertEquals(21, r.next());
        hub.close();
    }

    @Test
    void beyondTheTrackedWorldsThoseWithNothingBufferedAndNoWaitingFeedAreForgottenWithoutServingWhatTheyDropped() {
        // given a partition that tracks 2 worlds, a buffer of about three entries, a feed of quiet world q waiting at the
        // tail, and one event each of 100 worlds
        FeedHub hub = new FeedHub(1, 3L * entryBytes(put("w0", 0)), 1, 2);
        hub.resume(0, 0);
        AtomicInteger woken = new AtomicInteger();
        hub.listen("q", 0, 0, woken::incrementAndGet);
        List<Decoded> many = new ArrayList<>();
        for (long o = 0; o < 100; o++) {
            many.add(put("w" + o, o));
        }
        append(hub, many, Map.of(), 100);
        // then the partition keeps the logs of the (at most three) worlds still buffered and of q (waited on), not one per world seen
        assertTrue(hub.worlds(0) <= 4, "logs kept: " + hub.worlds(0));
        assertEquals(List.of(99L), offsets(hub.read("w99", 0, 99, 100)));
        // and a forgotten world is not served from before what any forgotten world dropped, even once it has a new log
        assertFalse(hub.servable("w5", 0, 5));
        assertFalse(hub.servable("never-seen", 0, 0));
        append(hub, List.of(put("w5", 100)), Map.of(), 101);
        assertNull(hub.read("w5", 0, 5, 100));
        assertEquals(List.of(100L), offsets(hub.read("w5", 0, 100, 100)));
        // while the quiet world's waiting feed kept its place: woken by its own event, served from where it waited
        assertEquals(0, woken.get());
        append(hub, List.of(put("q", 101)), Map.of(), 102);
        assertEquals(1, woken.get());
        assertEquals(List.of(101L), offsets(hub.read("q", 0, 0, 100)));
        // and a feed that stops listening leaves no log behind
        Runnable idle = () -> { };
        hub.listen("gone", 0, 102, idle);
        hub.unlisten("gone", 0, idle);
        assertTrue(hub.worlds(0) <= 5, "logs kept: " + hub.worlds(0));
        hub.close();
    }

    @Test
    void aListenerIsWokenOnceByItsOwnWorldsEventNotByOthers() {
        FeedHub hub = new FeedHub(1, 1 << 20, 1);
        hub.resume(0, 0);
        AtomicInteger woken = new AtomicInteger();
        Runnable wake = woken::incrementAndGet;
        // given a listener of world a at the end
        hub.listen("a", 0, 0, wake);
        // when b changes, then nothing; when a changes, then it is woken once (and not again)
        append(hub, List.of(put("b", 0)), Map.of(), 1);
        assertEquals(0, woken.get());
        append(hub, List.of(put("a", 1)), Map.of(), 2);
        append(hub, List.of(put("a", 2)), Map.of(), 3);
        assertEquals(1, woken.get());
        // and listening at a position with news already waiting wakes at once
        hub.listen("a", 0, 1, wake);
        assertEquals(2, woken.get());
        hub.close();
    }

    @Test
    void aReadStopsAfterAboutMaxRecordsAndResumesWhereItStopped() {
        FeedHub hub = new FeedHub(1, 1 << 20, 1);
        hub.resume(0, 0);
        List<Decoded> many = new ArrayList<>();
        for (long o = 0; o < 10; o++) {
            many.add(put("a", o));
        }
        append(hub, many, Map.of(), 10);
        FeedHub.Read first = hub.read("a", 0, 0, 4);
        assertEquals(List.of(0L, 1L, 2L, 3L), offsets(first));
        assertEquals(4, first.next());
        assertEquals(List.of(4L, 5L, 6L, 7L, 8L, 9L), offsets(hub.read("a", 0, first.next(), 100)));
        hub.close();
    }

    @Test
    void feedsOfOneWorldReadingTheSameEventsShareTheRecordsDecodedOnce() {
        // given one applied poll of world a
        FeedHub hub = new FeedHub(1, 1 << 20, 1);
        hub.resume(0, 0);
        append(hub, List.of(put("a", 0), put("a", 1), put("b", 2)), Map.of(), 3);
        // when two feeds of a read the same events
        FeedHub.Read first = hub.read("a", 0, 0, 100);
        FeedHub.Read second = hub.read("a", 0, 0, 100);
        // then both get a's two records, the very same objects (decoded once), with the same contents
        assertEquals(List.of(0L, 1L), offsets(first));
        assertEquals(2, second.records().size());
        for (int i = 0; i < 2; i++) {
            assertSame(first.records().get(i), second.records().get(i));
        }
        assertEquals("{\"v\":1}", second.records().get(1).payload().toString());
        // and a feed reading from a later offset shares the one it overlaps
        assertSame(first.records().get(1), hub.read("a", 0, 1, 100).records().get(0));
        hub.close();
    }
}
