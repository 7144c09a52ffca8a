package dev.worldstore;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.Objects;

/**
 * A value as the projection holds it, with the facts of its last change.
 *
 * <p>The value is kept as the JSON bytes the projection stores (a slice of the array a read
 * returned, not a copy) and parsed only on first use of {@link #value()}, so a caller that forwards
 * the JSON ({@link #writeJson(OutputStream)}, {@link #writeJson(JsonGenerator)}) never pays for a
 * parse or a copy. Immutable and thread-safe.
 */
public final class Stored {
    private final Key key;
    private final RawJson json;
    private final long version;
    private final Instant updatedAt;
    private final int formatVersion;
    private final String origin;
    private final String actor;

    /**
     * @param key the key; not null
     * @param json the value's UTF-8 JSON bytes (not copied: the caller hands them over); not null
     * @param version the key's version (the log offset of its last change)
     * @param updatedAt when the last change was written; not null
     * @param formatVersion data-format version of the event that produced the value
     * @param origin node that wrote the last change
     * @param actor who asked for the last change, or {@code null}
     */
    public Stored(Key key, byte[] json, long version, Instant updatedAt, int formatVersion, String origin, String actor) {
        this(key, json, 0, Objects.requireNonNull(json, "json").length, version, updatedAt, formatVersion, origin, actor);
    }

    /**
     * As the other constructor, with the value as {@code length} bytes of {@code buffer} from
     * {@code offset} (a stored record whose value follows its header, say).
     *
     * @throws IndexOutOfBoundsException if the slice is not inside {@code buffer}
     */
    public Stored(Key key, byte[] buffer, int offset, int length, long version, Instant updatedAt, int formatVersion, String origin,
            String actor) {
        this(key, new RawJson(Objects.requireNonNull(buffer, "buffer"), offset, length), version, updatedAt, formatVersion, origin,
                actor);
    }

    /** A value known as a tree (e.g. the result of merge patches): serialised once, here. */
    public static Stored ofTree(Key key, JsonNode value, long version, Instant updatedAt, int formatVersion, String origin,
            String actor) {
        return new Stored(key, RawJson.of(Objects.requireNonNull(value, "value")), version, updatedAt, formatVersion, origin, actor);
    }

    private Stored(Key key, RawJson json, long version, Instant updatedAt, int formatVersion, String origin, String actor) {
        this.key = Objects.requireNonNull(key, "key");
        this.json = json;
        this.updatedAt = Objects.requireNonNull(updatedAt, "updatedAt");
        this.version = version;
        this.formatVersion = formatVersion;
        this.origin = origin;
        this.actor = actor;
    }

    /**
     * The current value, in the shape it was saved; parsed on first call and kept (treat it as
     * read-only).
     *
     * @throws CorruptDataException if the stored bytes are not JSON
     */
    public JsonNode value() {
        return json.tree(key);
    }

    /** The value's JSON bytes as stored. A copy: callers may not change the store's bytes. */
    public byte[] jsonBytes() {
        return json.copy();
    }

    /** The length of the value's JSON, in bytes. */
    public int jsonLength() {
        return json.length();
    }

    /** Writes the value's JSON bytes to {@code out}, without copying or parsing them. */
    public void writeJson(OutputStream out) throws IOException {
        json.writeTo(out);
    }

    /** Writes the value as the next JSON value of {@code gen}, unparsed (a raw value). */
    public void writeJson(JsonGenerator gen) throws IOException {
        json.writeTo(gen);
    }

    /**
     * Checks that the stored bytes are one well-formed JSON value, reading their tokens without
     * building a tree.
     *
     * @throws CorruptDataException naming the key otherwise
     */
    public void checkJson() {
        json.checkWellFormed(key);
    }

    /** True when both hold the same JSON bytes (not compared as values: whitespace and member order count). */
    public boolean sameJsonBytes(Stored other) {
        return json.sameBytes(other.json);
    }

    public Key key() {
        return key;
    }

    public long version() {
        return version;
    }

    public Instant updatedAt() {
        return updatedAt;
    }

    public int formatVersion() {
        return formatVersion;
    }

    public String origin() {
        return origin;
    }

    public String actor() {
        return actor;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Stored s && s.version == version && s.formatVersion == formatVersion && s.key.equals(key)
                && s.json.sameBytes(json) && s.updatedAt.equals(updatedAt) && Objects.equals(s.origin, origin)
                && Objects.equals(s.actor, actor);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, version, updatedAt);
    }

    @Override
    public String toString() {
        return "Stored[" + key + " version=" + version + " updatedAt=" + updatedAt + " origin=" + origin + " actor=" + actor
                + " bytes=" + json.length() + "]";
    }
}
