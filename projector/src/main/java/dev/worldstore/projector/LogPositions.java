package dev.worldstore.projector;

import dev.worldstore.AsOf;
import dev.worldstore.ErrorCode;
import dev.worldstore.LogPosition;
import dev.worldstore.ValidationException;
import java.time.Instant;
import java.util.Optional;

/**
 * The one place where instants and "the end" become log positions, with one convention:
 *
 * <ul>
 *   <li>A point in time T <b>includes</b> every change whose record timestamp (the event time) is at
 *       or before T, to the millisecond. So {@link #lastIncluded} of T is the last position written
 *       at or before T, and {@link #firstAtOrAfter} of T is the first written at or after T; for
 *       any T, {@code lastIncluded(T) + 1 == firstAtOrAfter(T + 1 ms)}.
 *   <li>A log position includes itself and everything before it in its partition.
 *   <li>{@link #end} is the position the next change of the partition will get (one past the last).
 * </ul>
 *
 * Kafka's time index answers "first offset with timestamp ≥ T"; everything here is derived from
 * that one look-up. Used by the node (asOf reads, snapshots, feeds), the HTTP audit log, replays
 * and the CLI alike. Thread-safe.
 */
final class LogPositions {
    private final KafkaClients clients;

    LogPositions(KafkaClients clients) {
        this.clients = clients;
    }

    /** The position the next change of {@code partition} will get. */
    LogPosition end(int partition) {
        return new LogPosition(partition, clients.endOffset(partition));
    }

    /** The first position of {@code partition} written at or after {@code time}; {@link #end} if none. */
    LogPosition firstAtOrAfter(int partition, Instant time) {
        long offset = clients.firstOffsetAtOrAfter(partition, time.toEpochMilli());
        return offset >= 0 ? new LogPosition(partition, offset) : end(partition);
    }

    /**
     * The last position of {@code partition} that {@code asOf} includes; empty when it includes
     * nothing (the partition was empty then).
     *
     * @throws ValidationException naming {@code field} if a position is not in {@code partition}
     */
    Optional<LogPosition> lastIncluded(int partition, AsOf asOf, String field) {
        if (asOf instanceof AsOf.AtPosition p) {
            if (p.position().partition() != partition) {
                throw new ValidationException(ErrorCode.INVALID_ARGUMENT, field, "position " + p.position()
                        + " is not in this world's partition " + partition + "; use a position the API gave for this world");
            }
            return Optional.of(p.position());
        }
        long firstAfter = firstAtOrAfter(partition, ((AsOf.AtTime) asOf).instant().plusMillis(1)).offset();
        return firstAfter == 0 ? Optional.empty() : Optional.of(new LogPosition(partition, firstAfter - 1));
    }
}
