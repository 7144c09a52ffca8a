package dev.worldstore.projector;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.Condition;
import dev.worldstore.DeadLetter;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.Op;
import dev.worldstore.Stored;
import dev.worldstore.Upgraders;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The projection rules over an in-memory projection: one sorted map per column family, read through
 * a {@link StateView} and written through a {@link WriteSink} whose writes reach the maps only when
 * the poll ends, as RocksDB's atomic batch does (so a poll's later events see its earlier ones only
 * through the rules' overlay). {@link Cf#LAST_SEEN} merges as RocksDB's "max" operator. Verdicts of
 * the event ids marked {@link #await awaited} are recorded. Not thread-safe.
 */
final class RulesHarness {
    /** Event time of offset 0; an event at offset n is at this plus n seconds unless told otherwise. */
    static final long T0 = Instant.parse("2026-03-01T12:00:00Z").toEpochMilli();
    static final String ORIGIN = "node-test";

    private final ProjectionRules rules;
    private final Map<Cf, TreeMap<byte[], byte[]>> maps = new EnumMap<>(Cf.class);
    private final Set<String> awaited = new HashSet<>();
    private final Map<String, Verdict> verdicts = new LinkedHashMap<>();
    /** The event clock of partitions 0 to 7, living on across polls as the applier's does. */
    private final EventClock clock = new EventClock(8);

    RulesHarness() {
        this(Upgraders.none());
    }

    RulesHarness(Upgraders upgraders) {
        this.rules = new ProjectionRules(upgraders);
        for (Cf cf : Cf.values()) {
            maps.put(cf, new TreeMap<>(Arrays::compareUnsigned));
        }
    }

    // ---- driving the rules -------------------------------------------------------------------

    /** A writer now waits for the verdict on these event ids. */
    RulesHarness await(String... eventIds) {
        awaited.addAll(List.of(eventIds));
        return this;
    }

    /** Applies {@code records} in order as one atomic poll; returns the poll's dead letters. */
    List<String> poll(Decoded... records) {
        Batch b = begin();
        for (Decoded d : records) {
            b.apply(d);
        }
        return b.commit();
    }

    /** Applies each record as a poll of its own. */
    void eachInItsOwnPoll(Decoded... records) {
        for (Decoded d : records) {
            poll(d);
        }
    }

    /** Starts a poll; nothing it writes reaches the maps before {@link Batch#commit()}. */
    Batch begin() {
        return new Batch();
    }

    /** One poll: the rules' writes are collected and applied to the maps, in order, on commit. */
    final class Batch implements WriteSink {
        private final List<Runnable> writes = new ArrayList<>();
        private final ProjectionRules.Poll poll = rules.poll((cf, key) -> maps.get(cf).get(key), this,
                new ProjectionRules.Verdicts() {
                    @Override
                    public boolean awaited(String eventId) {
                        return awaited.contains(eventId);
                    }

                    @Override
                    public void decided(String eventId, Verdict verdict) {
                        Verdict before = verdicts.put(eventId, verdict);
                        if (before != null) {
                            throw new AssertionError("second verdict on " + eventId + ": " + before + " then " + verdict);
                        }
                    }
                }, clock);
        private boolean committed;

        void apply(Decoded d) {
            poll.apply(d);
        }

        List<String> commit() {
            if (committed) {
                throw new IllegalStateException("committed twice");
            }
            committed = true;
            writes.forEach(Runnable::run);
            return List.copyOf(poll.deadLetters());
        }

        @Override
        public void put(Cf cf, byte[] key, byte[] value) {
            byte[] k = key.clone();
            byte[] v = value.clone();
            writes.add(() -> maps.get(cf).put(k, v));
        }

        @Override
        public void delete(Cf cf, byte[] key) {
            byte[] k = key.clone();
            writes.add(() -> maps.get(cf).remove(k));
        }

        @Override
        public void merge(Cf cf, byte[] key, byte[] value) {
            if (cf != Cf.LAST_SEEN) {
                throw new AssertionError("merge into " + cf + ", which has no merge operator");
            }
            if (value.length != 8) {
                throw new AssertionError("lastSeen operand of " + value.length + " bytes");
            }
            byte[] k = key.clone();
            byte[] v = value.clone();
            // RocksDB's "max" operator keeps the bytewise larger operand: big-endian longs order as numbers
            writes.add(() -> maps.get(cf).merge(k, v, (old, neu) -> Arrays.compareUnsigned(old, neu) >= 0 ? old : neu));
        }
    }

    // ---- building records --------------------------------------------------------------------

    static long timeOf(long offset) {
        return T0 + offset * 1000;
    }

    static String eventIdOf(long offset) {
        return "ev-" + offset;
    }

    /** Event {@code n}: id {@code ev-<n>}, actor {@code actor-<n>}, format 1, at {@link #timeOf timeOf(n)}. */
    static ChangeEvent event(long n, Key key, Op op, String json, Condition condition) {
        return event(n, key, op, json, condition, 1, timeOf(n));
    }

    /** Event {@code n} (id {@code ev-<n>}, actor {@code actor-<n>}) in {@code formatVersion} at {@code timestampMs}. */
    static ChangeEvent event(long n, Key key, Op op, String json, Condition condition, int formatVersion, long timestampMs) {
        return new ChangeEvent(eventIdOf(n), key, op, json == null ? null : json.getBytes(StandardCharsets.UTF_8), condition,
                formatVersion, ORIGIN, "actor-" + n, timestampMs);
    }

    /** The record of {@code e} at {@code offset} of partition 0. */
    static Decoded at(long offset, ChangeEvent e) {
        return at(0, offset, e);
    }

    static Decoded at(int partition, long offset, ChangeEvent e) {
        return new Decoded(new LogPosition(partition, offset), e.timestampMs(), e, null,
                new Raw("ws.id=" + e.eventId() + "\nws.op=" + e.op().wireName(), e.payload(), e.eventId()));
    }

    static Decoded put(long offset, Key key, String json) {
        return put(offset, key, json, Condition.any());
    }

    static Decoded put(long offset, Key key, String json, Condition condition) {
        return at(offset, event(offset, key, Op.PUT, json, condition));
    }

    static Decoded merge(long offset, Key key, String patch) {
        return merge(offset, key, patch, Condition.any());
    }

    static Decoded merge(long offset, Key key, String patch, Condition condition) {
        return at(offset, event(offset, key, Op.MERGE, patch, condition));
    }

    static Decoded delete(long offset, Key key) {
        return delete(offset, key, Condition.any());
    }

    static Decoded delete(long offset, Key key, Condition condition) {
        return at(offset, event(offset, key, Op.DELETE, null, condition));
    }

    /** A registration as the writer sends it: a create-only put of {@code {"username": ...}}. */
    static Decoded register(long offset, String playerId, String username) {
        return at(offset, event(offset, new Key.Player(playerId), Op.PUT, "{\"username\":\"" + username + "\"}", Condition.absent()));
    }

    /** A record that is no event, as the decoder hands it over. */
    static Decoded malformed(long offset, String reason, String headers, byte[] value, String eventIdHeader) {
        return new Decoded(new LogPosition(0, offset), timeOf(offset), null, reason, new Raw(headers, value, eventIdHeader));
    }

    record Raw(String headersText, byte[] value, String eventId) implements Decoded.Raw {
    }

    // ---- reading the state back --------------------------------------------------------------

    /** The stored value of {@code key}, or {@code null} when absent. */
    Stored stored(Key key) {
        byte[] v = maps.get(Cf.of(key.table())).get(KeyCodec.encode(key));
        return v == null ? null : StoredCodec.decode(key, v);
    }

    /** The event-time index the rules wrote, read as the node reads it. */
    EventClock.Index eventTimes() {
        TreeMap<byte[], byte[]> m = maps.get(Cf.EVENT_TIMES);
        return new EventClock.Index() {
            @Override
            public byte[] seekAtOrAfter(byte[] key, byte[] prefix) {
                Map.Entry<byte[], byte[]> e = m.ceilingEntry(key);
                return e != null && KeyCodec.startsWith(e.getKey(), prefix) ? e.getValue() : null;
            }

            @Override
            public byte[] seekAtOrBefore(byte[] key, byte[] prefix) {
                Map.Entry<byte[], byte[]> e = m.floorEntry(key);
                return e != null && KeyCodec.startsWith(e.getKey(), prefix) ? e.getValue() : null;
            }
        };
    }

    /** The event time of {@code partition}'s last event ({@link EventClock#NONE} if none). */
    long lastEventTime(int partition) {
        return clock.last(partition);
    }

    /** The raw stored bytes of {@code key}, or {@code null}. */
    byte[] storedBytes(Key key) {
        return maps.get(Cf.of(key.table())).get(KeyCodec.encode(key));
    }

    /** The current value as JSON, or {@code null} when absent. */
    JsonNode value(Key key) {
        Stored s = stored(key);
        return s == null ? null : s.value();
    }

    /** The current version, or {@code null} when absent. */
    Long version(Key key) {
        Stored s = stored(key);
        return s == null ? null : s.version();
    }

    /** One entry of a key's history. */
    record Change(long version, Op op, Stored change, byte[] raw) {
        JsonNode json() {
            return change.value();
        }
    }

    /** Every history entry of {@code key}, oldest first. */
    List<Change> history(Key key) {
        byte[] prefix = HistoryCodec.keyPrefix(key.table(), KeyCodec.encode(key));
        List<Change> out = new ArrayList<>();
        for (Map.Entry<byte[], byte[]> e : maps.get(Cf.HISTORY).tailMap(prefix, true).entrySet()) {
            if (!KeyCodec.startsWith(e.getKey(), prefix)) {
                break;
            }
            if (e.getKey().length != prefix.length + 8) {
                continue; // a longer key sharing the prefix
            }
            out.add(new Change(HistoryCodec.versionOf(e.getKey()), HistoryCodec.op(e.getValue()),
                    HistoryCodec.change(key, e.getValue()), e.getValue()));
        }
        return out;
    }

    /** True when the event at {@code position} is marked refused (it changed nothing; feeds skip it). */
    boolean rejected(int partition, long offset) {
        return RejectedMarks.refused(maps.get(Cf.REJECTED).get(DeadLetters.positionKey(partition, offset)));
    }

    /** The changes of the applied batch at {@code position} marked as having changed nothing. */
    java.util.BitSet skipped(int partition, long offset) {
        return RejectedMarks.skipped(maps.get(Cf.REJECTED).get(DeadLetters.positionKey(partition, offset)));
    }

    /** The dead letter at {@code position}, or {@code null}. */
    DeadLetter deadLetter(int partition, long offset) {
        byte[] v = maps.get(Cf.DEAD_LETTERS).get(DeadLetters.positionKey(partition, offset));
        return v == null ? null : DeadLetters.decode(v);
    }

    /** The player's lastSeen (epoch ms), or {@code null}. */
    Long lastSeen(String playerId) {
        byte[] v = maps.get(Cf.LAST_SEEN).get(playerId.getBytes(StandardCharsets.UTF_8));
        return v == null ? null : ByteBuffer.wrap(v).getLong();
    }

    /** The player id holding {@code normalizedUsername}, or {@code null}. */
    String usernameHolder(String normalizedUsername) {
        byte[] v = maps.get(Cf.USERNAMES).get(normalizedUsername.getBytes(StandardCharsets.UTF_8));
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    /** Entries in {@code cf}. */
    int size(Cf cf) {
        return maps.get(cf).size();
    }

    /** The verdicts reported so far, by event id, in the order decided. */
    Map<String, Verdict> verdicts() {
        return verdicts;
    }

    /** Every family's entries as hex {@code key=value} lines: equal dumps are byte-identical projections. */
    String dump() {
        HexFormat hex = HexFormat.of();
        StringBuilder sb = new StringBuilder();
        maps.forEach((cf, m) -> {
            sb.append("[").append(cf.cfName).append("]\n");
            m.forEach((k, v) -> sb.append(hex.formatHex(k)).append('=').append(hex.formatHex(v)).append('\n'));
        });
        return sb.toString();
    }
}
