package dev.worldstore.projector;

import static dev.worldstore.projector.RulesHarness.at;
import static dev.worldstore.projector.RulesHarness.delete;
import static dev.worldstore.projector.RulesHarness.event;
import static dev.worldstore.projector.RulesHarness.eventIdOf;
import static dev.worldstore.projector.RulesHarness.malformed;
import static dev.worldstore.projector.RulesHarness.merge;
import static dev.worldstore.projector.RulesHarness.put;
import static dev.worldstore.projector.RulesHarness.register;
import static dev.worldstore.projector.RulesHarness.timeOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.Condition;
import dev.worldstore.DeadLetter;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.Op;
import dev.worldstore.Stored;
import dev.worldstore.Table;
import dev.worldstore.Upgraders;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The projection rules, event by event, over an in-memory projection whose writes land only when a
 * poll ends (see {@link RulesHarness}). Each test states the log (given), applies it (when) and
 * reads the state, history, marks and verdicts back through the projection's codecs (then).
 */
class ProjectionRulesTest {
    private static final String W = "w1";
    private static final Key.PlayerState P1_STATE = new Key.PlayerState(W, "p1");
    private static final Key.Entity DOOR = new Key.Entity(W, "door");
    private static final Key.WorldState WORLD = new Key.WorldState(W);

    private static JsonNode json(String text) {
        return Json.parse(text);
    }

    /** A merge patch in data format {@code format}. */
    private static Decoded mergeInFormat(long offset, Key key, String patch, int format) {
        return at(offset, event(offset, key, Op.MERGE, patch, Condition.any(), format, timeOf(offset)));
    }

    private static Decoded putInFormat(long offset, Key key, String json, int format) {
        return at(offset, event(offset, key, Op.PUT, json, Condition.any(), format, timeOf(offset)));
    }

    /** Format 2 of player states renames {@code hp} to {@code health}. */
    private static Upgraders hpRenamedToHealth() {
        return Upgraders.builder().add(Table.PLAYER_STATES, 1, v -> {
            ObjectNode o = (ObjectNode) v;
            o.set("health", o.remove("hp"));
            return o;
        }).build();
    }

    @Nested
    class Harness {
        @Test
        void writesOfAPollReachTheStateOnlyWhenThePollEnds() {
            // given
            RulesHarness h = new RulesHarness();
            RulesHarness.Batch batch = h.begin();
            // when
            batch.apply(put(0, DOOR, "{\"open\":true}"));
            // then: like RocksDB's atomic batch, nothing is visible before the write
            assertNull(h.stored(DOOR));
            assertEquals(0, h.size(Cf.HISTORY));
            batch.commit();
            assertEquals(json("{\"open\":true}"), h.value(DOOR));
            assertEquals(1, h.size(Cf.HISTORY));
        }
    }

    @Nested
    class Puts {
        @Test
        void aPutStoresThePayloadBytesExactlyAsSent() {
            // given: whitespace, member order and number spelling a parser would not keep
            String sent = "{ \"b\" : 1.50,\n  \"a\":[1, 2e3],\"u\":\"\\u00e9\" }";
            RulesHarness h = new RulesHarness();
            // when
            h.poll(put(0, DOOR, sent));
            // then
            Stored s = h.stored(DOOR);
            assertArrayEquals(sent.getBytes(StandardCharsets.UTF_8), s.jsonBytes());
            assertEquals(1, s.formatVersion());
            assertEquals(RulesHarness.ORIGIN, s.origin());
            assertEquals("actor-0", s.actor());
            assertEquals(Instant.ofEpochMilli(timeOf(0)), s.updatedAt());
        }

        @Test
        void aKeysVersionIsTheOffsetOfItsLastChange() {
            // given
            RulesHarness h = new RulesHarness();
            h.poll(put(3, DOOR, "{\"n\":1}"));
            assertEquals(3L, h.version(DOOR));
            // when
            h.poll(put(17, DOOR, "{\"n\":2}"));
            // then
            assertEquals(17L, h.version(DOOR));
            assertEquals(json("{\"n\":2}"), h.value(DOOR));
        }

        @Test
        void aPutAppendsAHistoryEntryHoldingTheStoredValue() {
            // given
            RulesHarness h = new RulesHarness();
            // when
            h.poll(put(4, DOOR, "{\"n\":1}"), put(9, DOOR, "{\"n\":2}"));
            // then
            List<RulesHarness.Change> history = h.history(DOOR);
            assertEquals(List.of(4L, 9L), history.stream().map(RulesHarness.Change::version).toList());
            assertEquals(List.of(Op.PUT, Op.PUT), history.stream().map(RulesHarness.Change::op).toList());
            assertEquals(json("{\"n\":1}"), history.get(0).json());
            assertEquals(4L, history.get(0).change().version());
            // the newest entry is the state's own bytes after the op byte
            byte[] entry = history.get(1).raw();
            assertArrayEquals(h.storedBytes(DOOR), Arrays.copyOfRange(entry, HistoryCodec.STORED_AT, entry.length));
        }

        @Test
        void keysOfDifferentTablesWithTheSameIdsAreIndependent() {
            // given
            RulesHarness h = new RulesHarness();
            Key.Entity entity = new Key.Entity(W, "p1");
            // when
            h.poll(put(0, P1_STATE, "{\"who\":\"player\"}"), put(1, entity, "{\"who\":\"entity\"}"));
            // then
            assertEquals(json("{\"who\":\"player\"}"), h.value(P1_STATE));
            assertEquals(json("{\"who\":\"entity\"}"), h.value(entity));
            assertEquals(1, h.history(P1_STATE).size());
            assertEquals(1, h.history(entity).size());
        }
    }

