package dev.worldstore;

import java.time.Instant;
import java.util.Objects;

/** A point in a world's history: an instant, or a log position. A closed set. */
public sealed interface AsOf permits AsOf.AtTime, AsOf.AtPosition {

    /**
     * The state after every change whose event time is at or before {@code instant}: the time history shows, the
     * writer's clock raised where needed so it never goes backwards within a world's partition.
     */
    record AtTime(Instant instant) implements AsOf {
        public AtTime {
            Objects.requireNonNull(instant, "instant");
        }
    }

    /** The state after every change up to and including {@code position} of the world's partition. */
    record AtPosition(LogPosition position) implements AsOf {
        public AtPosition {
            Objects.requireNonNull(position, "position");
        }
    }

    static AsOf time(Instant instant) {
        return new AtTime(instant);
    }

    static AsOf position(LogPosition position) {
        return new AtPosition(position);
    }

    /**
     * Reads an ISO-8601 instant ({@code 2026-11-24T14:02:00Z}) or a log position ({@code 3-1042}).
     *
     * @throws ValidationException naming {@code field} when the text is neither
     */
    static AsOf parse(String field, String text) {
        try {
            return text != null && text.contains("T") ? time(Instant.parse(text)) : position(LogPosition.parse(text));
        } catch (RuntimeException e) {
            throw new ValidationException(ErrorCode.INVALID_ARGUMENT, field,
                    "must be an ISO-8601 instant like 2026-11-24T14:02:00Z or a log position like 0-42, was '" + text + "'");
        }
    }

    /** True if a change at {@code version} written at {@code timestampMs} is included. */
    default boolean includes(long version, long timestampMs) {
        if (this instanceof AtPosition p) {
            return version <= p.position().offset();
        }
        return timestampMs <= ((AtTime) this).instant().toEpochMilli();
    }
}
