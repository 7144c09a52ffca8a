package dev.worldstore;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;

/**
 * A value as the projection holds it, with the facts of its last change.
 *
 * @param value the current value, in the shape it was saved
 * @param version the key's version (the log offset of its last change)
 * @param updatedAt when the last change was written
 * @param formatVersion data-format version of the event that produced the value
 * @param origin node that wrote the last change
 * @param actor who asked for the last change, or {@code null}
 */
public record Stored(JsonNode value, long version, Instant updatedAt, int formatVersion, String origin, String actor) {
    public Stored {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }
}