    @Nested
    class Conditions {
        @Test
        void anUnconditionalChangeAppliesWhateverTheKeyHolds() {
            // given
            RulesHarness h = new RulesHarness().await(eventIdOf(1));
            h.poll(put(0, DOOR, "{\"n\":1}"));
            // when
            h.poll(put(1, DOOR, "{\"n\":2}"));
            // then
            assertEquals(json("{\"n\":2}"), h.value(DOOR));
            assertEquals(new Verdict.Applied(1, timeOf(1)), h.verdicts().get(eventIdOf(1)));
        }

        @Test
        void createOnlyOnAnAbsentKeyApplies() {
            // given
            RulesHarness h = new RulesHarness().await(eventIdOf(5));
            // when
            h.poll(put(5, DOOR, "{\"n\":1}", Condition.absent()));
            // then
            assertEquals(json("{\"n\":1}"), h.value(DOOR));
            assertEquals(new Verdict.Applied(5, timeOf(5)), h.verdicts().get(eventIdOf(5)));
            assertFalse(h.rejected(0, 5));
        }

        @Test
        void createOnlyOnAnExistingKeyIsRefusedNamingTheActualVersion() {
            // given
            RulesHarness h = new RulesHarness().await(eventIdOf(8));
            h.poll(put(3, DOOR, "{\"n\":1}"));
            // when
            h.poll(put(8, DOOR, "{\"n\":2}", Condition.absent()));
            // then
            assertEquals(new Verdict.Conflict(3L), h.verdicts().get(eventIdOf(8)));
            assertEquals(json("{\"n\":1}"), h.value(DOOR));
            assertTrue(h.rejected(0, 8));
        }

        @Test
        void anExpectedVersionThatMatchesApplies() {
            // given
            RulesHarness h = new RulesHarness().await(eventIdOf(6));
            h.poll(put(2, DOOR, "{\"n\":1}"));
            // when
            h.poll(put(6, DOOR, "{\"n\":2}", Condition.version(2)));
            // then
            assertEquals(json("{\"n\":2}"), h.value(DOOR));
            assertEquals(6L, h.version(DOOR));
            assertEquals(new Verdict.Applied(6, timeOf(6)), h.verdicts().get(eventIdOf(6)));
        }

        @Test
        void expectedVersionZeroMatchesAValueWrittenAtOffsetZero() {
            // given
            RulesHarness h = new RulesHarness();
            h.poll(put(0, DOOR, "{\"n\":1}"));
            // when
            h.poll(put(1, DOOR, "{\"n\":2}", Condition.version(0)));
            // then
            assertEquals(json("{\"n\":2}"), h.value(DOOR));
            assertFalse(h.rejected(0, 1));
        }

        @Test
        void aStaleExpectedVersionIsRefusedNamingTheActualVersion() {
            // given
            RulesHarness h = new RulesHarness().await(eventIdOf(9));
            h.poll(put(2, DOOR, "{\"n\":1}"), put(4, DOOR, "{\"n\":2}"));
            // when: a writer that read version 2
            h.poll(put(9, DOOR, "{\"n\":3}", Condition.version(2)));
            // then
            assertEquals(new Verdict.Conflict(4L), h.verdicts().get(eventIdOf(9)));
            assertEquals(json("{\"n\":2}"), h.value(DOOR));
            assertTrue(h.rejected(0, 9));
        }

        @Test
        void anExpectedVersionOnAnAbsentKeyIsRefusedWithNoActualVersion() {
            // given
            RulesHarness h = new RulesHarness().await(eventIdOf(1));
            // when
            h.poll(put(1, DOOR, "{\"n\":1}", Condition.version(0)));
            // then
            assertEquals(new Verdict.Conflict(null), h.verdicts().get(eventIdOf(1)));
            assertNull(h.stored(DOOR));
            assertTrue(h.rejected(0, 1));
        }

        @Test
        void aRefusedEventChangesNoStateWritesNoHistoryAndIsOnlyMarkedRejectedAtItsPosition() {
            // given: a player state, so lastSeen would move too
            RulesHarness h = new RulesHarness();
            h.poll(put(0, P1_STATE, "{\"hp\":1}"));
            String before = h.dump();
            // when: a refused put, merge and delete, from another partition too
            List<String> dead = h.poll(put(5, P1_STATE, "{\"hp\":2}", Condition.absent()),
                    merge(6, P1_STATE, "{\"hp\":3}", Condition.version(4)),
                    delete(7, P1_STATE, Condition.absent()),
                    at(2, 8, event(8, P1_STATE, Op.PUT, "{\"hp\":4}", Condition.version(99))));
            // then
            assertEquals(List.of(), dead);
            assertEquals(json("{\"hp\":1}"), h.value(P1_STATE));
            assertEquals(0L, h.version(P1_STATE));
            assertEquals(1, h.history(P1_STATE).size());
            assertEquals(timeOf(0), h.lastSeen("p1"));
            assertTrue(h.rejected(0, 5));
            assertTrue(h.rejected(0, 6));
            assertTrue(h.rejected(0, 7));
            assertTrue(h.rejected(2, 8));
            assertFalse(h.rejected(0, 8));
            assertEquals(4, h.size(Cf.REJECTED));
            // (refused events are events of the log: they move its event clock like any other)
            assertEquals(before.replaceAll("(?s)\\[event_times\\].*", ""), h.dump()
                    .replaceAll("(?s)\\[rejected\\].*?(?=\\[)", "[rejected]\n").replaceAll("(?s)\\[event_times\\].*", ""),
                    "nothing but the rejected marks and the event clock changed");
        }

        @Test
        void aLaterEventOfThePollSeesTheVersionAnEarlierOneWrote() {
            // given
            RulesHarness h = new RulesHarness().await(eventIdOf(2), eventIdOf(3));
            // when: both in one atomic write
            h.poll(put(2, DOOR, "{\"n\":1}", Condition.absent()), put(3, DOOR, "{\"n\":2}", Condition.version(2)));
            // then
            assertEquals(new Verdict.Applied(2, timeOf(2)), h.verdicts().get(eventIdOf(2)));
            assertEquals(new Verdict.Applied(3, timeOf(3)), h.verdicts().get(eventIdOf(3)));
            assertEquals(json("{\"n\":2}"), h.value(DOOR));
        }

