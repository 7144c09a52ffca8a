package dev.worldstore.projector;

import dev.worldstore.Condition;
import dev.worldstore.Key;
import dev.worldstore.Op;
import java.util.Objects;

/**
 * A change event as it travels through Kafka. The payload stays serialized JSON: the writer
 * produced it once during validation and the projector parses it only when it must (merge patches).
 *
 * @param payload JSON bytes, {@code null} for a delete
 * @param formatVersion data-format version of the payload (see {@link EventCodec#FORMAT_VERSION})
 * @param actor who asked for the change, or {@code null}
 */
record ChangeEvent(String eventId, Key key, Op op, byte[] payload, Condition condition, int formatVersion,
        String origin, String actor, long timestampMs) implements LogEvent {
    ChangeEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(condition, "condition");
        Objects.requireNonNull(origin, "origin");
        if ((op == Op.DELETE) != (payload == null)) {
            throw new IllegalArgumentException("a delete and only a delete has no payload");
        }
    }
}
