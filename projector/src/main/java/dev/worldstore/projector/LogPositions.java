package dev.worldstore.projector;

import dev.worldstore.AsOf;
import dev.worldstore.ErrorCode;
import dev.worldstore.LogPosition;
import dev.worldstore.ValidationException;
import dev.worldstore.WorldStoreException;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.clients.consumer.LogTruncationException;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;

/**
 * The one place where instants and "the end" become log positions, with one convention:
 *
 * <ul>
 *   <li>A point in time T <b>includes</b> every change whose event time (the time history, feeds
 *       and stored values show; see {@link EventClock}) is at or before T, to the millisecond.
 *       Event times never go backwards within a partition, so what T includes is a prefix of the
 *       partition: {@link #lastIncluded} of T is the last position with event time at or before T,
 *       and {@link #firstAtOrAfter} of T the first at or after T; for any T,
 *       {@code lastIncluded(T) + 1 == firstAtOrAfter(T + 1 ms)}. So for every T, a read as of T
 *       gives each key's highest version whose shown time is at or before T.
 *   <li>A log position includes itself and everything before it in its partition.
 *   <li>{@link #end} is the position the next change of the partition will get (one past the last).
 * </ul>
 *
 * Instants are resolved against this node's projection ({@link Cf#EVENT_TIMES}), which holds the
 * event times of what it has applied: every node derives the same times from the log, so an
 * instant this node has applied past resolves the same everywhere; an instant at or after the
 * last applied event time resolves to what this node has applied (callers wait for the
 * consistency they need first). Kafka's time index is not used: it knows the writers' clocks,
 * not the event times. Used by the node (asOf reads, snapshots, feeds, forks) and the HTTP audit
 * log. Thread-safe.
 */
final class LogPositions {
    private final KafkaClients clients;
    private final RocksProjection projection;
    private final Progress progress;

    LogPositions(KafkaClients clients, RocksProjection projection, Progress progress) {
        this.clients = clients;
        this.projection = projection;
        this.progress = progress;
    }