        @Test
        void aLaterEventOfThePollIsRefusedAgainstTheVersionAnEarlierOneWrote() {
            // given
            RulesHarness h = new RulesHarness().await(eventIdOf(3));
            h.poll(put(0, DOOR, "{\"n\":0}"));
            // when: the second still expects the version the first replaced
            h.poll(put(2, DOOR, "{\"n\":1}"), put(3, DOOR, "{\"n\":2}", Condition.version(0)));
            // then
            assertEquals(new Verdict.Conflict(2L), h.verdicts().get(eventIdOf(3)));
            assertEquals(json("{\"n\":1}"), h.value(DOOR));
        }
    }

    @Nested
    class Deletes {
        @Test
        void aDeleteRemovesTheValueAndRecordsADeleteInHistory() {
            // given
            RulesHarness h = new RulesHarness().await(eventIdOf(4));
            h.poll(put(1, DOOR, "{\"n\":1}"));
            // when
            h.poll(delete(4, DOOR));
            // then
            assertNull(h.stored(DOOR));
            List<RulesHarness.Change> history = h.history(DOOR);
            assertEquals(List.of(Op.PUT, Op.DELETE), history.stream().map(RulesHarness.Change::op).toList());
            assertEquals(4L, history.get(1).version());
            assertTrue(history.get(1).json().isNull());
            assertEquals(Instant.ofEpochMilli(timeOf(4)), history.get(1).change().updatedAt());
            assertEquals(new Verdict.Applied(4, timeOf(4)), h.verdicts().get(eventIdOf(4)));
        }

        @Test
        void aKeyDeletedInAnEarlierPollCanBeCreatedAgainWithCreateOnly() {
            // given
            RulesHarness h = new RulesHarness().await(eventIdOf(2));
            h.poll(put(0, DOOR, "{\"n\":1}"));
            h.poll(delete(1, DOOR));
            // when
            h.poll(put(2, DOOR, "{\"n\":2}", Condition.absent()));
            // then
            assertEquals(json("{\"n\":2}"), h.value(DOOR));
            assertEquals(2L, h.version(DOOR));
            assertEquals(new Verdict.Applied(2, timeOf(2)), h.verdicts().get(eventIdOf(2)));
        }

        @Test
        void aKeyDeletedEarlierInTheSamePollCanBeCreatedAgainWithCreateOnly() {
            // given: the value is committed; its delete is still pending in the batch
            RulesHarness h = new RulesHarness().await(eventIdOf(2));
            h.poll(put(0, DOOR, "{\"n\":1}"));
            // when
            h.poll(delete(1, DOOR), put(2, DOOR, "{\"n\":2}", Condition.absent()));
            // then
            assertEquals(json("{\"n\":2}"), h.value(DOOR));
            assertEquals(new Verdict.Applied(2, timeOf(2)), h.verdicts().get(eventIdOf(2)));
            assertFalse(h.rejected(0, 2));
            assertEquals(List.of(Op.PUT, Op.DELETE, Op.PUT), h.history(DOOR).stream().map(RulesHarness.Change::op).toList());
        }

        @Test
        void anExpectedVersionAfterADeleteInTheSamePollIsRefusedAsAbsent() {
            // given
            RulesHarness h = new RulesHarness().await(eventIdOf(2));
            h.poll(put(0, DOOR, "{\"n\":1}"));
            // when
            h.poll(delete(1, DOOR), put(2, DOOR, "{\"n\":2}", Condition.version(0)));
            // then
            assertEquals(new Verdict.Conflict(null), h.verdicts().get(eventIdOf(2)));
            assertNull(h.stored(DOOR));
        }

        @Test
        void aMergeAfterADeleteInTheSamePollStartsFromAnEmptyObject() {
            // given
            RulesHarness h = new RulesHarness();
            h.poll(put(0, DOOR, "{\"old\":true}"));
            // when
            h.poll(delete(1, DOOR), merge(2, DOOR, "{\"new\":true}"));
            // then
            assertEquals(json("{\"new\":true}"), h.value(DOOR));
        }
        @Test
        void aDeleteOfAKeyThatNeverExistedIsNotFoundAndRecordsNothing() {
            // given
            RulesHarness h = new RulesHarness().await(eventIdOf(0));
            // when
            h.poll(delete(0, DOOR));
            // then: no history entry, the event is marked so feeds skip it, the writer learns NotFound
            assertEquals(new Verdict.NotFound(), h.verdicts().get(eventIdOf(0)));
            assertTrue(h.history(DOOR).isEmpty());
            assertTrue(h.rejected(0, 0));
        }

        @Test
        void putDeleteDeleteRecordsOneDelete() {
            // given
            RulesHarness h = new RulesHarness().await(eventIdOf(2));
            // when
            h.poll(put(0, DOOR, "{}"), delete(1, DOOR), delete(2, DOOR));
            // then
            assertEquals(List.of(Op.PUT, Op.DELETE), h.history(DOOR).stream().map(RulesHarness.Change::op).toList());
            assertEquals(new Verdict.NotFound(), h.verdicts().get(eventIdOf(2)));
        }
    }

    @Nested
    class MergePatches {
        @Test
        void aMergePatchOntoAMissingKeyIsThePatchAppliedToAnEmptyObject() {
            // given
            RulesHarness h = new RulesHarness().await(eventIdOf(3));
            // when
            h.poll(merge(3, DOOR, "{\"a\":1,\"gone\":null,\"c\":{\"d\":null,\"e\":2}}"));
            // then
            assertEquals(json("{\"a\":1,\"c\":{\"e\":2}}"), h.value(DOOR));
            assertEquals(3L, h.version(DOOR));
            assertEquals(new Verdict.Applied(3, timeOf(3)), h.verdicts().get(eventIdOf(3)));
        }

