package dev.worldstore.projector.internal;

import dev.worldstore.CorruptDataException;
import dev.worldstore.Key;
import dev.worldstore.Stored;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * Layout of a value in the projection's state column families:
 *
 * <pre>
 * byte   magic (1)
 * long   version (log offset of the last change)
 * long   timestamp of the last change, epoch ms
 * int    data-format version
 * short  origin length, origin UTF-8
 * short  actor length (-1 = none), actor UTF-8
 * rest   JSON value
 * </pre>
 *
 * Big-endian throughout. Values are compressed by RocksDB (LZ4 by default), not here.
 */
final class StoredCodec {
    static final byte MAGIC = 1;

    private StoredCodec() {
    }

    static byte[] encode(long version, long timestampMs, int formatVersion, String origin, String actor, byte[] json) {
        byte[] o = origin.getBytes(StandardCharsets.UTF_8);
        byte[] a = actor == null ? null : actor.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 8 + 8 + 4 + 2 + o.length + 2 + (a == null ? 0 : a.length) + json.length);
        b.put(MAGIC).putLong(version).putLong(timestampMs).putInt(formatVersion);
        b.putShort((short) o.length).put(o);
        if (a == null) {
            b.putShort((short) -1);
        } else {
            b.putShort((short) a.length).put(a);
        }
        b.put(json);
        return b.array();
    }

    /** The version of an encoded value, without decoding the rest. */
    static long version(byte[] stored) {
        return ByteBuffer.wrap(stored, 1, 8).getLong();
    }

    /** The data-format version of an encoded value, without decoding the rest. */
    static int formatVersion(byte[] stored) {
        return ByteBuffer.wrap(stored, 17, 4).getInt();
    }

    /** The JSON bytes of an encoded value, as a copy. */
    static byte[] json(byte[] stored) {
        ByteBuffer b = ByteBuffer.wrap(stored);
        b.position(1 + 8 + 8 + 4);
        int ol = b.getShort();
        b.position(b.position() + ol);
        int al = b.getShort();
        b.position(b.position() + Math.max(al, 0));
        byte[] json = new byte[b.remaining()];
        b.get(json);
        return json;
    }

    /**
     * Decodes a stored value.
     *
     * @throws CorruptDataException naming the key when the bytes are not a valid stored value
     */
    static Stored decode(Key key, byte[] stored) {
        try {
            ByteBuffer b = ByteBuffer.wrap(stored);
            if (b.get() != MAGIC) {
                throw new CorruptDataException(key, "unknown value layout " + stored[0], null);
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
            byte[] json = Arrays.copyOfRange(stored, b.position(), stored.length);
            return new Stored(key, json, version, Instant.ofEpochMilli(ts), fmt, origin, actor);
        } catch (RuntimeException e) {
            if (e instanceof CorruptDataException c) {
                throw c;
            }
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
