package dev.worldstore.projector;

import static dev.worldstore.projector.RulesHarness.T0;
import static dev.worldstore.projector.RulesHarness.at;
import static dev.worldstore.projector.RulesHarness.event;
import static dev.worldstore.projector.RulesHarness.malformed;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.worldstore.Condition;
import dev.worldstore.Key;
import dev.worldstore.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The event time the rules give each change: the writer's timestamp, raised to the partition's
 * previous event time where the writer's clock was behind; and the index that resolves instants
 * against it.
 */
class EventClockTest {
    private static final Key.Entity DOOR = new Key.Entity("w1", "door");
    private static final Key.Entity GATE = new Key.Entity("w1", "gate");

    /** The put of {@code n} at {@code offset} of partition 0, its record stamped {@code recordTime} (ms after T0). */
    private static Decoded putAt(long offset, Key key, long recordTime) {
        return at(offset, event(offset, key, Op.PUT, "{\"n\":" + offset + "}", Condition.any(), 1, T0 + recordTime));
    }

    private static List<Long> historyTimes(RulesHarness h, Key key) {
        List<Long> times = new ArrayList<>();
        for (RulesHarness.Change c : h.history(key)) {
            times.add(c.change().updatedAt().toEpochMilli() - T0);
        }
        return times;
    }

    @Test
    void aRecordStampedEarlierThanThePreviousEventGetsThePreviousEventTime() {
        // given writers whose clocks disagree: record timestamps 10, 30, 20, 40, 35 in log order
        RulesHarness h = new RulesHarness();
        // when
        h.poll(putAt(0, DOOR, 10), putAt(1, DOOR, 30), putAt(2, GATE, 20), putAt(3, DOOR, 40));
        h.poll(putAt(4, GATE, 35));
        // then times never go backwards within the partition, across keys and polls
        assertEquals(List.of(10L, 30L, 40L), historyTimes(h, DOOR));
        assertEquals(List.of(30L, 40L), historyTimes(h, GATE));
        assertEquals(40L, h.stored(GATE).updatedAt().toEpochMilli() - T0);
        assertEquals(T0 + 40, h.lastEventTime(0));
    }

    @Test
    void aRecordThatIsNoEventNeitherGetsNorMovesTheEventTime() {
        // given a malformed record stamped far ahead between two events
        RulesHarness h = new RulesHarness();
        h.poll(putAt(0, DOOR, 10), malformed(1, "not JSON", "ws.id=x", new byte[] {'{'}, "x"));
        // when
        Decoded late = at(2, event(2, DOOR, Op.PUT, "{\"n\":2}", Condition.any(), 1, T0 + 20));
        h.poll(late);
        // then the clock went from 10 to 20 as if the record were not there
        assertEquals(List.of(10L, 20L), historyTimes(h, DOOR));
        assertEquals(T0 + 20, h.lastEventTime(0));
    }

    @Test
    void partitionsKeepClocksOfTheirOwn() {
        RulesHarness h = new RulesHarness();
        Key.Entity other = new Key.Entity("w2", "door");
        h.poll(putAt(0, DOOR, 50), at(1, 0, event(0, other, Op.PUT, "{}", Condition.any(), 1, T0 + 10)));
        assertEquals(List.of(10L), historyTimes(h, other));
        assertEquals(T0 + 50, h.lastEventTime(0));
        assertEquals(T0 + 10, h.lastEventTime(1));
    }

    @Test
    void theIndexGivesForEveryInstantTheFirstPositionAfterItAndForEveryPositionItsTime() {
        // given 200 events of partition 0 with jittering record timestamps
        RulesHarness h = new RulesHarness();
        Random rnd = new Random(11);
        long[] recordTimes = new long[200];
        long[] eventTimes = new long[200];
        long max = Long.MIN_VALUE;
        for (int i = 0; i < recordTimes.length; i++) {
            recordTimes[i] = i * 3L + rnd.nextInt(20) - 10;
            max = Math.max(max, recordTimes[i]);
            eventTimes[i] = max;
            h.poll(putAt(i, i % 2 == 0 ? DOOR : GATE, recordTimes[i]));
        }
        EventClock.Index index = h.eventTimes();
        // then for every instant around the events: the first offset after it is the first whose event time is later
        for (long t = -20; t <= 620; t++) {
            long expected = -1;
            for (int i = 0; i < eventTimes.length; i++) {
                if (eventTimes[i] > t) {
                    expected = i;
                    break;
                }
            }
            assertEquals(expected, EventClock.firstOffsetAfter(index, 0, T0 + t), "first offset after " + t);
        }
        // and every offset reads its own event time
        for (int i = 0; i < eventTimes.length; i++) {
            assertEquals(T0 + eventTimes[i], EventClock.timeAt(index, 0, i), "time of offset " + i);
        }
        assertEquals(EventClock.NONE, EventClock.timeAt(index, 1, 5));
        assertEquals(-1, EventClock.firstOffsetAfter(index, 1, T0));
    }

    @Test
    void theIndexHasEntriesOnlyWhereTheTimeMoves() {
        // given five events in the same millisecond and one later
        RulesHarness h = new RulesHarness();
        h.poll(putAt(0, DOOR, 7), putAt(1, GATE, 7), putAt(2, DOOR, 5), putAt(3, GATE, 7), putAt(4, DOOR, 7), putAt(5, DOOR, 9));
        // then two times, two entries each way
        assertEquals(4, h.size(Cf.EVENT_TIMES));
        assertEquals(0, EventClock.firstOffsetAfter(h.eventTimes(), 0, T0 + 6));
        assertEquals(5, EventClock.firstOffsetAfter(h.eventTimes(), 0, T0 + 7));
        assertEquals(T0 + 7, EventClock.timeAt(h.eventTimes(), 0, 4));
    }

    @Test
    void negativeTimesOrderBeforePositiveOnes() {
        RulesHarness h = new RulesHarness();
        h.poll(at(0, event(0, DOOR, Op.PUT, "{}", Condition.any(), 1, -1)), at(1, event(1, DOOR, Op.PUT, "{}", Condition.any(), 1, 5)));
        assertEquals(0, EventClock.firstOffsetAfter(h.eventTimes(), 0, -2));
        assertEquals(1, EventClock.firstOffsetAfter(h.eventTimes(), 0, -1));
        assertEquals(-1, EventClock.firstOffsetAfter(h.eventTimes(), 0, 5));
    }
}