        @Test
        void aMergePatchChangesOnlyTheFieldsItNames() {
            // given
            RulesHarness h = new RulesHarness();
            h.poll(put(0, DOOR, "{\"a\":1,\"b\":{\"x\":1,\"y\":2},\"c\":[1,2]}"));
            // when
            h.poll(merge(1, DOOR, "{\"a\":2,\"b\":{\"y\":3}}"));
            // then
            assertEquals(json("{\"a\":2,\"b\":{\"x\":1,\"y\":3},\"c\":[1,2]}"), h.value(DOOR));
            assertEquals(1L, h.version(DOOR));
        }

        @Test
        void aNullInAMergePatchRemovesTheField() {
            // given
            RulesHarness h = new RulesHarness();
            h.poll(put(0, DOOR, "{\"a\":1,\"b\":{\"x\":1,\"y\":2}}"));
            // when
            h.poll(merge(1, DOOR, "{\"a\":null,\"b\":{\"x\":null}}"));
            // then
            assertEquals(json("{\"b\":{\"y\":2}}"), h.value(DOOR));
        }

        @Test
        void aMergePatchThatChangesNothingKeepsTheVersionAndRecordsNothing() {
            // given
            RulesHarness h = new RulesHarness().await(eventIdOf(1), eventIdOf(2), eventIdOf(3));
            h.poll(put(0, DOOR, "{\"a\":1,\"b\":{\"c\":2}}"));
            // when: an empty patch, a patch naming the values held, and removing a field that is not there
            h.poll(merge(1, DOOR, "{}"), merge(2, DOOR, "{\"a\":1,\"b\":{\"c\":2}}"), merge(3, DOOR, "{\"gone\":null}"));
            // then
            for (long n = 1; n <= 3; n++) {
                assertEquals(new Verdict.Unchanged(0), h.verdicts().get(eventIdOf(n)));
                assertTrue(h.rejected(0, n), "feeds skip event " + n);
            }
            assertEquals(0L, h.version(DOOR));
            assertEquals(1, h.history(DOOR).size());
        }

        @Test
        void aMergeWhoseResultExceedsTheWritersLimitIsRefused() {
            // given: a 39-byte value; the writer recorded a 48-byte limit with the patch
            RulesHarness h = new RulesHarness().await(eventIdOf(1));
            h.poll(put(0, DOOR, "{\"name\":\"" + "a".repeat(29) + "\"}"));
            ChangeEvent e = event(1, DOOR, Op.MERGE, "{\"title\":\"knight\"}", Condition.any());
            // when
            h.poll(at(1, new ChangeEvent(e.eventId(), e.key(), e.op(), e.payload(), e.condition(), e.formatVersion(), e.origin(),
                    e.actor(), e.timestampMs(), 48)));
            // then
            Verdict.TooLarge v = assertInstanceOf(Verdict.TooLarge.class, h.verdicts().get(eventIdOf(1)));
            assertEquals(48, v.limit());
            assertEquals(57, v.bytes(), "{\"name\":\"a…a\",\"title\":\"knight\"}");
            assertEquals(0L, h.version(DOOR));
            assertTrue(h.rejected(0, 1));
        }

        @Test
        void aMergeRecordsThePatchInHistoryAndStoresTheResult() {
            // given
            RulesHarness h = new RulesHarness();
            h.poll(put(0, DOOR, "{\"a\":1}"));
            // when
            h.poll(merge(1, DOOR, "{\"b\":2}"));
            // then
            List<RulesHarness.Change> history = h.history(DOOR);
            assertEquals(Op.MERGE, history.get(1).op());
            assertEquals(1L, history.get(1).version());
            assertEquals(json("{\"b\":2}"), history.get(1).json());
            assertEquals(json("{\"a\":1,\"b\":2}"), h.value(DOOR));
        }

        @Test
        void aMergePatchInANewerFormatUpgradesTheStoredValueFirst() {
            // given: a format-1 value, and a node that knows format 2
            RulesHarness h = new RulesHarness(hpRenamedToHealth());
            h.poll(putInFormat(0, P1_STATE, "{\"hp\":7,\"mana\":1}", 1));
            // when
            h.poll(mergeInFormat(1, P1_STATE, "{\"health\":8}", 2));
            // then: hp became health before the patch, so no stale hp survives
            assertEquals(json("{\"mana\":1,\"health\":8}"), h.value(P1_STATE));
            assertEquals(2, h.stored(P1_STATE).formatVersion());
            assertEquals(2, h.history(P1_STATE).get(1).change().formatVersion());
        }

        @Test
        void aMergePatchInTheValuesFormatDoesNotUpgradeIt() {
            // given: a value already in format 2 that happens to hold hp
            AtomicInteger upgrades = new AtomicInteger();
            Upgraders counting = Upgraders.builder().add(Table.PLAYER_STATES, 1, v -> {
                upgrades.incrementAndGet();
                return v;
            }).build();
            RulesHarness h = new RulesHarness(counting);
            h.poll(putInFormat(0, P1_STATE, "{\"hp\":7}", 2));
            // when
            h.poll(mergeInFormat(1, P1_STATE, "{\"mana\":1}", 2));
            // then
            assertEquals(0, upgrades.get());
            assertEquals(json("{\"hp\":7,\"mana\":1}"), h.value(P1_STATE));
        }

        @Test
        void anOlderFormatPatchOntoANewerValueKeepsTheValuesFormat() {
            // given: a value in format 2 (health), as an up-to-date node wrote it
            RulesHarness h = new RulesHarness(hpRenamedToHealth());
            h.poll(putInFormat(0, P1_STATE, "{\"health\":5}", 2));
            // when: a node still on format 1 patches another field (a rolling upgrade)
            h.poll(mergeInFormat(1, P1_STATE, "{\"mana\":1}", 1));
            // then: the value stays labelled format 2, so no read upgrades health away
            assertEquals(2, h.stored(P1_STATE).formatVersion());
            assertEquals(json("{\"health\":5,\"mana\":1}"), h.value(P1_STATE));
        }

