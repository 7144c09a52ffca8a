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
 * @param maxValueBytes for a merge patch, the {@code value.max.bytes} its writer checked against: the
 *     projector holds the merge's result to it, the same on every node; 0 when not recorded (older events)
 * @param idempotency the event's idempotency key and window, or {@code null}
 */
record ChangeEvent(String eventId, Key key, Op op, byte[] payload, Condition condition, int formatVersion,
        String origin, String actor, long timestampMs, int maxValueBytes, Idempotency idempotency) implements LogEvent {

    /** A change without an idempotency key. */
    ChangeEvent(String eventId, Key key, Op op, byte[] payload, Condition condition, int formatVersion, String origin, String actor,
            long timestampMs, int maxValueBytes) {
        this(eventId, key, op, payload, condition, formatVersion, origin, actor, timestampMs, maxValueBytes, null);
    }

    /** A change without a recorded value limit. */
    ChangeEvent(String eventId, Key key, Op op, byte[] payload, Condition condition, int formatVersion, String origin, String actor,
            long timestampMs) {
        this(eventId, key, op, payload, condition, formatVersion, origin, actor, timestampMs, 0, null);
    }

    @Override
    public String worldId() {
        return key.worldId();
    }

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
