package dev.worldstore;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;

/**
 * One accepted change, as the change feed and the history report it.
 *
 * @param position where the event sits in the log; also the key's version after it
 * @param payload the value (put), the merge patch (merge-patch), or {@code null} (delete)
 * @param actor who asked for the change, or {@code null}
 */
public record ChangeRecord(LogPosition position, String eventId, Key key, Op op, JsonNode payload, Instant timestamp,
        String origin, String actor, int formatVersion) {
    public ChangeRecord {
        Objects.requireNonNull(position, "position");
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(origin, "origin");
    }

    /** The key's version after this change. */
    public long version() {
        return position.offset();
    }
}
