package dev.worldstore.projector;

import static dev.worldstore.projector.RulesHarness.at;
import static dev.worldstore.projector.RulesHarness.event;
import static dev.worldstore.projector.RulesHarness.eventIdOf;
import static dev.worldstore.projector.RulesHarness.timeOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.Condition;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.Op;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Idempotency keys, decided in log order: of the events of one world carrying a key, the first that
 * is applied is the only one applied within its window; later ones change nothing and learn its
 * outcome. Refused events record nothing, so their retries are decided afresh.
 */
class IdempotencyRulesTest {
    private static final long WINDOW = 60_000;
    private static final Key.Entity DOOR = new Key.Entity("w1", "door");
    private static final Key.Entity OTHER_WORLD_DOOR = new Key.Entity("w2", "door");

    /** Event {@code n} as {@link RulesHarness#event}, carrying {@code idem} with a one-minute window, at {@code timestampMs}. */
    private static Decoded keyed(long n, Key key, Op op, String json, Condition condition, String idem, long timestampMs) {
        ChangeEvent e = event(n, key, op, json, condition, 1, timestampMs);
        return at(n, new ChangeEvent(e.eventId(), e.key(), e.op(), e.payload(), e.condition(), e.formatVersion(), e.origin(), e.actor(),
                e.timestampMs(), e.maxValueBytes(), new Idempotency(idem, WINDOW)));
    }

    private static Decoded keyed(long n, Key key, String json, String idem) {
        return keyed(n, key, Op.PUT, json, Condition.any(), idem, timeOf(n));
    }

    @Test
    void aRetryWithTheKeyOfAnAppliedWriteChangesNothingAndLearnsTheFirstOutcome() {
        // given: a save applied at offset 1
        RulesHarness h = new RulesHarness().await(eventIdOf(1), eventIdOf(2));
        h.poll(keyed(1, DOOR, "{\"open\":true}", "k-1"));
        // when: its retry (the first one's outcome was unknown to its writer) lands at offset 2
        h.poll(keyed(2, DOOR, "{\"open\":true}", "k-1"));
        // then: one history entry, version 1, the retry refused as a replay of offset 1
        assertEquals(new Verdict.Applied(1, timeOf(1)), h.verdicts().get(eventIdOf(1)));
        assertEquals(new Verdict.Replayed(1, List.of(1L)), h.verdicts().get(eventIdOf(2)));
        assertEquals(1, h.history(DOOR).size());
        assertEquals(1L, h.version(DOOR));
        assertTrue(h.rejected(0, 2), "feeds skip the replay");
    }

    @Test
    void aReplayInTheSamePollSeesTheFirstWrite() {
        RulesHarness h = new RulesHarness().await(eventIdOf(2));
        h.poll(keyed(1, DOOR, "{\"n\":1}", "k"), keyed(2, DOOR, "{\"n\":1}", "k"));
        assertEquals(new Verdict.Replayed(1, List.of(1L)), h.verdicts().get(eventIdOf(2)));
        assertEquals(1, h.history(DOOR).size());
    }

    @Test
    void aKeyReusedForADifferentWriteIsRefused() {
        // given: a keyed save of the door
        RulesHarness h = new RulesHarness().await(eventIdOf(2), eventIdOf(3));
        h.poll(keyed(1, DOOR, "{\"n\":1}", "k"));
        // when: the key comes again with another value, and with another target
        h.poll(keyed(2, DOOR, "{\"n\":2}", "k"), keyed(3, new Key.Entity("w1", "gate"), "{\"n\":1}", "k"));
        // then: neither applied; both told the key was used at offset 1
        assertEquals(new Verdict.KeyReused("k", 1), h.verdicts().get(eventIdOf(2)));
        assertEquals(new Verdict.KeyReused("k", 1), h.verdicts().get(eventIdOf(3)));
        assertEquals(Json.parse("{\"n\":1}"), h.value(DOOR));
        assertTrue(h.rejected(0, 3));
    }

    @Test
    void aKeyIsPerWorld() {
        RulesHarness h = new RulesHarness();
        h.poll(keyed(1, DOOR, "{}", "k"), keyed(2, OTHER_WORLD_DOOR, "{}", "k"));
        assertEquals(1L, h.version(DOOR));
        assertEquals(2L, h.version(OTHER_WORLD_DOOR));
    }

    @Test
    void aKeyOutsideTheFirstWritesWindowIsANewWrite() {
        // given: a write at t
        RulesHarness h = new RulesHarness();
        long t = timeOf(1);
        h.poll(keyed(1, DOOR, Op.PUT, "{\"n\":1}", Condition.any(), "k", t));
        // when: the same key exactly at the window's end, then just past it
        h.poll(keyed(2, DOOR, Op.PUT, "{\"n\":1}", Condition.any(), "k", t + WINDOW));
        assertEquals(1L, h.version(DOOR), "at the window's end the key still applies");
        h.poll(keyed(3, DOOR, Op.PUT, "{\"n\":1}", Condition.any(), "k", t + WINDOW + 1));
        // then
        assertEquals(3L, h.version(DOOR));
    }

