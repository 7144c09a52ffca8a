package dev.worldstore.projector;

import dev.worldstore.LogPosition;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The highest log position this node wrote, per partition: what a read with
 * {@link dev.worldstore.ReadConsistency.OwnWrites} waits for. Lock-free; thread-safe.
 */
final class OwnWrites {
    private final AtomicLongArray written;

    OwnWrites(int partitions) {
        this.written = new AtomicLongArray(partitions);
        for (int p = 0; p < partitions; p++) {
            written.set(p, -1);
        }
    }

    void record(LogPosition position) {
        written.accumulateAndGet(position.partition(), position.offset(), Math::max);
    }

    /** The highest offset written to {@code partition}, or -1 if none. */
    long highest(int partition) {
        return written.get(partition);
    }
}
