package dev.worldstore;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A JSON value held as UTF-8 bytes, a slice of an array it does not copy, with the tree parsed on
 * first use. Values travel through worldstore as bytes (RocksDB, Kafka, HTTP bodies); this is how
 * they reach a response without being parsed and written again: {@link #writeTo(JsonGenerator)}
 * copies the bytes into the generator as a raw value.
 *
 * <p>Immutable (the caller hands the array over and must not change it) and thread-safe.
 */
final class RawJson implements SerializableString {
    private final byte[] buf;
    private final int offset;
    private final int length;
    private volatile JsonNode tree;
    private volatile String text;

    RawJson(byte[] buf, int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > buf.length) {
            throw new IndexOutOfBoundsException("slice " + offset + "+" + length + " of " + buf.length + " bytes");
        }
        this.buf = buf;
        this.offset = offset;
        this.length = length;
    }

    RawJson(byte[] whole) {
        this(whole, 0, whole.length);
    }

    /** A value known only as a tree (a computed merge result): serialised once, here. */
    static RawJson of(JsonNode tree) {
        RawJson r = new RawJson(Json.bytes(tree));
        r.tree = tree;
        return r;
    }

    int length() {
        return length;
    }

    /**
     * The tree, parsed on first call and kept (treat it as read-only).
     *
     * @throws CorruptDataException naming {@code key} if the bytes are not one JSON value
     */
    JsonNode tree(Key key) {
        JsonNode t = tree;
        if (t == null) {
            try {
                t = Json.parse(buf, offset, length);
            } catch (ValidationException e) {
                throw new CorruptDataException(key, e.rule(), e);
            }
            tree = t;
        }
        return t;
    }

    /** A copy of the bytes. */
    byte[] copy() {
        return Arrays.copyOfRange(buf, offset, offset + length);
    }

    void writeTo(OutputStream out) throws IOException {
        out.write(buf, offset, length);
    }

    /** Writes the bytes as the next value of {@code gen}, unparsed. */
    void writeTo(JsonGenerator gen) throws IOException {
        gen.writeRawValue(this);
    }

    /**
     * Checks that the bytes are exactly one well-formed JSON value by reading its tokens, without
     * building a tree.
     *
     * @throws CorruptDataException naming {@code key} otherwise
     */
    void checkWellFormed(Key key) {
        if (tree != null) {
            return;
        }
        try (JsonParser p = Json.parser(buf, offset, length)) {
            if (p.nextToken() == null) {
                throw new CorruptDataException(key, "holds no JSON value", null);
            }
            p.skipChildren();
            JsonToken trailing = p.nextToken();
            if (trailing != null) {
                throw new CorruptDataException(key, "trailing content after the JSON value", null);
            }
        } catch (JsonProcessingException e) {
            throw new CorruptDataException(key, Json.invalidJson(e, null).rule(), e);
        } catch (IOException e) {
            throw new CorruptDataException(key, e.getMessage(), e);
        }
    }

    boolean sameBytes(RawJson o) {
        return Arrays.equals(buf, offset, offset + length, o.buf, o.offset, o.offset + o.length);
    }

    int bytesHash() {
        int h = 1;
        for (int i = offset; i < offset + length; i++) {
            h = 31 * h + buf[i];
        }
        return h;
    }

    // ---- SerializableString: how a generator takes the bytes as a raw value -----------------------

    @Override
    public String getValue() {
        String s = text;
        if (s == null) {
            s = new String(buf, offset, length, StandardCharsets.UTF_8);
            text = s;
        }
        return s;
    }

    @Override
    public int charLength() {
        return getValue().length();
    }

    @Override
    public int appendUnquotedUTF8(byte[] out, int at) {
        if (at + length > out.length) {
            return -1;
        }
        System.arraycopy(buf, offset, out, at, length);
        return length;
    }

    @Override
    public byte[] asUnquotedUTF8() {
        return offset == 0 && length == buf.length ? buf : copy();
    }

    @Override
    public int writeUnquotedUTF8(OutputStream out) throws IOException {
        out.write(buf, offset, length);
        return length;
    }

    @Override
    public int putUnquotedUTF8(ByteBuffer out) {
        if (out.remaining() < length) {
            return -1;
        }
        out.put(buf, offset, length);
        return length;
    }

    @Override
    public int appendUnquoted(char[] out, int at) {
        String s = getValue();
        if (at + s.length() > out.length) {
            return -1;
        }
        s.getChars(0, s.length(), out, at);
        return s.length();
    }

    // A raw value is never written quoted: these serve no generator path and say so.

    @Override
    public char[] asQuotedChars() {
        throw new UnsupportedOperationException("a raw JSON value is not a string");
    }

    @Override
    public byte[] asQuotedUTF8() {
        throw new UnsupportedOperationException("a raw JSON value is not a string");
    }

    @Override
    public int appendQuotedUTF8(byte[] out, int at) {
        throw new UnsupportedOperationException("a raw JSON value is not a string");
    }

    @Override
    public int appendQuoted(char[] out, int at) {
        throw new UnsupportedOperationException("a raw JSON value is not a string");
    }

    @Override
    public int writeQuotedUTF8(OutputStream out) {
        throw new UnsupportedOperationException("a raw JSON value is not a string");
    }

    @Override
    public int putQuotedUTF8(ByteBuffer out) {
        throw new UnsupportedOperationException("a raw JSON value is not a string");
    }

    @Override
    public String toString() {
        return getValue();
    }
}
