package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.ChangeFeed;
import dev.worldstore.ChangeRecord;
import dev.worldstore.Condition;
import dev.worldstore.ConflictException;
import dev.worldstore.Json;
import dev.worldstore.KeyNotFoundException;
import dev.worldstore.LogPosition;
import dev.worldstore.ValidationException;
import dev.worldstore.World;
import dev.worldstore.WorldStore;
import dev.worldstore.testing.TestKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The change feeds' shared tail (FeedHub) and the feeds that fall off it: a reader too slow for the
 * in-memory buffer reads the log on its own and comes back, with every change once and in order;
 * more catching-up readers than slots take turns; a resume point past the log's end is refused.
 */
class FeedFanOutIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** A value big enough that a few hundred of them overflow a 1 MiB buffer. */
    private static final String PAD = "x".repeat(4000);

    private static StoreFixture fixture() {
        return new StoreFixture().with("kafka.topic.partitions", "1").with("feed.buffer.bytes", Integer.toString(1024 * 1024))
                .with("feed.catchup.max.count", "2");
    }

    @Test
    void aReaderThatFallsOutOfTheBufferCatchesUpFromTheLogAndRejoinsWithEveryChangeOnceInOrder() {
        try (StoreFixture f = fixture()) {
            WorldStore store = f.open();
            World slow = store.world(TestKafka.uniqueName("slow"));
            World busy = store.world(TestKafka.uniqueName("busy"));
            // given a feed opened live on a world, and not polled while the world changes...
            try (ChangeFeed feed = store.changes(slow.id(), null)) {
                List<Long> expected = new ArrayList<>();
                expected.add(slow.savePlayerState("p", Json.object().put("n", 0)).version());
                // ... including changes feeds never see: a refused condition and a delete of nothing
                assertThrows(ConflictException.class, () -> slow.savePlayerState("p", Json.object(), Condition.absent()));
                assertThrows(KeyNotFoundException.class, () -> slow.deleteEntity("never-there"));
                // when far more than the buffer holds goes through the same partitions (other worlds and this one)
                for (int i = 1; i <= 400; i++) {
                    busy.savePlayerState("b" + (i % 20), Json.object().put("pad", PAD).put("n", i));
                    if (i % 40 == 0) {
                        expected.add(slow.savePlayerState("p", Json.object().put("n", i)).version());
                    }
                }
                // then its first poll finds its world's changes gone from memory: it reads the log on its own...
                List<ChangeRecord> got = new ArrayList<>(feed.pollNow());
                assertTrue(((SharedFeed) feed).catchingUp(), "the feed left the shared tail");
                got.addAll(FeedPolls.pollUntil(feed, expected.size() - got.size(), WAIT));
                assertEquals(expected, got.stream().map(ChangeRecord::version).toList(), "every change once, in log order");
                // ... and once caught up it is served from the tail again: a new change arrives without a consumer of its own
                long after = slow.savePlayerState("p", Json.object().put("n", -1)).version();
                List<ChangeRecord> live = FeedPolls.pollUntil(feed, 1, WAIT);
                assertEquals(List.of(after), live.stream().map(ChangeRecord::version).toList());
                assertFalse(((SharedFeed) feed).catchingUp(), "back on the shared tail");
            }
        }
    }

    @Test
    void aQuietWorldsFeedStaysOnTheTailWhileOtherWorldsFillTheBuffer() {
        try (StoreFixture f = fixture()) {
            WorldStore store = f.open();
            World quiet = store.world(TestKafka.uniqueName("quiet"));
            World busy = store.world(TestKafka.uniqueName("busy"));
            try (ChangeFeed feed = store.changes(quiet.id(), null)) {
                // given a feed of a world with no changes, and a lot of traffic of other worlds
                for (int i = 0; i < 400; i++) {
                    busy.savePlayerState("b" + (i % 20), Json.object().put("pad", PAD));
                }
                // when its world changes at last, then the feed gets it from memory, never having read the log
                long v = quiet.saveWorldState(Json.object().put("n", 1)).version();
                assertEquals(List.of(v), FeedPolls.pollUntil(feed, 1, WAIT).stream().map(ChangeRecord::version).toList());
                assertFalse(((SharedFeed) feed).catchingUp());
            }
        }
    }

    @Test
    void moreCatchingUpReadersThanSlotsTakeTurnsAndAllGetEverything() throws InterruptedException {
        try (StoreFixture f = fixture()) {
            WorldStore store = f.open();
            World w = store.world(TestKafka.uniqueName("old"));
            World busy = store.world(TestKafka.uniqueName("busy"));
            LogPosition first = null;
            List<Long> expected = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                busy.savePlayerState("b" + (i % 20), Json.object().put("pad", PAD));
                if (i % 30 == 0) {
                    var s = w.savePlayerState("p", Json.object().put("n", i));
                    expected.add(s.version());
                    first = first == null ? s.position() : first;
                }
            }
            // given six readers resuming from the world's first change, long gone from memory, and two slots
            LogPosition from = first;
            List<List<Long>> results = new ArrayList<>();
            List<Thread> readers = new ArrayList<>();
            CountDownLatch done = new CountDownLatch(6);
            for (int r = 0; r < 6; r++) {
                List<Long> got = java.util.Collections.synchronizedList(new ArrayList<>());
                results.add(got);
                Thread t = new Thread(() -> {
                    try (ChangeFeed feed = store.changesFrom(w.id(), from)) {
                        FeedPolls.pollUntil(feed, expected.size(), WAIT).forEach(c -> got.add(c.version()));
                    } finally {
                        done.countDown();
                    }
                });
                readers.add(t);
                t.start();
            }
            // when they all read, then each gets every change once, in order
            assertTrue(done.await(WAIT.toSeconds(), TimeUnit.SECONDS));
            for (List<Long> got : results) {
                assertEquals(expected, got);
            }
        }
    }

    @Test
    void aResumePointPastTheLogsEndIsRefusedAndTheEndItselfWaitsForTheNextChange() {
        try (StoreFixture f = fixture()) {
            WorldStore store = f.open();
            World w = store.world(TestKafka.uniqueName("edge"));
            LogPosition last = w.saveWorldState(Json.object().put("n", 0)).position();
            // given a position one past the last record (the end) and one beyond it
            LogPosition end = new LogPosition(last.partition(), last.offset() + 1);
            LogPosition beyond = new LogPosition(last.partition(), last.offset() + 2);
            // when a feed asks for either, then beyond the end is refused naming the position...
            ValidationException e = assertThrows(ValidationException.class, () -> store.changesFrom(w.id(), beyond));
            assertEquals("position", e.field());
            assertTrue(e.getMessage().contains("past the end"), e.getMessage());
            assertThrows(ValidationException.class, () -> store.changes(w.id(), end));
            // ... and the end waits for the next change, which it gets (no replay from the start)
            try (ChangeFeed feed = store.changes(w.id(), last)) {
                assertTrue(feed.poll(Duration.ofMillis(300)).isEmpty());
                long v = w.saveWorldState(Json.object().put("n", 1)).version();
                assertEquals(List.of(v), FeedPolls.pollUntil(feed, 1, WAIT).stream().map(ChangeRecord::version).toList());
            }
        }
    }
}
