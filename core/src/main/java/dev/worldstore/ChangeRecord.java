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
    private final int batchIndex;
    private final int batchSize;

    /**
     * @param position where the event sits in the log; also the key's version after it; not null
     * @param eventId the event's id; not null
     * @param key the changed key; not null
     * @param op what the change did; not null
     * @param payload the UTF-8 JSON of the value (put) or the merge patch (merge-patch), handed
     *     over (not copied); {@code null} for a delete
     * @param timestamp the event time: when the event was written, never before an earlier event of its partition; not null
     * @param origin the node that wrote it; not null
     * @param actor who asked for the change, or {@code null}
     * @param formatVersion the data-format version of the payload
     * @throws IllegalArgumentException if a delete carries a payload or a put or merge patch lacks one
     */
    public ChangeRecord(LogPosition position, String eventId, Key key, Op op, byte[] payload, Instant timestamp, String origin,
            String actor, int formatVersion) {
        this(position, eventId, key, op, payload, 0, payload == null ? 0 : payload.length, timestamp, origin, actor, formatVersion, 0,
                0);
    }

    /**
     * One change of a batch (or, with index 0 and size 1, a single change), its payload a slice of
     * {@code buffer} (not copied).
     *
     * @param buffer holds the payload, {@code null} for a delete
     * @param batchIndex the change's position in its batch, from 0 (0 for a change saved alone)
     * @param batchSize how many changes the batch holds, or 0 for a change saved alone
     * @throws IllegalArgumentException as the other constructor, or if the batch index is not in {@code 0 .. batchSize - 1}
     */
    public ChangeRecord(LogPosition position, String eventId, Key key, Op op, byte[] buffer, int offset, int length, Instant timestamp,
            String origin, String actor, int formatVersion, int batchIndex, int batchSize) {
        this.position = Objects.requireNonNull(position, "position");
        this.eventId = Objects.requireNonNull(eventId, "eventId");
        this.key = Objects.requireNonNull(key, "key");
        this.op = Objects.requireNonNull(op, "op");
        this.timestamp = Objects.requireNonNull(timestamp, "timestamp");
        this.origin = Objects.requireNonNull(origin, "origin");
        if ((op == Op.DELETE) != (buffer == null)) {
            throw new IllegalArgumentException("a delete and only a delete has no payload");
        }
        if (batchSize < 0 || batchIndex < 0 || (batchSize > 0 ? batchIndex >= batchSize : batchIndex != 0)) {
            throw new IllegalArgumentException("batch index " + batchIndex + " of " + batchSize);
        }
        this.payload = buffer == null ? null : new RawJson(buffer, offset, length);
        this.actor = actor;
        this.formatVersion = formatVersion;
        this.batchIndex = batchIndex;
        this.batchSize = batchSize;
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

    /**
     * This change's position in its batch, from 0; 0 for a change saved alone. All changes of one
     * batch share one {@link #position()}, event id, actor, origin and timestamp, and a feed
     * delivers them together, in order.
     */
    public int batchIndex() {
        return batchIndex;
    }

    /** How many changes the batch holds, or 0 for a change saved alone. */
    public int batchSize() {
        return batchSize;
    }

    /** True when this change is part of a batch (a world transaction), even a batch of one. */
    public boolean inBatch() {
        return batchSize > 0;
    }

    /** The key's version after this change. */
    public long version() {
        return position.offset();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChangeRecord r && r.position.equals(position) && r.eventId.equals(eventId) && r.batchIndex == batchIndex;
    }

    @Override
    public int hashCode() {
        return (position.hashCode() * 31 + eventId.hashCode()) * 31 + batchIndex;
    }

    @Override
    public String toString() {
        return "ChangeRecord[" + position + " " + op.wireName() + " " + key + " actor=" + actor + " origin=" + origin + "]";
    }
}
