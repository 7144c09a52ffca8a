package dev.worldstore;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.internal.Json;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * A value as the projection holds it, with the facts of its last change.
 *
 * <p>The value is kept as the JSON bytes the projection stores and parsed on first use of
 * {@link #value()}, so a caller that only forwards the JSON (an HTTP server) never pays for a
 * parse. Immutable and thread-safe.
 */
public final class Stored {
    private final Key key;
    private final byte[] json;
    private final long version;
    private final Instant updatedAt;
    private final int formatVersion;
    private final String origin;
    private final String actor;
    private volatile JsonNode parsed;

    /**
     * @param json the value's JSON bytes (not copied: the caller hands them over)
     * @param version the key's version (the log offset of its last change)
     * @param updatedAt when the last change was written
     * @param formatVersion data-format version of the event that produced the value
     * @param origin node that wrote the last change
     * @param actor who asked for the last change, or {@code null}
     */
    public Stored(Key key, byte[] json, long version, Instant updatedAt, int formatVersion, String origin, String actor) {
        this.key = Objects.requireNonNull(key, "key");
        this.json = Objects.requireNonNull(json, "json");
        this.updatedAt = Objects.requireNonNull(updatedAt, "updatedAt");
        this.version = version;
        this.formatVersion = formatVersion;
        this.origin = origin;
        this.actor = actor;
    }

    /**
     * The current value, in the shape it was saved.
     *
     * @throws CorruptDataException if the stored bytes are not JSON
     */
    public JsonNode value() {
        JsonNode v = parsed;
        if (v == null) {
            try {
                v = Json.parse(json);
            } catch (IOException e) {
                throw new CorruptDataException(key, e.getMessage(), e);
            }
            if (v == null || v.isMissingNode()) {
                throw new CorruptDataException(key, "empty JSON value", null);
            }
            parsed = v;
        }
        return v;
    }

    /** The value's JSON bytes as stored. A copy: callers may not change the store's bytes. */
    public byte[] jsonBytes() {
        return json.clone();
    }

    /** Writes the value's JSON bytes to {@code out} without copying them. */
    public void writeJson(java.io.OutputStream out) throws IOException {
        out.write(json);
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
                && Arrays.equals(s.json, json) && s.updatedAt.equals(updatedAt) && Objects.equals(s.origin, origin)
                && Objects.equals(s.actor, actor);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, version, updatedAt);
    }

    @Override
    public String toString() {
        return "Stored[" + key + " version=" + version + " updatedAt=" + updatedAt + " origin=" + origin + " actor=" + actor
                + " bytes=" + json.length + "]";
    }
}