        @Test
        void aPatchUpgradesTheValueToThePatchsFormatNoFurtherSoEveryNodeComputesTheSameBytes() {
            // given: a node that knows format 3 (health x10) and one that knows only format 2
            Upgraders toThree = Upgraders.builder().add(Table.PLAYER_STATES, 1, v -> {
                ObjectNode o = (ObjectNode) v;
                o.set("health", o.remove("hp"));
                return o;
            }).add(Table.PLAYER_STATES, 2, v -> ((ObjectNode) v).put("health", v.path("health").asInt() * 10)).build();
            RulesHarness newer = new RulesHarness(toThree);
            RulesHarness older = new RulesHarness(hpRenamedToHealth());
            // when: both apply a format-2 patch onto a format-1 value
            for (RulesHarness h : List.of(newer, older)) {
                h.poll(putInFormat(0, P1_STATE, "{\"hp\":5}", 1), mergeInFormat(1, P1_STATE, "{\"mana\":1}", 2));
            }
            // then: both stored the value in format 2, byte for byte
            assertArrayEquals(older.storedBytes(P1_STATE), newer.storedBytes(P1_STATE));
            assertEquals(2, newer.stored(P1_STATE).formatVersion());
            assertEquals(json("{\"health\":5,\"mana\":1}"), older.value(P1_STATE));
        }

        @Test
        void aPatchInAFormatThisNodeDoesNotKnowStopsTheRulesInsteadOfStoringADifferentValue() {
            // given: a node without upgraders and a format-1 value
            RulesHarness h = new RulesHarness();
            h.poll(putInFormat(0, P1_STATE, "{\"hp\":5}", 1));
            // when / then: a format-2 patch cannot be computed here
            UnknownDataFormatException e = assertThrows(UnknownDataFormatException.class,
                    () -> h.poll(mergeInFormat(1, P1_STATE, "{\"mana\":1}", 2)));
            assertTrue(e.getMessage().contains("0-1"), e.getMessage());
            assertTrue(e.getMessage().contains("data format 2, newer than this node knows (1)"), e.getMessage());
            assertEquals(json("{\"hp\":5}"), h.value(P1_STATE));
        }

        @Test
        void twoPatchesOfOnePollBothApplyTheSecondOntoTheFirst() {
            // given
            RulesHarness h = new RulesHarness();
            h.poll(put(0, DOOR, "{\"a\":0}"));
            // when
            h.poll(merge(1, DOOR, "{\"a\":1,\"b\":1}"), merge(2, DOOR, "{\"b\":null,\"c\":2}"));
            // then
            assertEquals(json("{\"a\":1,\"c\":2}"), h.value(DOOR));
            assertEquals(2L, h.version(DOOR));
            assertEquals(List.of(0L, 1L, 2L), h.history(DOOR).stream().map(RulesHarness.Change::version).toList());
        }

        @Test
        void aNewerFormatPatchAfterAnOlderFormatPutInTheSamePollUpgradesThePendingValue() {
            // given
            RulesHarness h = new RulesHarness(hpRenamedToHealth());
            // when
            h.poll(putInFormat(0, P1_STATE, "{\"hp\":7}", 1), mergeInFormat(1, P1_STATE, "{\"mana\":2}", 2));
            // then
            assertEquals(json("{\"health\":7,\"mana\":2}"), h.value(P1_STATE));
        }

        @Test
        void aMergePatchThatIsNotJsonIsDeadLetteredAndChangesNothing() {
            // given
            RulesHarness h = new RulesHarness().await(eventIdOf(1));
            h.poll(put(0, DOOR, "{\"a\":1}"));
            // when
            List<String> dead = h.poll(merge(1, DOOR, "{\"a\":"));
            // then
            DeadLetter letter = h.deadLetter(0, 1);
            assertNotNull(letter);
            assertTrue(letter.reason().startsWith("merge patch could not be applied: "), letter.reason());
            assertEquals(new LogPosition(0, 1), letter.position());
            assertArrayEquals("{\"a\":".getBytes(StandardCharsets.UTF_8), letter.value());
            assertEquals(List.of("0-1: " + letter.reason()), dead);
            assertEquals(new Verdict.Rejected(letter.reason()), h.verdicts().get(eventIdOf(1)));
            assertEquals(json("{\"a\":1}"), h.value(DOOR));
            assertEquals(0L, h.version(DOOR));
            assertEquals(1, h.history(DOOR).size());
            assertFalse(h.rejected(0, 1));
        }

        @Test
        void aMergePatchWhoseUpgradeFailsIsDeadLettered() {
            // given
            Upgraders failing = Upgraders.builder().add(Table.PLAYER_STATES, 1, v -> {
                throw new IllegalStateException("cannot upgrade");
            }).build();
            RulesHarness h = new RulesHarness(failing).await(eventIdOf(1));
            h.poll(putInFormat(0, P1_STATE, "{\"hp\":1}", 1));
            // when
            List<String> dead = h.poll(mergeInFormat(1, P1_STATE, "{\"mana\":1}", 2));
            // then
            assertEquals(List.of("0-1: merge patch could not be applied: cannot upgrade"), dead);
            assertEquals(new Verdict.Rejected("merge patch could not be applied: cannot upgrade"), h.verdicts().get(eventIdOf(1)));
            assertEquals(json("{\"hp\":1}"), h.value(P1_STATE));
            assertEquals(1, h.stored(P1_STATE).formatVersion());
            assertEquals(timeOf(0), h.lastSeen("p1"), "a dead-lettered change is no activity");
        }
    }

