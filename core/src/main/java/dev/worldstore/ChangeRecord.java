package dev.worldstore;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Instant;
import java.util.Objects;

/**
 * One accepted change, as the change feed and the audit log report it. The payload is kept as the
 * JSON bytes of the event (not copied, parsed only by {@link #payload()}), so a feed that forwards
 * it ({@link #writePayload}) never parses it. Immutable and thread-safe.
 */
public final class ChangeRecord {
    private final LogPosition position;
    private final String eventId;
    private final Key key;
    private final Op op;
    private final RawJson payload;
    private final Instant timestamp;
    private final String origin;
    private final String actor;
    private final int formatVersion;

    /**
     * @param position where the event sits in the log; also the key's version after it; not null
     * @param eventId the event's id; not null
     * @param key the changed key; not null
     * @param op what the change did; not null
     * @param payload the UTF-8 JSON of the value (put) or the merge patch (merge-patch), handed
     *     over (not copied); {@code null} for a delete
     * @param timestamp when the event was written; not null
     * @param origin the node that wrote it; not null
     * @param actor who asked for the change, or {@code null}
     * @param formatVersion the data-format version of the payload
     * @throws IllegalArgumentException if a delete carries a payload or a put or merge patch lacks one
     */
    public ChangeRecord(LogPosition position, String eventId, Key key, Op op, byte[] payload, Instant timestamp, String origin,
            String actor, int formatVersion) {
        this.position = Objects.requireNonNull(position, "position");
        this.eventId = Objects.requireNonNull(eventId, "eventId");
        this.key = Objects.requireNonNull(key, "key");
        this.op = Objects.requireNonNull(op, "op");
        this.timestamp = Objects.requireNonNull(timestamp, "timestamp");
        this.origin = Objects.requireNonNull(origin, "origin");
        if ((op == Op.DELETE) != (payload == null)) {
            throw new IllegalArgumentException("a delete and only a delete has no payload");
        }
        this.payload = payload == null ? null : new RawJson(payload);
        this.actor = actor;
        this.formatVersion = formatVersion;
    }

    public LogPosition position() {
        return position;
    }

    public String eventId() {
        return eventId;
    }

    public Key key() {
        return key;
    }

    public Op op() {
        return op;
    }

    /**
     * The value (put), the merge patch (merge-patch), or {@code null} (delete); parsed on first
     * call and kept (treat it as read-only).
     *
     * @throws CorruptDataException if the payload is not JSON
     */
    public JsonNode payload() {
        return payload == null ? null : payload.tree(key);
    }

    /** Writes the payload as the next value of {@code gen}, unparsed; JSON {@code null} for a delete. */
    public void writePayload(JsonGenerator gen) throws IOException {
        if (payload == null) {
            gen.writeNull();
        } else {
            payload.writeTo(gen);
        }
    }

    public Instant timestamp() {
        return timestamp;
    }

    public String origin() {
        return origin;
    }

    /** Who asked for the change, or {@code null}. */
    public String actor() {
        return actor;
    }

    public int formatVersion() {
        return formatVersion;
    }

    /** The key's version after this change. */
    public long version() {
        return position.offset();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChangeRecord r && r.position.equals(position) && r.eventId.equals(eventId);
    }

    @Override
    public int hashCode() {
        return position.hashCode() * 31 + eventId.hashCode();
    }

    @Override
    public String toString() {
        return "ChangeRecord[" + position + " " + op.wireName() + " " + key + " actor=" + actor + " origin=" + origin + "]";
    }
}
