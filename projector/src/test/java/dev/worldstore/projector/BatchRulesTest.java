package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.BatchConflictException;
import dev.worldstore.Condition;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.Op;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rules of world transactions: a batch is one record, decided whole against the state before
 * it, applied in one write or not at all. Batches go through {@link BatchCodec} as they would through
 * Kafka, so the document round trip is part of every test.
 */
class BatchRulesTest {
    private static final String W = "w1";
    private static final Key.PlayerState ALICE = new Key.PlayerState(W, "alice");
    private static final Key.PlayerState BOB = new Key.PlayerState(W, "bob");
    private static final Key.Entity CHEST = new Key.Entity(W, "chest");
    private static final Key.AppData QUEST = new Key.AppData(W, "quests", "alice", "main");
    private static final Key.WorldState WORLD = new Key.WorldState(W);

    /** One change of a batch under construction. */
    private record C(Key key, Op op, String json, Condition condition) {
    }

    private static C put(Key key, String json) {
        return new C(key, Op.PUT, json, Condition.any());
    }

    private static C put(Key key, String json, Condition condition) {
        return new C(key, Op.PUT, json, condition);
    }

    private static C merge(Key key, String patch, Condition condition) {
        return new C(key, Op.MERGE, patch, condition);
    }

    private static C delete(Key key, Condition condition) {
        return new C(key, Op.DELETE, null, condition);
    }

    /** The batch record at {@code offset}, encoded and decoded as Kafka would carry it. */
    private static Decoded batch(long offset, int maxValueBytes, C... changes) {
        List<BatchEvent.Item> items = new ArrayList<>();
        for (C c : changes) {
            byte[] p = c.json() == null ? null : c.json().getBytes(StandardCharsets.UTF_8);
            items.add(new BatchEvent.Item(c.key(), c.op(), c.condition(), 1, p, 0, p == null ? 0 : p.length));
        }
        byte[] doc = BatchCodec.encode(items, maxValueBytes, null);
        try {
            BatchCodec.Document d = BatchCodec.decode(W, doc);
            BatchEvent e = new BatchEvent(RulesHarness.eventIdOf(offset), W, doc, d.items(), d.maxValueBytes(), null, "node-test",
                    "trader", RulesHarness.timeOf(offset));
            return new Decoded(new LogPosition(0, offset), e.timestampMs(), e, null,
                    new RulesHarness.Raw("ws.op=batch", doc, e.eventId()));
        } catch (MalformedEventException ex) {
            throw new AssertionError(ex);
        }
    }

    private static Decoded batch(long offset, C... changes) {
        return batch(offset, 4 * 1024 * 1024, changes);
    }

    @Test
    void aBatchAppliesEveryChangeAtOnePosition() {
        // given
        RulesHarness h = new RulesHarness().await(RulesHarness.eventIdOf(0));
        // when: a quest completion changes player state, app data and world state together
        h.poll(batch(0, put(ALICE, "{\"xp\":10}"), put(QUEST, "{\"stage\":3}"), put(WORLD, "{\"bossDefeated\":true}")));
        // then: all three at version 0, each with a history entry at the batch's position, and one Applied verdict
        for (Key k : List.of(ALICE, QUEST, WORLD)) {
            assertEquals(0L, h.version(k), k.toString());
            assertEquals(1, h.history(k).size(), k.toString());
            assertEquals(0L, h.history(k).get(0).version());
            assertEquals("trader", h.history(k).get(0).change().actor());
        }
        assertEquals(Json.parse("{\"stage\":3}"), h.value(QUEST));
        assertEquals(new Verdict.BatchApplied(0, List.of(0L, 0L, 0L)), h.verdicts().get(RulesHarness.eventIdOf(0)));
    }

    @Test
    void aTradeIsAllOrNothingWhenOneConditionFails() {
        // given: alice holds a sword at version 0, bob's inventory at version 1
        RulesHarness h = new RulesHarness().await(RulesHarness.eventIdOf(2));
        h.poll(RulesHarness.put(0, ALICE, "{\"items\":[\"sword\"]}"), RulesHarness.put(1, BOB, "{\"items\":[]}"));
        // when: a trade expects bob at a stale version
        h.poll(batch(2, put(ALICE, "{\"items\":[]}", Condition.version(0)), put(BOB, "{\"items\":[\"sword\"]}", Condition.version(7))));
        // then: nothing moved; the verdict names the failing change with its actual version; the batch is marked refused
        assertEquals(Json.parse("{\"items\":[\"sword\"]}"), h.value(ALICE));
        assertEquals(Json.parse("{\"items\":[]}"), h.value(BOB));
        assertEquals(1, h.history(ALICE).size());
        Verdict.BatchConflict v = assertInstanceOf(Verdict.BatchConflict.class, h.verdicts().get(RulesHarness.eventIdOf(2)));
        assertEquals(List.of(new BatchConflictException.Failure(1, BOB, Condition.version(7), 1L)), v.failures());
        assertTrue(h.rejected(0, 2));
    }