    @Nested
    class Registrations {
        @Test
        void aRegistrationWritesThePlayerTheUsernameIndexAndHistory() {
            // given
            RulesHarness h = new RulesHarness().await(eventIdOf(7));
            // when
            h.poll(register(7, "p1", "Alice"));
            // then
            Key.Player p1 = new Key.Player("p1");
            assertEquals(json("{\"id\":\"p1\",\"username\":\"Alice\",\"createdAt\":\"" + Instant.ofEpochMilli(timeOf(7)) + "\"}"),
                    h.value(p1));
            assertEquals(7L, h.version(p1));
            assertEquals("p1", h.usernameHolder("alice"));
            List<RulesHarness.Change> history = h.history(p1);
            assertEquals(1, history.size());
            assertEquals(Op.PUT, history.get(0).op());
            assertEquals(7L, history.get(0).version());
            assertEquals(new Verdict.Applied(7, timeOf(7)), h.verdicts().get(eventIdOf(7)));
        }

        @Test
        void aSecondRegistrationOfTheSamePlayerIdIsAConflict() {
            // given
            RulesHarness h = new RulesHarness().await(eventIdOf(5));
            h.poll(register(2, "p1", "Alice"));
            // when
            h.poll(register(5, "p1", "Bob"));
            // then
            assertEquals(new Verdict.Conflict(2L), h.verdicts().get(eventIdOf(5)));
            assertEquals("Alice", h.value(new Key.Player("p1")).get("username").asText());
            assertNull(h.usernameHolder("bob"), "the refused registration's username stays free");
            assertEquals(1, h.history(new Key.Player("p1")).size());
            assertTrue(h.rejected(0, 5));
        }

        @Test
        void aUsernameDifferingOnlyInCaseIsTaken() {
            // given
            RulesHarness h = new RulesHarness().await(eventIdOf(1));
            h.poll(register(0, "p1", "Alice"));
            // when
            h.poll(register(1, "p2", "ALICE"));
            // then
            assertEquals(new Verdict.UsernameTaken(), h.verdicts().get(eventIdOf(1)));
            assertNull(h.stored(new Key.Player("p2")));
            assertEquals("p1", h.usernameHolder("alice"));
            assertTrue(h.rejected(0, 1));
            assertEquals(0, h.history(new Key.Player("p2")).size());
            assertNull(h.lastSeen("p2"));
        }

        @Test
        void aUsernameDifferingOnlyInUnicodeCompositionIsTaken() {
            // given: é composed (U+00E9), then e + combining acute (U+0301)
            RulesHarness h = new RulesHarness().await(eventIdOf(1));
            h.poll(register(0, "p1", "Ren\u00e9e"));
            // when
            h.poll(register(1, "p2", "RENE\u0301E"));
            // then
            assertEquals(new Verdict.UsernameTaken(), h.verdicts().get(eventIdOf(1)));
            assertEquals("p1", h.usernameHolder("ren\u00e9e"));
            assertNull(h.stored(new Key.Player("p2")));
        }

        @Test
        void aDecomposedUsernameIsIndexedComposedAndStoredAsSent() {
            // given
            RulesHarness h = new RulesHarness();
            // when
            h.poll(register(0, "p1", "Rene\u0301e"));
            // then
            assertEquals("p1", h.usernameHolder("ren\u00e9e"));
            assertEquals(1, h.size(Cf.USERNAMES));
            assertEquals("Rene\u0301e", h.value(new Key.Player("p1")).get("username").asText());
        }

        @Test
        void ofTwoRegistrationsOfOneUsernameInOnePollTheFirstInLogOrderWins() {
            // given
            RulesHarness h = new RulesHarness().await(eventIdOf(0), eventIdOf(1), eventIdOf(2), eventIdOf(3));
            // when: in one poll, p2 before p1; then p3 before p4 in another
            h.poll(register(0, "p2", "Bob"), register(1, "p1", "bob"));
            h.poll(register(2, "p3", "Carol"), register(3, "p4", "CAROL"));
            // then: log order decides, not the ids
            assertEquals(new Verdict.Applied(0, timeOf(0)), h.verdicts().get(eventIdOf(0)));
            assertEquals(new Verdict.UsernameTaken(), h.verdicts().get(eventIdOf(1)));
            assertEquals("p2", h.usernameHolder("bob"));
            assertNull(h.stored(new Key.Player("p1")));
            assertEquals(new Verdict.UsernameTaken(), h.verdicts().get(eventIdOf(3)));
            assertEquals("p3", h.usernameHolder("carol"));
        }

        @Test
        void aRegistrationThatIsNotAPutIsDeadLettered() {
            // given
            RulesHarness h = new RulesHarness().await(eventIdOf(1), eventIdOf(2));
            h.poll(register(0, "p1", "Alice"));
            // when
            List<String> dead = h.poll(merge(1, new Key.Player("p1"), "{\"username\":\"Eve\"}"), delete(2, new Key.Player("p1")));
            // then
            assertEquals(List.of("0-1: players support registration (put) only, got merge-patch",
                    "0-2: players support registration (put) only, got delete"), dead);
            assertEquals(new Verdict.Rejected("players support registration (put) only, got merge-patch"),
                    h.verdicts().get(eventIdOf(1)));
            assertEquals("players support registration (put) only, got delete", h.deadLetter(0, 2).reason());
            assertEquals("Alice", h.value(new Key.Player("p1")).get("username").asText());
            assertNull(h.usernameHolder("eve"));
            assertEquals(1, h.history(new Key.Player("p1")).size());
        }

        @Test
        void aRegistrationWithoutAValidUsernameIsDeadLettered() {
            // given
            RulesHarness h = new RulesHarness().await(eventIdOf(0));
            // when
            List<String> dead = h.poll(at(0, event(0, new Key.Player("p1"), Op.PUT, "{\"name\":\"Alice\"}", Condition.absent())),
                    register(1, "p2", " padded"));
            // then
            assertEquals(2, dead.size());
            assertTrue(h.deadLetter(0, 0).reason().startsWith("bad registration: "), h.deadLetter(0, 0).reason());
            assertTrue(h.verdicts().get(eventIdOf(0)) instanceof Verdict.Rejected);
            assertNotNull(h.deadLetter(0, 1));
            assertEquals(0, h.size(Cf.PLAYERS));
            assertEquals(0, h.size(Cf.USERNAMES));
            assertEquals(0, h.size(Cf.LAST_SEEN));
        }
    }