    /**
     * Checks that a change feed of {@code worldId} can start at {@code from}: not past the log's end
     * (past what this node applied is fine while the log has it: the feed waits for the projector)
     * and, unless the node's in-memory tail serves it ({@code inMemory}), not before the log's start.
     *
     * @throws ValidationException {@link ErrorCode#INVALID_ARGUMENT} past the end,
     *     {@link ErrorCode#POSITION_EXPIRED} before the start (retention deleted changes after it)
     */
    void checkFeedStart(String worldId, LogPosition from, boolean inMemory) {
        int partition = from.partition();
        long end = endIfUnwritten(partition, from.offset() - 1); // the feed starts after the change before it
        if (end >= 0) {
            throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "position", "a feed resumed there would start at " + from
                    + ", past the end of the log: "
                    + "the next change of world " + worldId + "'s partition gets " + new LogPosition(partition, end)
                    + "; resume after a position this world's feed reported");
        }
        if (!inMemory && from.offset() < clients.startOffset(partition)) {
            throw expired(clients, worldId, partition, from.offset());
        }
    }

    /**
     * What a change feed reading the log of {@code partition} reports for {@code e}: a
     * {@link WorldStoreException} as it is; Kafka's offset out of range (retention deleted what the
     * feed had still to read) as {@link ErrorCode#POSITION_EXPIRED}, never a jump to the log's start;
     * any other Kafka failure (a log truncated by an unclean leader election included) as the log
     * being unavailable. May ask Kafka for the log's start: call it outside locks.
     */
    static WorldStoreException feedFailure(RuntimeException e, KafkaClients clients, String worldId, int partition) {
        if (e instanceof WorldStoreException w) {
            return w;
        }
        if (e instanceof OffsetOutOfRangeException o && !(e instanceof LogTruncationException)) {
            long at = o.offsetOutOfRangePartitions().values().stream().findFirst().orElse(-1L);
            return expired(clients, worldId, partition, Math.max(0, at));
        }
        return clients.unavailable("read partition " + partition + " for the change feed of world " + worldId, e);
    }

    /**
     * The error of a change feed that cannot continue at offset {@code from} of {@code partition}
     * because the log no longer holds it; names the log's start when Kafka tells it.
     */
    static ValidationException expired(KafkaClients clients, String worldId, int partition, long from) {
        String start;
        try {
            start = "now starts at " + new LogPosition(partition, clients.startOffset(partition));
        } catch (WorldStoreException e) {
            start = "no longer holds it";
        }
        return new ValidationException(ErrorCode.POSITION_EXPIRED, "position", "the change feed of world " + worldId + " cannot resume at "
                + new LogPosition(partition, from) + ": the log " + start
                + " (retention deleted the changes in between); reload the world's state and resume from there, or start live");
    }

    /**
     * Checks that {@code at} is in the log: applied by this node, or else below the log's end
     * (then Kafka is asked). A point in history must exist before it can be read, so that a read
     * as of it answers the same every time.
     *
     * @throws ValidationException {@link ErrorCode#INVALID_ARGUMENT} naming {@code field} past the log's end
     * @throws dev.worldstore.LogUnavailableException if this node has not applied {@code at} and Kafka cannot tell
     */
    void checkWritten(LogPosition at, String field) {
        long end = endIfUnwritten(at.partition(), at.offset());
        if (end >= 0) {
            throw new ValidationException(ErrorCode.INVALID_ARGUMENT, field, "position " + at + " has not been written yet: the next "
                    + "change of partition " + at.partition() + " gets " + new LogPosition(at.partition(), end));
        }
    }

    /**
     * The log's end (the next offset) of {@code partition} when offset {@code last} is not written
     * yet, else -1 (also for {@code last} = -1, before the first record). Kafka is asked only for
     * an offset this node has not applied.
     */
    private long endIfUnwritten(int partition, long last) {
        if (last < progress.next(partition)) {
            return -1;
        }
        long end = clients.endOffset(partition);
        return end <= last ? end : -1;
    }

    /** The position the next change of {@code partition} will get. */
    LogPosition end(int partition) {
        return new LogPosition(partition, clients.endOffset(partition));
    }

    /**
     * The first position of {@code partition} with event time at or after {@code time}; when no
     * applied event is that late, the next position this node will apply.
     */
    LogPosition firstAtOrAfter(int partition, Instant time) {
        long applied = progress.next(partition); // read before the index: the index may only be ahead of it
        long ms = time.toEpochMilli();
        long offset = ms == Long.MIN_VALUE ? 0 : EventClock.firstOffsetAfter(projection, partition, ms - 1);
        return new LogPosition(partition, offset >= 0 ? offset : applied);
    }

    /**
     * The last position of {@code partition} that {@code asOf} includes; empty when it includes
     * nothing (no event of the partition is that early).
     *
     * @throws ValidationException naming {@code field} if a position is not in {@code partition}
     */
    Optional<LogPosition> lastIncluded(int partition, AsOf asOf, String field) {
        if (!(asOf instanceof AsOf.AtTime t)) {
            if (asOf.partition() != partition) {
                throw new ValidationException(ErrorCode.INVALID_ARGUMENT, field, "position " + asOf
                        + " is not in this world's partition " + partition + "; use a position the API gave for this world");
            }
            return asOf instanceof AsOf.AtPosition p ? Optional.of(p.position()) : Optional.empty(); // a start includes nothing
        }
        long applied = progress.next(partition);
        long firstAfter = EventClock.firstOffsetAfter(projection, partition, t.instant().toEpochMilli());
        if (firstAfter < 0) {
            firstAfter = applied;
        }
        return firstAfter == 0 ? Optional.empty() : Optional.of(new LogPosition(partition, firstAfter - 1));
    }
}
