package dev.worldstore.projector.internal;

import dev.worldstore.LogPosition;
import dev.worldstore.ProjectionTimeoutException;
import dev.worldstore.StoreClosedException;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;

/**
 * How far the projection has got, per partition, and a place to wait for it. Written by the
 * projector thread only, after each atomic write; read by any thread. The check for a position
 * already reached is lock-free, so loads that need not wait never contend.
 */
final class Progress {
    private final AtomicLongArray next;
    private final Object monitor = new Object();
    private final BooleanSupplier stopped;

    /** @param stopped true once the projector will make no more progress */
    Progress(int partitions, BooleanSupplier stopped) {
        this.next = new AtomicLongArray(partitions);
        this.stopped = stopped;
    }

    int partitions() {
        return next.length();
    }

    /** The next offset the projection will apply in {@code partition}. */
    long next(int partition) {
        return next.get(partition);
    }

    void set(int partition, long nextOffset) {
        next.set(partition, nextOffset);
    }

    /** Wakes waiters; the projector calls it after each atomic write. */
    void signal() {
        synchronized (monitor) {
            monitor.notifyAll();
        }
    }

    boolean reached(LogPosition position) {
        return position.partition() < next.length() && next.get(position.partition()) > position.offset();
    }

    /**
     * Returns once the projection includes {@code position}.
     *
     * @throws ProjectionTimeoutException after {@code timeoutMs}
     * @throws StoreClosedException if the projector stops first
     */
    void await(LogPosition position, long timeoutMs) {
        if (reached(position)) {
            return;
        }
        if (position.partition() >= next.length()) {
            throw new dev.worldstore.ValidationException(dev.worldstore.ErrorCode.INVALID_ARGUMENT, "position",
                    "partition " + position.partition() + " does not exist (the topic has " + next.length() + ")");
        }
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        synchronized (monitor) {
            while (!reached(position)) {
                if (stopped.getAsBoolean()) {
                    throw new StoreClosedException("the projector stopped before reaching log position " + position);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new ProjectionTimeoutException(position, next.get(position.partition()), timeoutMs);
                }
                try {
                    monitor.wait(Math.max(1, left / 1_000_000L));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StoreClosedException("interrupted while waiting for log position " + position);
                }
            }
        }
    }
}
