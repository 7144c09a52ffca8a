package dev.worldstore;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;

/**
 * One applied change of one key, for audit.
 *
 * @param version the key's version after the change (the event's log offset)
 * @param change the saved value (put), the merge patch (merge-patch), or {@code null} (delete)
 * @param result the key's value after the change when asked for, {@code null} otherwise or after a delete
 */
public record HistoryEntry(Key key, long version, Op op, Instant timestamp, String origin, String actor, int formatVersion,
        JsonNode change, JsonNode result) {
    public HistoryEntry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(timestamp, "timestamp");
    }
}
