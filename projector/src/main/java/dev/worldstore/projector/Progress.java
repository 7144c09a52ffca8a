package dev.worldstore.projector;

import dev.worldstore.ErrorCode;
import dev.worldstore.InterruptedWaitException;
import dev.worldstore.LogPosition;
import dev.worldstore.ProjectionTimeoutException;
import dev.worldstore.StoreClosedException;
import dev.worldstore.ValidationException;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How far the projection has got, per partition, and a place to wait for it. Written by the thread
 * that applies (after each atomic write); read by any thread. The check for a position already
 * reached is lock-free, so loads that need not wait never contend.
 */
final class Progress {
    private final AtomicLongArray next;
    private final Object monitor = new Object();
    private volatile boolean stopped;

    Progress(int partitions) {
        this.next = new AtomicLongArray(partitions);
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

    /** Wakes waiters; called after each atomic write. */
    void signal() {
        synchronized (monitor) {
            monitor.notifyAll();
        }
    }

    /** The projector will make no more progress: waiters stop waiting. */
    void stop() {
        stopped = true;
        signal();
    }

    boolean reached(LogPosition position) {
        return position.partition() < next.length() && next.get(position.partition()) > position.offset();
    }

    /**
     * Returns once the projection includes {@code position}.
     *
     * @throws ValidationException if the partition does not exist
     * @throws ProjectionTimeoutException after {@code timeoutMs}
     * @throws StoreClosedException if the projector stops first
     * @throws InterruptedWaitException if the thread is interrupted (its flag set again)
     */
    void await(LogPosition position, long timeoutMs) {
        if (reached(position)) {
            return;
        }
        if (position.partition() >= next.length()) {
            throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "position",
                    "partition " + position.partition() + " does not exist (the topic has " + next.length() + ")");
        }
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        synchronized (monitor) {
            while (!reached(position)) {
                if (stopped) {
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
                    throw new InterruptedWaitException("log position " + position, e);
                }
            }
        }
    }
}