    @Nested
    class LastSeen {
        @Test
        void aRegistrationSetsTheNewPlayersLastSeenToTheEventTime() {
            // given
            RulesHarness h = new RulesHarness();
            // when
            h.poll(register(4, "p1", "Alice"));
            // then
            assertEquals(timeOf(4), h.lastSeen("p1"));
        }

        @Test
        void everyPlayerStateChangeRaisesThePlayersLastSeen() {
            // given
            RulesHarness h = new RulesHarness();
            h.poll(register(0, "p1", "Alice"));
            // when / then: a put in one world
            h.poll(put(1, P1_STATE, "{\"hp\":1}"));
            assertEquals(timeOf(1), h.lastSeen("p1"));
            // a merge in another world
            h.poll(merge(2, new Key.PlayerState("w2", "p1"), "{\"hp\":2}"));
            assertEquals(timeOf(2), h.lastSeen("p1"));
        }

        @Test
        void anOlderEventTimeNeverLowersLastSeen() {
            // given: a newer change, e.g. applied first from another partition
            RulesHarness h = new RulesHarness();
            long newer = timeOf(100);
            long older = timeOf(50);
            h.poll(at(1, 0, event(10, P1_STATE, Op.PUT, "{\"hp\":1}", Condition.any(), 1, newer)));
            // when: an older one in its own poll, and two more in one poll, newest first
            h.poll(at(0, 0, event(11, new Key.PlayerState("w2", "p1"), Op.PUT, "{}", Condition.any(), 1, older)));
            h.poll(at(0, 1, event(12, new Key.PlayerState("w3", "p1"), Op.PUT, "{}", Condition.any(), 1, timeOf(200))),
                    at(0, 2, event(13, new Key.PlayerState("w4", "p1"), Op.PUT, "{}", Condition.any(), 1, timeOf(150))));
            // then
            assertEquals(timeOf(200), h.lastSeen("p1"));
            assertEquals(json("{}"), h.value(new Key.PlayerState("w2", "p1")), "the older change itself applied");
        }

        @Test
        void changesOfOtherTablesDoNotTouchLastSeen() {
            // given
            RulesHarness h = new RulesHarness();
            // when: data that names a player but is not the player's state
            h.poll(put(0, new Key.AppData(W, "app", "p1", "k"), "1"), put(1, new Key.Entity(W, "p1"), "{}"), put(2, WORLD, "{}"));
            // then
            assertEquals(0, h.size(Cf.LAST_SEEN));
        }
    }

    @Nested
    class DeadLettering {
        @Test
        void aMalformedRecordIsKeptWithItsReasonHeadersAndValue() {
            // given
            byte[] value = {'n', 'o', 't', (byte) 0xff};
            RulesHarness h = new RulesHarness();
            // when
            List<String> dead = h.poll(malformed(12, "missing header ws.table", "ws.id=abc\nws.op=put", value, "abc"));
            // then
            DeadLetter letter = h.deadLetter(0, 12);
            assertEquals(new LogPosition(0, 12), letter.position());
            assertEquals(Instant.ofEpochMilli(timeOf(12)), letter.recordedAt());
            assertEquals("missing header ws.table", letter.reason());
            assertEquals("ws.id=abc\nws.op=put", letter.headers());
            assertArrayEquals(value, letter.value());
            assertEquals(List.of("0-12: missing header ws.table"), dead);
            assertEquals(1, h.size(Cf.DEAD_LETTERS));
            assertEquals(Map.of(), h.verdicts(), "nobody waits for abc");
        }

        @Test
        void aMalformedRecordWithoutValueIsKeptWithoutValue() {
            // given
            RulesHarness h = new RulesHarness();
            // when
            h.poll(malformed(3, "no value", "", null, null));
            // then
            DeadLetter letter = h.deadLetter(0, 3);
            assertEquals("no value", letter.reason());
            assertNull(letter.value());
            assertEquals("", letter.headers());
        }

        @Test
        void theWriterWaitingForAMalformedRecordIsToldItWasRejected() {
            // given
            RulesHarness h = new RulesHarness().await("abc");
            // when
            h.poll(malformed(0, "unknown table: planets", "ws.id=abc", new byte[0], "abc"));
            // then
            assertEquals(Map.of("abc", new Verdict.Rejected("unknown table: planets")), h.verdicts());
        }

        @Test
        void aDeadLetterDoesNotStopTheRestOfThePoll() {
            // given
            RulesHarness h = new RulesHarness();
            // when
            List<String> dead = h.poll(put(0, DOOR, "{\"n\":1}"), malformed(1, "bad", "", null, null), merge(2, DOOR, "{\"m\":2}"));
            // then
            assertEquals(List.of("0-1: bad"), dead);
            assertEquals(json("{\"n\":1,\"m\":2}"), h.value(DOOR));
            assertEquals(2L, h.version(DOOR));
        }

        @Test
        void aPollsDeadLettersListOnlyItsOwn() {
            // given
            RulesHarness h = new RulesHarness();
            h.poll(malformed(0, "first", "", null, null));
            // when
            List<String> dead = h.poll(malformed(1, "second", "", null, null));
            // then
            assertEquals(List.of("0-1: second"), dead);
            assertEquals(2, h.size(Cf.DEAD_LETTERS));
        }
    }

