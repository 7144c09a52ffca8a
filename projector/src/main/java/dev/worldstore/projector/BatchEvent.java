package dev.worldstore.projector;

import dev.worldstore.Condition;
import dev.worldstore.Key;
import dev.worldstore.Op;
import java.util.List;
import java.util.Objects;

/**
 * A world transaction as it travels through Kafka: one record in the world's partition whose value
 * is the batch document ({@link BatchCodec}), decided and applied whole by the projector.
 *
 * @param worldId the world every item belongs to
 * @param document the record's value, the encoded batch ({@link BatchCodec})
 * @param items the changes, in order; each key at most once
 * @param maxValueBytes the {@code value.max.bytes} the writer checked against: the projector holds
 *     merge results to the same limit, so every node decides alike whatever its own setting
 * @param meta UTF-8 JSON object recorded with the batch (e.g. where a fork came from), or {@code null}
 * @param idempotency the batch's idempotency key and window, or {@code null}
 */
record BatchEvent(String eventId, String worldId, byte[] document, List<Item> items, int maxValueBytes, byte[] meta, String origin,
        String actor, long timestampMs, Idempotency idempotency) implements LogEvent {

    /** A batch without an idempotency key. */
    BatchEvent(String eventId, String worldId, byte[] document, List<Item> items, int maxValueBytes, byte[] meta, String origin,
            String actor, long timestampMs) {
        this(eventId, worldId, document, items, maxValueBytes, meta, origin, actor, timestampMs, null);
    }

    BatchEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(worldId, "worldId");
        Objects.requireNonNull(document, "document");
        Objects.requireNonNull(origin, "origin");
        items = List.copyOf(items);
    }

    /**
     * One change of a batch; its payload is {@code length} bytes of {@code buffer} from
     * {@code offset} (a slice of the batch document, not a copy), {@code buffer == null} for a delete.
     */
    record Item(Key key, Op op, Condition condition, int formatVersion, byte[] buffer, int offset, int length) {
        Item {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(op, "op");
            Objects.requireNonNull(condition, "condition");
            if ((op == Op.DELETE) != (buffer == null)) {
                throw new IllegalArgumentException("a delete and only a delete has no payload");
            }
        }

        /** The payload as its own array (a copy), or {@code null} for a delete. */
        byte[] payload() {
            return buffer == null ? null : java.util.Arrays.copyOfRange(buffer, offset, offset + length);
        }
    }
}