    @Test
    void aRetryOfARefusedWriteIsDecidedAfresh() {
        // given: a create-only write refused because the door exists
        RulesHarness h = new RulesHarness().await(eventIdOf(2), eventIdOf(4));
        h.poll(RulesHarness.put(1, DOOR, "{}"));
        h.poll(keyed(2, DOOR, Op.PUT, "{\"n\":2}", Condition.absent(), "k", timeOf(2)));
        assertInstanceOf(Verdict.Conflict.class, h.verdicts().get(eventIdOf(2)));
        // when: the door is deleted and the same keyed write is retried
        h.poll(RulesHarness.delete(3, DOOR));
        h.poll(keyed(4, DOOR, Op.PUT, "{\"n\":2}", Condition.absent(), "k", timeOf(4)));
        // then: applied, once
        assertEquals(new Verdict.Applied(4, timeOf(4)), h.verdicts().get(eventIdOf(4)));
    }

    @Test
    void aRetriedMergeIsNotAppliedTwice() {
        // given: a counter at 1, and a merge setting it to 2 under key k
        RulesHarness h = new RulesHarness().await(eventIdOf(3));
        h.poll(RulesHarness.put(1, DOOR, "{\"hits\":1}"));
        h.poll(keyed(2, DOOR, Op.MERGE, "{\"hits\":2}", Condition.any(), "k", timeOf(2)));
        // when: another server moves it on, then the first merge's retry arrives
        h.poll(RulesHarness.merge(3, DOOR, "{\"hits\":3}"));
        h.poll(keyed(4, DOOR, Op.MERGE, "{\"hits\":2}", Condition.any(), "k", timeOf(4)));
        // then: the retry did not set it back
        assertEquals(Json.parse("{\"hits\":3}"), h.value(DOOR));
        assertEquals(3, h.history(DOOR).size());
    }

    @Test
    void aBatchRetryLearnsEveryVersionOfTheFirst() {
        // given: alice exists at 1; a batch (offset 2) patches her to the same value and puts the door
        RulesHarness h = new RulesHarness().await(eventIdOf(2), eventIdOf(3));
        Key.PlayerState alice = new Key.PlayerState("w1", "alice");
        h.poll(RulesHarness.put(1, alice, "{\"hp\":1}"));
        h.poll(batch(2, "k", new BatchEvent.Item(alice, Op.MERGE, Condition.any(), 1, bytes("{\"hp\":1}"), 0, 8),
                new BatchEvent.Item(DOOR, Op.PUT, Condition.any(), 1, bytes("{}"), 0, 2)));
        // when: the batch is sent again with the same key
        h.poll(batch(3, "k", new BatchEvent.Item(alice, Op.MERGE, Condition.any(), 1, bytes("{\"hp\":1}"), 0, 8),
                new BatchEvent.Item(DOOR, Op.PUT, Condition.any(), 1, bytes("{}"), 0, 2)));
        // then
        assertEquals(new Verdict.BatchApplied(2, List.of(1L, 2L)), h.verdicts().get(eventIdOf(2)));
        assertEquals(new Verdict.Replayed(2, List.of(1L, 2L)), h.verdicts().get(eventIdOf(3)));
        assertEquals(1, h.history(DOOR).size());
    }

    @Test
    void eventsWithoutAKeyAreNeverDeduplicated() {
        RulesHarness h = new RulesHarness();
        h.poll(RulesHarness.put(1, DOOR, "{}"), RulesHarness.put(2, DOOR, "{}"));
        assertEquals(2, h.history(DOOR).size());
        assertFalse(h.rejected(0, 2));
    }

    @Test
    void anEntryExpiresOnlyByEventTime() {
        byte[] entry = IdempotencyRecords.value(1_000, 7, WINDOW, 42, new long[] {7});
        assertTrue(IdempotencyRecords.covers(entry, 1_000 + WINDOW));
        assertFalse(IdempotencyRecords.covers(entry, 1_000 + WINDOW + 1));
        assertTrue(IdempotencyRecords.covers(entry, 0), "a writer whose clock is behind still hits the key");
        assertFalse(IdempotencyRecords.expired(entry, 1_000 + WINDOW + IdempotencyRecords.CLOCK_SLACK_MS));
        assertTrue(IdempotencyRecords.expired(entry, 1_000 + WINDOW + IdempotencyRecords.CLOCK_SLACK_MS + 1));
        assertEquals(List.of(7L), IdempotencyRecords.versions(entry));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Decoded batch(long offset, String idem, BatchEvent.Item... items) {
        byte[] doc = BatchCodec.encode(List.of(items), 1 << 20, null);
        try {
            BatchCodec.Document d = BatchCodec.decode("w1", doc);
            BatchEvent e = new BatchEvent(eventIdOf(offset), "w1", doc, d.items(), d.maxValueBytes(), null, "node-test", "trader",
                    timeOf(offset), new Idempotency(idem, WINDOW));
            return new Decoded(new dev.worldstore.LogPosition(0, offset), e.timestampMs(), e, null,
                    new RulesHarness.Raw("ws.op=batch", doc, e.eventId()));
        } catch (MalformedEventException ex) {
            throw new AssertionError(ex);
        }
    }
}