    @Nested
    class Verdicts {
        @Test
        void verdictsAreReportedOnlyForAwaitedEvents() {
            // given: a writer waits for events 1 and 3 only
            RulesHarness h = new RulesHarness().await(eventIdOf(1), eventIdOf(3));
            // when
            h.poll(put(0, DOOR, "{}"), put(1, DOOR, "{}", Condition.version(0)), put(2, DOOR, "{}", Condition.absent()),
                    put(3, DOOR, "{}", Condition.absent()), merge(4, DOOR, "nope"));
            // then
            assertEquals(Map.of(eventIdOf(1), new Verdict.Applied(1, timeOf(1)), eventIdOf(3), new Verdict.Conflict(1L)), h.verdicts());
            assertTrue(h.rejected(0, 2), "unawaited events are still decided");
            assertNotNull(h.deadLetter(0, 4));
        }

        @Test
        void appliedEventsReportTheirVersionAndEventTime() {
            // given
            long eventTime = Instant.parse("2027-05-05T05:05:05.555Z").toEpochMilli();
            RulesHarness h = new RulesHarness().await("e1", "e2", "e3", "e4");
            // when
            h.poll(at(40, new ChangeEvent("e1", DOOR, Op.PUT, "{}".getBytes(StandardCharsets.UTF_8), Condition.any(), 1, "n", null,
                            eventTime)),
                    at(41, new ChangeEvent("e2", DOOR, Op.MERGE, "{\"a\":1}".getBytes(StandardCharsets.UTF_8), Condition.any(), 1, "n",
                            null, eventTime + 1)),
                    at(42, new ChangeEvent("e3", DOOR, Op.DELETE, null, Condition.any(), 1, "n", null, eventTime + 2)),
                    at(43, new ChangeEvent("e4", new Key.Player("p9"), Op.PUT,
                            "{\"username\":\"Zed\"}".getBytes(StandardCharsets.UTF_8), Condition.absent(), 1, "n", null, eventTime + 3)));
            // then
            assertEquals(Map.of("e1", new Verdict.Applied(40, eventTime), "e2", new Verdict.Applied(41, eventTime + 1),
                    "e3", new Verdict.Applied(42, eventTime + 2), "e4", new Verdict.Applied(43, eventTime + 3)), h.verdicts());
        }
    }

    @Nested
    class Determinism {
        /** A log touching every rule: puts, conditions met and refused, merges, deletes, registrations, dead letters. */
        private Decoded[] log() {
            Key.PlayerState p2State = new Key.PlayerState(W, "p2");
            return new Decoded[] {
                register(0, "p1", "Alice"),
                register(1, "p2", "ALICE"),
                register(2, "p2", "Bob"),
                put(3, P1_STATE, "{\"hp\":7,\"mana\":1}"),
                mergeInFormat(4, P1_STATE, "{\"health\":8}", 2),
                merge(5, p2State, "{\"hp\":1}"),
                at(6, event(6, p2State, Op.MERGE, "{\"hp\":2}", Condition.any(), 1, timeOf(1))),
                put(7, DOOR, "{\"open\":false}", Condition.absent()),
                put(8, DOOR, "{\"open\":true}", Condition.absent()),
                put(9, DOOR, "{\"open\":true}", Condition.version(7)),
                delete(10, DOOR),
                put(11, DOOR, "{\"open\":null}", Condition.absent()),
                merge(12, DOOR, "{\"open\":null,\"lock\":1}"),
                merge(13, WORLD, "{\"a\":"),
                malformed(14, "bad record", "x=y", new byte[] {1, 2}, eventIdOf(14)),
                merge(15, new Key.Player("p1"), "{}"),
                put(16, WORLD, "{\"day\":1}"),
                merge(17, WORLD, "{\"day\":2}", Condition.version(16)),
                merge(18, WORLD, "{\"day\":3}", Condition.version(16)),
                delete(19, new Key.AppData(W, "app", null, "k")),
                put(20, new Key.AppData(W, "app", null, "k"), "[1]", Condition.absent()),
                register(21, "p3", "Ren\u00e9e"),
                register(22, "p4", "Rene\u0301e"),
            };
        }

        private RulesHarness harness() {
            RulesHarness h = new RulesHarness(hpRenamedToHealth());
            for (Decoded d : log()) {
                h.await(d.event() != null ? d.event().eventId() : d.raw().eventId());
            }
            return h;
        }

        @Test
        void theSameLogGivesByteIdenticalStateAndVerdictsWhateverThePollSplit() {
            // given
            RulesHarness onePoll = harness();
            RulesHarness pollPerEvent = harness();
            RulesHarness pollsOfThree = harness();
            Decoded[] log = log();
            // when
            onePoll.poll(log);
            pollPerEvent.eachInItsOwnPoll(log);
            for (int i = 0; i < log.length; i += 3) {
                pollsOfThree.poll(Arrays.copyOfRange(log, i, Math.min(log.length, i + 3)));
            }
            // then
            assertEquals(pollPerEvent.dump(), onePoll.dump());
            assertEquals(pollPerEvent.dump(), pollsOfThree.dump());
            assertEquals(pollPerEvent.verdicts(), onePoll.verdicts());
            assertEquals(pollPerEvent.verdicts(), pollsOfThree.verdicts());
            // and the log did exercise the rules
            assertEquals(log.length, pollPerEvent.verdicts().size());
            assertTrue(pollPerEvent.size(Cf.REJECTED) >= 4 && pollPerEvent.size(Cf.DEAD_LETTERS) == 3, pollPerEvent.dump());
            assertEquals(json("{\"lock\":1}"), onePoll.value(DOOR));
            assertEquals(json("{\"mana\":1,\"health\":8}"), onePoll.value(P1_STATE));
        }

        @Test
        void theDumpTellsDifferentStatesApart() {
            // given: the determinism test's comparison must be able to fail
            RulesHarness a = harness();
            RulesHarness b = harness();
            Decoded[] log = log();
            // when: the same log but one event short
            a.poll(log);
            b.poll(Arrays.copyOf(log, log.length - 1));
            // then
            assertNotEquals(a.dump(), b.dump());
        }
    }
}
