package dev.worldstore.projector;

import dev.worldstore.LogPosition;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The event time of each partition of the change log: the time history shows for every change and
 * the clock {@code asOf} instants are resolved against, so that for every instant T a read as of T
 * gives exactly the changes history shows at or before T.
 *
 * <p>Writers stamp their records with their own clocks, so two writers (or two threads of one)
 * can append a later record with an earlier timestamp. The event time of a record is therefore
 * derived, in log order, as {@code max(record timestamp, event time of the partition's previous
 * event)}: never earlier than a change before it, equal to the writer's time whenever the clocks
 * agree. It depends on the log alone (the records before it, in their order), so every node,
 * rebuild and replay derives the same times. A record that is no event (malformed, dead-lettered
 * before it is decoded) has no event time and does not move the clock: no hand-made record can
 * move it; the broker bounds how far a writer's clock may run ahead
 * ({@code message.timestamp.after.max.ms}, one hour by default).
 *
 * <p>Kept in {@link Cf#EVENT_TIMES}, written in the same atomic batch as the state it stamps, an
 * entry each way only where the time moves (a millisecond that repeats costs nothing):
 *
 * <pre>
 * 'T' | partition (4) | time (8, sign-flipped)  →  first offset with that time (8)
 * 'O' | partition (4) | offset (8)              →  its time (8)
 * </pre>
 *
 * and the last time of each partition beside its next offset in {@link Cf#OFFSETS} (the checkpoint).
 * Times and offsets grow together within a partition, so both orders agree. Big-endian throughout.
 *
 * <p>An instance holds the clock of every partition for one applying thread: not thread-safe. The
 * static readers are thread-safe.
 */
final class EventClock {
    /** The time of a partition that has had no event yet. */
    static final long NONE = Long.MIN_VALUE;
    private static final byte BY_TIME = 'T';
    private static final byte BY_OFFSET = 'O';

    private final long[] last;

    EventClock(int partitions) {
        this.last = new long[partitions];
        Arrays.fill(last, NONE);
    }

    /** Continues {@code partition}'s clock from a checkpoint's time ({@link #NONE}: no event yet). */
    void resume(int partition, long lastTime) {
        last[partition] = lastTime;
    }

    /** The event time of {@code partition}'s last event, or {@link #NONE}. */
    long last(int partition) {
        return last[partition];
    }

    /** The event time a record with {@code recordTimestamp} would get next in {@code partition}, without moving the clock. */
    long peek(int partition, long recordTimestamp) {
        return Math.max(recordTimestamp, last[partition]);
    }

    /**
     * Moves {@code at}'s partition clock over the event at {@code at} and returns its event time;
     * where the time moves, writes the index entries into {@code out}.
     */
    long advance(LogPosition at, long recordTimestamp, WriteSink out) {
        int p = at.partition();
        long before = last[p];
        long time = Math.max(recordTimestamp, before);
        if (time != before || before == NONE) {
            out.put(Cf.EVENT_TIMES, byTime(p, time), ByteBuffer.allocate(8).putLong(at.offset()).array());
            out.put(Cf.EVENT_TIMES, byOffset(p, at.offset()), ByteBuffer.allocate(8).putLong(time).array());
            last[p] = time;
        }
        return time;
    }

    // ---- layout and reads ------------------------------------------------------------------------

    static byte[] byTime(int partition, long time) {
        return ByteBuffer.allocate(13).put(BY_TIME).putInt(partition).putLong(time ^ Long.MIN_VALUE).array();
    }

    static byte[] byOffset(int partition, long offset) {
        return ByteBuffer.allocate(13).put(BY_OFFSET).putInt(partition).putLong(offset).array();
    }

    /** The prefix of one partition's entries of one kind. */
    private static byte[] prefix(byte kind, int partition) {
        return ByteBuffer.allocate(5).put(kind).putInt(partition).array();
    }

    /**
     * The first offset of {@code partition} whose event time is after {@code time}, or -1 when no
     * applied event is (as far as {@code view} has applied the partition).
     */
    static long firstOffsetAfter(Index view, int partition, long time) {
        if (time == Long.MAX_VALUE) {
            return -1;
        }
        byte[] found = view.seekAtOrAfter(byTime(partition, time + 1), prefix(BY_TIME, partition));
        return found == null ? -1 : ByteBuffer.wrap(found).getLong();
    }

    /**
     * The event time of the event at {@code offset} of {@code partition} (of the last event before
     * it when that offset holds no event), or {@link #NONE} when the index starts after it.
     */
    static long timeAt(Index view, int partition, long offset) {
        byte[] found = view.seekAtOrBefore(byOffset(partition, offset), prefix(BY_OFFSET, partition));
        return found == null ? NONE : ByteBuffer.wrap(found).getLong();
    }

    /** Seeks in {@link Cf#EVENT_TIMES}; implemented over RocksDB by {@link RocksProjection}. */
    interface Index {
        /** The value of the first entry at or after {@code key} that starts with {@code prefix}, or {@code null}. */
        byte[] seekAtOrAfter(byte[] key, byte[] prefix);

        /** The value of the last entry at or before {@code key} that starts with {@code prefix}, or {@code null}. */
        byte[] seekAtOrBefore(byte[] key, byte[] prefix);
    }
}
