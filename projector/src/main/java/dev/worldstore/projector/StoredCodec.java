package dev.worldstore.projector;

import dev.worldstore.CorruptDataException;
import dev.worldstore.Key;
import dev.worldstore.Stored;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Layout of a value in the projection's state column families (and, after one op byte, of a
 * history entry; see {@link HistoryCodec}):
 *
 * <pre>
 * byte   magic (1)
 * long   version (log offset of the last change)
 * long   event time of the last change, epoch ms ({@link EventClock})
 * int    data-format version
 * short  origin length, origin UTF-8
 * short  actor length (-1 = none), actor UTF-8
 * rest   JSON value
 * </pre>
 *
 * Big-endian throughout. Values are compressed by RocksDB (LZ4 by default), not here. Every read
 * takes the offset where the layout starts in its array, so a history entry is read in place.
 * Stateless.
 */
final class StoredCodec {
    static final byte MAGIC = 1;
    /** Bytes before the origin: magic, version, timestamp, format. */
    private static final int FIXED = 1 + 8 + 8 + 4;
    private static final int TIMESTAMP_AT = 1 + 8;
    private static final int FORMAT_AT = 1 + 8 + 8;

    private StoredCodec() {
    }

    static byte[] encode(long version, long timestampMs, int formatVersion, String origin, String actor, byte[] json) {
        return encode(version, timestampMs, formatVersion, origin, actor, json, 0, json.length);
    }

    static byte[] encode(long version, long timestampMs, int formatVersion, String origin, String actor, byte[] json, int offset,
            int length) {
        byte[] o = origin.getBytes(StandardCharsets.UTF_8);
        byte[] a = actor == null ? null : actor.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(FIXED + 2 + o.length + 2 + (a == null ? 0 : a.length) + length);
        b.put(MAGIC).putLong(version).putLong(timestampMs).putInt(formatVersion);
        b.putShort((short) o.length).put(o);
        if (a == null) {
            b.putShort((short) -1);
        } else {
            b.putShort((short) a.length).put(a);
        }
        b.put(json, offset, length);
        return b.array();
    }

    /** The version of an encoded value, without decoding the rest. */
    static long version(byte[] stored) {
        return version(stored, 0);
    }

    static long version(byte[] buf, int at) {
        return ByteBuffer.wrap(buf, at + 1, 8).getLong();
    }

    /** The timestamp (epoch ms) of an encoded value. */
    static long timestampMs(byte[] buf, int at) {
        return ByteBuffer.wrap(buf, at + TIMESTAMP_AT, 8).getLong();
    }

    /** Replaces the timestamp of the layout starting at {@code at}, in place. */
    static void setTimestampMs(byte[] buf, int at, long timestampMs) {
        ByteBuffer.wrap(buf, at + TIMESTAMP_AT, 8).putLong(timestampMs);
    }

    /** The data-format version of an encoded value, without decoding the rest. */
    static int formatVersion(byte[] stored) {
        return ByteBuffer.wrap(stored, FORMAT_AT, 4).getInt();
    }

    /** Where the JSON value of the layout starting at {@code at} begins. */
    static int jsonOffset(byte[] buf, int at) {
        ByteBuffer b = ByteBuffer.wrap(buf);
        b.position(at + FIXED);
        int ol = b.getShort();
        b.position(b.position() + ol);
        int al = b.getShort();
        return b.position() + Math.max(al, 0);
    }

    /** Decodes a stored value (the layout at the start of {@code stored}). */
    static Stored decode(Key key, byte[] stored) {
        return decode(key, stored, 0);
    }

    /**
     * Decodes the layout starting at {@code at}; the returned value is a slice of {@code buf}, not a copy.
     *
     * @throws CorruptDataException naming the key when the bytes are not a valid stored value
     */
    static Stored decode(Key key, byte[] buf, int at) {
        try {
            ByteBuffer b = ByteBuffer.wrap(buf);
            b.position(at);
            if (b.get() != MAGIC) {
                throw new CorruptDataException(key, "unknown value layout " + buf[at], null);
            }
            long version = b.getLong();
            long ts = b.getLong();
            int fmt = b.getInt();
            String origin = string(b, b.getShort());
            short al = b.getShort();
            String actor = al < 0 ? null : string(b, al);
            if (!b.hasRemaining()) {
                throw new CorruptDataException(key, "empty JSON value", null);
            }
            return new Stored(key, buf, b.position(), buf.length - b.position(), version, Instant.ofEpochMilli(ts), fmt, origin, actor);
        } catch (CorruptDataException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CorruptDataException(key, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private static String string(ByteBuffer b, int length) {
        if (length < 0 || length > b.remaining()) {
            throw new IllegalArgumentException("field length " + length + " exceeds value");
        }
        String s = new String(b.array(), b.position(), length, StandardCharsets.UTF_8);
        b.position(b.position() + length);
        return s;
    }
}
