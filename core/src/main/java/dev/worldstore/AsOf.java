package dev.worldstore;

import java.time.Instant;
import java.util.Objects;

/**
 * A point in a world's history: an instant, a log position, or the start of a partition (before
 * its first record). A closed set; {@link #toString()} of each is the text {@link #parse} reads.
 */
public sealed interface AsOf permits AsOf.AtTime, AsOf.AtPosition, AsOf.AtStart {

    /**
     * The state after every change whose event time is at or before {@code instant}: the time history shows, the
     * writer's clock raised where needed so it never goes backwards within a world's partition.
     */
    record AtTime(Instant instant) implements AsOf {
        public AtTime {
            Objects.requireNonNull(instant, "instant");
        }

        /** ISO-8601, e.g. {@code 2026-11-24T14:02:00Z}. */
        @Override
        public String toString() {
            return instant.toString();
        }
    }

    /** The state after every change up to and including {@code position} of the world's partition. */
    record AtPosition(LogPosition position) implements AsOf {
        public AtPosition {
            Objects.requireNonNull(position, "position");
        }

        /** {@code partition-offset}, e.g. {@code 3-1042}. */
        @Override
        public String toString() {
            return position.toString();
        }
    }

    /**
     * The state before the first record of {@code partition}, the world's partition: nothing.
     * Written {@code partition-start} ({@code 3-start}), the id a change feed gives its ready event
     * on a partition with no record yet, so every position the API hands out can be read back.
     */
    record AtStart(int partition) implements AsOf {
        /** What follows the partition in the text form. */
        static final String SUFFIX = "-start";

        public AtStart {
            if (partition < 0) {
                throw new IllegalArgumentException("partition must be >= 0, was " + partition);
            }
        }

        /** True if {@code text} is written in this form, {@code …-start} (it may still be malformed: {@link #parse} says). */
        public static boolean matches(String text) {
            return text != null && text.endsWith(SUFFIX);
        }

        /**
         * Parses {@code "partition-start"}.
         *
         * @throws IllegalArgumentException naming the rule when {@code text} is not of that form
         */
        public static AtStart parse(String text) {
            try {
                if (matches(text)) {
                    return new AtStart(Integer.parseInt(text.substring(0, text.length() - SUFFIX.length())));
                }
            } catch (IllegalArgumentException e) {
                // said below
            }
            throw new IllegalArgumentException("a partition's start is written partition-start, e.g. 0-start; was: " + text);
        }

        /** {@code partition-start}, e.g. {@code 3-start}. */
        @Override
        public String toString() {
            return partition + SUFFIX;
        }
    }

    static AsOf time(Instant instant) {
        return new AtTime(instant);
    }

    static AsOf position(LogPosition position) {
        return new AtPosition(position);
    }

    /**
     * Reads an ISO-8601 instant ({@code 2026-11-24T14:02:00Z}), a log position ({@code 3-1042}) or
     * a partition's start ({@code 3-start}).
     *
     * @throws ValidationException naming {@code field} when the text is none of them
     */
    static AsOf parse(String field, String text) {
        try {
            if (AtStart.matches(text)) {
                return AtStart.parse(text);
            }
            return text != null && text.contains("T") ? time(Instant.parse(text)) : position(LogPosition.parse(text));
        } catch (RuntimeException e) {
            throw new ValidationException(ErrorCode.INVALID_ARGUMENT, field, "must be an ISO-8601 instant like 2026-11-24T14:02:00Z, "
                    + "a log position like 0-42 or a partition's start like 0-start, was '" + text + "'");
        }
    }

    /** The partition this point is in: a position's, or a start's; -1 for an instant, which names none. */
    default int partition() {
        return this instanceof AtPosition p ? p.position().partition() : -1; // AtStart answers its own
    }

    /** True if a change at {@code version} written at {@code timestampMs} is included. */
    default boolean includes(long version, long timestampMs) {
        if (this instanceof AtPosition p) {
            return version <= p.position().offset();
        }
        return this instanceof AtTime t && timestampMs <= t.instant().toEpochMilli(); // AtStart: nothing
    }
}
