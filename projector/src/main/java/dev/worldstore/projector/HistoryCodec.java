package dev.worldstore.projector;

import dev.worldstore.Key;
import dev.worldstore.Op;
import dev.worldstore.Stored;
import dev.worldstore.Table;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Layout of the history column family, which keeps every applied change per key:
 *
 * <pre>
 * key    table ordinal (1 byte) | encoded key ({@link KeyCodec}) | 0x00 | version (8 bytes, big-endian)
 * value  op ordinal (1 byte) | {@link StoredCodec} layout whose JSON is the put value, the patch, or null
 * </pre>
 *
 * A key's changes are contiguous and in version (log) order; a world's keys of one table share the
 * prefix {@code table | world 0x00}. Stateless.
 */
final class HistoryCodec {
    private static final byte[] NULL_JSON = "null".getBytes(StandardCharsets.UTF_8);
    /** Where the {@link StoredCodec} layout starts in a history value. */
    static final int STORED_AT = 1;

    private HistoryCodec() {
    }

    static byte[] key(Table table, byte[] encodedKey, long version) {
        return ByteBuffer.allocate(1 + encodedKey.length + 1 + 8).put((byte) table.ordinal()).put(encodedKey).put((byte) 0)
                .putLong(version).array();
    }

    /** Every history key of one key starts with this. */
    static byte[] keyPrefix(Table table, byte[] encodedKey) {
        return ByteBuffer.allocate(1 + encodedKey.length + 1).put((byte) table.ordinal()).put(encodedKey).put((byte) 0).array();
    }

    /** {@code prefix} followed by {@code version}: a seek target. */
    static byte[] at(byte[] prefix, long version) {
        return ByteBuffer.allocate(prefix.length + 8).put(prefix).putLong(version).array();
    }

    static long versionOf(byte[] historyKey) {
        return ByteBuffer.wrap(historyKey, historyKey.length - 8, 8).getLong();
    }

    /** The encoded key inside a history key: between the table byte and the 0x00 before the version. */
    static byte[] encodedKeyOf(byte[] historyKey) {
        return java.util.Arrays.copyOfRange(historyKey, 1, historyKey.length - 9);
    }

    /**
     * The history value of a change whose JSON is the event's payload (a patch, or {@code null} for a
     * delete), at event time {@code timeMs} ({@link EventClock}).
     */
    static byte[] value(ChangeEvent e, long version, long timeMs) {
        return value(e.op(), StoredCodec.encode(version, timeMs, e.formatVersion(), e.origin(), e.actor(),
                e.payload() == null ? NULL_JSON : e.payload()));
    }

    /** A history value from the {@link StoredCodec} encoding of the change (a put's is the state's own). */
    static byte[] value(Op op, byte[] stored) {
        byte[] v = new byte[stored.length + 1];
        v[0] = (byte) op.ordinal();
        System.arraycopy(stored, 0, v, 1, stored.length);
        return v;
    }

    static Op op(byte[] value) {
        return Op.values()[value[0]];
    }

    /** The change a history value records, read in place (no copy). */
    static Stored change(Key key, byte[] value) {
        return StoredCodec.decode(key, value, STORED_AT);
    }

    /** The timestamp (epoch ms) of the change a history value records. */
    static long timestampMs(byte[] value) {
        return StoredCodec.timestampMs(value, STORED_AT);
    }
}
