package dev.worldstore.projector;

import dev.worldstore.LogPosition;
import dev.worldstore.ReadConsistency;

/**
 * What a read waits for before it reads the local projection: nothing ({@code LOCAL}), this node's
 * own writes ({@code OWN_WRITES}, per partition) or a given position ({@code AT_LEAST}), for at most
 * {@code read.wait.timeout.ms}. Thread-safe.
 */
final class ReadGate {
    private final Progress progress;
    private final OwnWrites own;
    private final Partitioning partitioning;
    private final long waitMs;

    ReadGate(Progress progress, OwnWrites own, Partitioning partitioning, long waitMs) {
        this.progress = progress;
        this.own = own;
        this.partitioning = partitioning;
        this.waitMs = waitMs;
    }

    /**
     * Waits for what {@code consistency} requires of {@code worldId}'s partition ({@code null}: the
     * players partition).
     *
     * @throws dev.worldstore.ProjectionTimeoutException if the projection does not get there in time
     */
    void await(String worldId, ReadConsistency consistency) {
        if (consistency instanceof ReadConsistency.OwnWrites) {
            awaitOwn(partitioning.of(worldId));
        } else if (consistency instanceof ReadConsistency.AtLeast a) {
            progress.await(a.position(), waitMs);
        }
    }

    /** As {@link #await}, for a read that folds in every partition (a player's lastSeen): own writes to any. */
    void awaitAll(ReadConsistency consistency) {
        if (consistency instanceof ReadConsistency.OwnWrites) {
            for (int p = 0; p < partitioning.partitions(); p++) {
                awaitOwn(p);
            }
        } else if (consistency instanceof ReadConsistency.AtLeast a) {
            progress.await(a.position(), waitMs);
        }
    }

    /** Waits until the projection includes {@code position}, at most {@code timeoutMs}. */
    void await(LogPosition position, long timeoutMs) {
        progress.await(position, timeoutMs);
    }

    private void awaitOwn(int partition) {
        long w = own.highest(partition);
        if (w >= 0) {
            progress.await(new LogPosition(partition, w), waitMs);
        }
    }
}