    @Test
    void everyFailingConditionIsListedInBatchOrder() {
        // given: the chest exists, alice does not
        RulesHarness h = new RulesHarness().await(RulesHarness.eventIdOf(1));
        h.poll(RulesHarness.put(0, CHEST, "{\"gold\":5}"));
        // when: create-only on the chest, an expected version on absent alice, and a change that would hold
        h.poll(batch(1, put(CHEST, "{\"gold\":6}", Condition.absent()), merge(ALICE, "{\"hp\":1}", Condition.version(3)),
                put(WORLD, "{}", Condition.absent())));
        // then
        Verdict.BatchConflict v = assertInstanceOf(Verdict.BatchConflict.class, h.verdicts().get(RulesHarness.eventIdOf(1)));
        assertEquals(List.of(new BatchConflictException.Failure(0, CHEST, Condition.absent(), 0L),
                new BatchConflictException.Failure(1, ALICE, Condition.version(3), null)), v.failures());
        assertNull(h.stored(WORLD), "the change whose condition held was not applied either");
    }

    @Test
    void everyConditionKindHoldsInOneBatch() {
        // given
        RulesHarness h = new RulesHarness();
        h.poll(RulesHarness.put(0, ALICE, "{\"hp\":1}"), RulesHarness.put(1, BOB, "{\"hp\":2}"));
        h.poll(RulesHarness.put(2, WORLD, "{}"));
        // when: any, expected version, create-only, and a conditional delete
        h.poll(batch(3, put(ALICE, "{\"hp\":3}"), merge(BOB, "{\"mp\":4}", Condition.version(1)), put(CHEST, "{}", Condition.absent()),
                delete(WORLD, Condition.version(2))));
        // then
        assertEquals(Json.parse("{\"hp\":3}"), h.value(ALICE));
        assertEquals(Json.parse("{\"hp\":2,\"mp\":4}"), h.value(BOB));
        assertEquals(3L, h.version(CHEST));
        assertNull(h.stored(WORLD));
        assertFalse(h.rejected(0, 3));
        assertTrue(h.skipped(0, 3).isEmpty());
    }

    @Test
    void aMergeInABatchAppliesToTheValueBeforeTheBatchAndRecordsThePatch() {
        RulesHarness h = new RulesHarness();
        h.poll(RulesHarness.put(0, ALICE, "{\"hp\":1,\"mp\":1}"));
        h.poll(batch(1, merge(ALICE, "{\"mp\":null,\"xp\":2}", Condition.any())));
        assertEquals(Json.parse("{\"hp\":1,\"xp\":2}"), h.value(ALICE));
        assertEquals(Op.MERGE, h.history(ALICE).get(1).op());
        assertEquals(Json.parse("{\"mp\":null,\"xp\":2}"), h.history(ALICE).get(1).json());
    }

    @Test
    void aMergeWhoseResultExceedsTheWritersLimitRefusesTheWholeBatch() {
        // given: a value of 60 bytes and a batch checked against a 64-byte limit
        RulesHarness h = new RulesHarness().await(RulesHarness.eventIdOf(1));
        h.poll(RulesHarness.put(0, ALICE, "{\"name\":\"" + "a".repeat(48) + "\"}"));
        // when: the batch also puts bob, and its merge would grow alice past the limit
        h.poll(batch(1, 64, put(BOB, "{}"), merge(ALICE, "{\"title\":\"knight of the realm\"}", Condition.any())));
        // then: neither change applied; the verdict names changes[1]
        Verdict.TooLarge v = assertInstanceOf(Verdict.TooLarge.class, h.verdicts().get(RulesHarness.eventIdOf(1)));
        assertEquals("changes[1].patch", v.field());
        assertEquals(64, v.limit());
        assertNull(h.stored(BOB));
        assertTrue(h.rejected(0, 1));
    }

