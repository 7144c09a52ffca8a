package dev.worldstore.projector;

import dev.worldstore.ChangeRecord;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.Op;
import dev.worldstore.Table;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition's share of the change feed buffer ({@link FeedHub}): the deliverable records of each
 * buffered event, encoded, in segments of direct memory (off the Java heap).
 *
 * <p>Why off the heap: the buffer keeps every recent event for seconds (64 MiB by default), so on
 * the heap each event, its key, strings and value survived several young collections and the
 * collector copied it each time. Measured at 5,000 saves/s of 1 KB (G1, 2 cores): young pauses of
 * 18-21 ms every ~0.9 s, 14 ms of each copying survivors, against 8-11 ms with a 1 MiB buffer; the
 * saves' p99 was 10.5-16.6 ms against 4.5-7.5 ms. Here an event costs the heap one small index entry
 * (6-9 ms pauses, p99 4.4-7.6 ms).
 *
 * <p>An entry's layout ({@code str} = length as an int, {@code -1} for null, then UTF-8 bytes):
 *
 * <pre>
 * eventTimeMs 8 | eventId str | origin str | actor str | batch 1 (0: a change saved alone) | records 4 |
 * per record: table ordinal 1 | encoded key ({@link KeyCodec}) 4 + n | op ordinal 1 | formatVersion 4 | payload 4 + n (-1: none)
 * </pre>
 *
 * Entries are written whole into the newest segment (a new one when the rest does not hold it) and
 * released in the order they were written ({@link FeedHub} drops the oldest first), so a segment
 * goes back when its last entry does; one is kept for reuse. An entry larger than an eighth of a
 * segment, or one that finds the JVM's direct memory ({@code -XX:MaxDirectMemorySize}) exhausted,
 * stays on the heap instead: never an error.
 *
 * <p>Not thread-safe: {@link FeedHub} guards each partition's instance with its lock.
 */
final class FeedBytes {
    private static final Logger LOG = LoggerFactory.getLogger(FeedBytes.class);
    /** The largest segment, bytes. */
    private static final int MAX_SEGMENT_BYTES = 1 << 20;
    private static final int MIN_SEGMENT_BYTES = 64 << 10;
    private static final Table[] TABLES = Table.values();
    private static final Op[] OPS = Op.values();
    private static volatile boolean warnedDirectMemory;
    /** Decoded entries kept for the feeds reading them ({@link #decoded(long)}). */
    static final int DECODED_ENTRIES = 256;

    /** Where one entry's bytes are: a segment's range, or a heap array. */
    static class Slot {
        private Segment segment;
        private int at;
        private int length;
        private byte[] onHeap;

        /** The entry's encoded length, bytes. */
        final int encodedLength() {
            return onHeap != null ? onHeap.length : length;
        }
    }

    private static final class Segment {
        final ByteBuffer buffer;
        int live;

        Segment(ByteBuffer buffer) {
            this.buffer = buffer;
        }
    }