    @Test
    void aKeyDeletedInOneBatchCanBeCreatedOnlyByTheNext() {
        RulesHarness h = new RulesHarness().await(RulesHarness.eventIdOf(2));
        h.poll(RulesHarness.put(0, CHEST, "{\"gold\":1}"));
        // when: one batch deletes the chest, the next recreates it create-only
        h.poll(batch(1, delete(CHEST, Condition.version(0))));
        assertNull(h.stored(CHEST));
        h.poll(batch(2, put(CHEST, "{\"gold\":9}", Condition.absent())));
        // then
        assertEquals(2L, h.version(CHEST));
        assertEquals(List.of(Op.PUT, Op.DELETE, Op.PUT), h.history(CHEST).stream().map(RulesHarness.Change::op).toList());
        assertEquals(new Verdict.BatchApplied(2, List.of(2L)), h.verdicts().get(RulesHarness.eventIdOf(2)));
    }

    @Test
    void aBatchSeesAnEarlierEventOfTheSamePoll() {
        // given / when: a put and, in the same poll, a batch that expects its version
        RulesHarness h = new RulesHarness();
        h.poll(RulesHarness.put(0, ALICE, "{\"hp\":1}"), batch(1, merge(ALICE, "{\"hp\":2}", Condition.version(0))));
        // then
        assertEquals(Json.parse("{\"hp\":2}"), h.value(ALICE));
        assertEquals(1L, h.version(ALICE));
    }

    @Test
    void theSameKeyTwiceInOneRecordIsDeadLettered() {
        // given: a record the writer would never send (it refuses duplicate keys)
        RulesHarness h = new RulesHarness().await(RulesHarness.eventIdOf(0));
        // when
        h.poll(batch(0, put(ALICE, "{}"), put(ALICE, "{\"hp\":1}")));
        // then
        assertNull(h.stored(ALICE));
        assertNotNull(h.deadLetter(0, 0));
        assertTrue(h.deadLetter(0, 0).reason().contains("changes[1]"), h.deadLetter(0, 0).reason());
        assertInstanceOf(Verdict.Rejected.class, h.verdicts().get(RulesHarness.eventIdOf(0)));
    }

    @Test
    void playerStateChangesInABatchRaiseLastSeen() {
        RulesHarness h = new RulesHarness();
        h.poll(batch(5, put(ALICE, "{}"), put(CHEST, "{}")));
        assertEquals(Long.valueOf(RulesHarness.timeOf(5)), h.lastSeen("alice"));
    }

    @Test
    void changesThatChangeNothingAreSkippedAndTheRestApplied() {
        // given: alice at version 0, the chest absent
        RulesHarness h = new RulesHarness().await(RulesHarness.eventIdOf(1));
        h.poll(RulesHarness.put(0, ALICE, "{\"hp\":1}"));
        // when: a tick's flush deletes the absent chest, patches alice to what she holds, and puts bob
        h.poll(batch(1, delete(CHEST, Condition.any()), merge(ALICE, "{\"hp\":1}", Condition.any()), put(BOB, "{}")));
        // then: only bob changed; alice keeps version 0 with one history entry; the chest has no history
        assertEquals(1L, h.version(BOB));
        assertEquals(0L, h.version(ALICE));
        assertEquals(1, h.history(ALICE).size());
        assertTrue(h.history(CHEST).isEmpty());
        assertFalse(h.rejected(0, 1));
        assertEquals(java.util.BitSet.valueOf(new long[] {0b011}), h.skipped(0, 1));
        assertEquals(new Verdict.BatchApplied(1, List.of(1L, 0L, 1L)), h.verdicts().get(RulesHarness.eventIdOf(1)));
    }

    @Test
    void aBatchThatChangesNothingIsNoEvent() {
        RulesHarness h = new RulesHarness().await(RulesHarness.eventIdOf(1));
        h.poll(RulesHarness.put(0, ALICE, "{\"hp\":1}"));
        h.poll(batch(1, delete(CHEST, Condition.any()), merge(ALICE, "{}", Condition.any())));
        assertTrue(h.rejected(0, 1), "feeds skip it");
        assertEquals(1, h.history(ALICE).size());
        assertEquals(new Verdict.BatchApplied(1, List.of(1L, 0L)), h.verdicts().get(RulesHarness.eventIdOf(1)));
    }
}