    private final int segmentBytes;
    private final IntFunction<ByteBuffer> allocate;
    private final ArrayDeque<Segment> segments = new ArrayDeque<>();
    private Segment spare;
    private byte[] scratch = new byte[4096];
    private int scratchAt;
    /**
     * The records of the entries feeds read last, by offset, so that many feeds of one world decode
     * each event once (an event's records never change); the least recently read go first.
     */
    private final Map<Long, List<ChangeRecord>> decoded = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, List<ChangeRecord>> eldest) {
            return size() > DECODED_ENTRIES;
        }
    };

    /** @param maxBytes the partition's share of {@code feed.buffer.bytes}: segments are an eighth of it, from 64 KiB to 1 MiB */
    FeedBytes(long maxBytes) {
        this(maxBytes, ByteBuffer::allocateDirect);
    }

    /** As {@link #FeedBytes(long)}, its segments from {@code allocate} (tests: a JVM out of direct memory). */
    FeedBytes(long maxBytes, IntFunction<ByteBuffer> allocate) {
        this.segmentBytes = (int) Math.max(MIN_SEGMENT_BYTES, Math.min(MAX_SEGMENT_BYTES, maxBytes / 8));
        this.allocate = allocate;
    }

    /**
     * Stores the records of {@code event} (all but the batch changes {@code skipped} marks) into
     * {@code slot}.
     *
     * @param event a {@link ChangeEvent} or a {@link BatchEvent}
     * @param skipped a batch's changes that are not delivered (by index), or {@code null}
     * @return the number of records stored
     */
    int put(Slot slot, LogEvent event, long eventTimeMs, BitSet skipped) {
        scratchAt = 0;
        putLong(eventTimeMs);
        putString(event.eventId());
        putString(event.origin());
        putString(event.actor());
        int records;
        if (event instanceof BatchEvent b) {
            List<BatchEvent.Item> items = b.items();
            records = items.size() - (skipped == null ? 0 : skipped.cardinality());
            putByte(1);
            putInt(records);
            for (int i = 0; i < items.size(); i++) {
                if (skipped == null || !skipped.get(i)) {
                    BatchEvent.Item it = items.get(i);
                    putRecord(it.key(), it.op(), it.formatVersion(), it.buffer(), it.offset(), it.length());
                }
            }
        } else {
            ChangeEvent c = (ChangeEvent) event;
            records = 1;
            putByte(0);
            putInt(1);
            byte[] payload = c.payload();
            putRecord(c.key(), c.op(), c.formatVersion(), payload, 0, payload == null ? 0 : payload.length);
        }
        store(slot);
        return records;
    }

    /**
     * The bytes of the entry {@code slot} holds, for {@link #records}: a fresh copy, or the entry's
     * own heap array (never written again).
     */
    byte[] copy(Slot slot) {
        if (slot.onHeap != null) {
            return slot.onHeap;
        }
        byte[] entry = new byte[slot.length];
        slot.segment.buffer.get(slot.at, entry);
        return entry;
    }

    /** Frees {@code slot}'s bytes. Slots must be released in the order they were stored. */
    void release(Slot slot) {
        Segment s = slot.segment;
        slot.segment = null;
        slot.onHeap = null;
        if (s == null || --s.live > 0) {
            return;
        }
        if (s == segments.peekLast()) {
            s.buffer.clear();
            return;
        }
        segments.remove(s);
        if (spare == null) {
            s.buffer.clear();
            spare = s;
        }
    }

    /** The records a feed decoded lately of the entry at {@code offset} ({@link #rememberDecoded}), or {@code null}. */
    List<ChangeRecord> decoded(long offset) {
        return decoded.get(offset);
    }

    /** Keeps entries' decoded records (by offset) for the next feeds that read them; at most {@link #DECODED_ENTRIES}. */
    void rememberDecoded(Map<Long, List<ChangeRecord>> records) {
        decoded.putAll(records);
    }

    /** Segments holding entries now (for tests). */
    int segments() {
        return segments.size();
    }

    // ---- writing ----------------------------------------------------------------------------------

    private void store(Slot slot) {
        int n = scratchAt;
        if (n <= segmentBytes / 8) {
            Segment last = segments.peekLast();
            if (last == null || last.buffer.remaining() < n) {
                last = newSegment();
            }
            if (last != null) {
                slot.segment = last;
                slot.at = last.buffer.position();
                slot.length = n;
                last.buffer.put(scratch, 0, n);
                last.live++;
                return;
            }
        }
        slot.onHeap = Arrays.copyOf(scratch, n);
    }

    /** A segment to write into, now the newest; {@code null} when direct memory is exhausted. */
    private Segment newSegment() {
        Segment s = spare;
        spare = null;
        if (s == null) {
            try {
                s = new Segment(allocate.apply(segmentBytes));
            } catch (OutOfMemoryError e) {
                // only the direct-memory reservation fails here; the entry stays on the heap
                if (!warnedDirectMemory) {
                    warnedDirectMemory = true;
                    LOG.warn("the change feed buffer keeps events on the heap: no direct memory for a {}-byte segment ({}); raise "
                            + "-XX:MaxDirectMemorySize or lower feed.buffer.bytes", segmentBytes, e.getMessage());
                }
                return null;
            }
        }
        segments.addLast(s);
        return s;
    }

    private void putRecord(Key key, Op op, int formatVersion, byte[] buffer, int offset, int length) {
        byte[] encodedKey = KeyCodec.encode(key);
        room(1 + 4 + encodedKey.length + 1 + 4 + 4 + length);
        scratch[scratchAt++] = (byte) key.table().ordinal();
        putBytes(encodedKey, 0, encodedKey.length);
        scratch[scratchAt++] = (byte) op.ordinal();
        putInt(formatVersion);
        if (buffer == null) {
            putInt(-1);
        } else {
            putBytes(buffer, offset, length);
        }
    }

    private void putString(String s) {
        if (s == null) {
            putInt(-1);
        } else {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            putBytes(b, 0, b.length);
        }
    }

    private void putBytes(byte[] b, int offset, int length) {
        putInt(length);
        room(length);
        System.arraycopy(b, offset, scratch, scratchAt, length);
        scratchAt += length;
    }

    private void putByte(int v) {
        room(1);
        scratch[scratchAt++] = (byte) v;
    }

    private void putInt(int v) {
        room(4);
        scratch[scratchAt++] = (byte) (v >>> 24);
        scratch[scratchAt++] = (byte) (v >>> 16);
        scratch[scratchAt++] = (byte) (v >>> 8);
        scratch[scratchAt++] = (byte) v;
    }

    private void putLong(long v) {
        putInt((int) (v >>> 32));
        putInt((int) v);
    }

    private void room(int n) {
        if (scratchAt + n > scratch.length) {
            scratch = Arrays.copyOf(scratch, Math.max(scratch.length * 2, scratchAt + n));
        }
    }

    // ---- reading ----------------------------------------------------------------------------------

    /** The records of an entry ({@link #copy}) at {@code position}; each payload a slice of {@code entry} (not copied). */
    static List<ChangeRecord> records(byte[] entry, LogPosition position) {
        ByteBuffer in = ByteBuffer.wrap(entry);
        Instant at = Instant.ofEpochMilli(in.getLong());
        String eventId = string(in);
        String origin = string(in);
        String actor = string(in);
        boolean batch = in.get() != 0;
        int records = in.getInt();
        List<ChangeRecord> out = new ArrayList<>(records);
        for (int i = 0; i < records; i++) {
            Table table = TABLES[in.get()];
            byte[] encodedKey = new byte[in.getInt()];
            in.get(encodedKey);
            Key key = KeyCodec.decode(table, encodedKey);
            Op op = OPS[in.get()];
            int formatVersion = in.getInt();
            int length = in.getInt();
            int offset = in.position();
            if (length > 0) {
                in.position(offset + length);
            }
            out.add(new ChangeRecord(position, eventId, key, op, length < 0 ? null : entry, offset, Math.max(0, length), at, origin,
                    actor, formatVersion, batch ? i : 0, batch ? records : 0));
        }
        return out;
    }

    private static String string(ByteBuffer in) {
        int n = in.getInt();
        if (n < 0) {
            return null;
        }
        String s = new String(in.array(), in.position(), n, StandardCharsets.UTF_8);
        in.position(in.position() + n);
        return s;
    }
}
