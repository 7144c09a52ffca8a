package dev.worldstore.projector;

import dev.worldstore.StoreClosedException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps native resources (RocksDB) open while calls use them: every call that touches the
 * projection enters and exits the gate; {@link #closeAndAwait} refuses new entries and waits for
 * the calls inside to leave, so a close never frees what a read is still using. Two atomic
 * operations per call; thread-safe.
 */
final class UseGate {
    private final AtomicInteger inside = new AtomicInteger();
    private final Object monitor = new Object();
    private final String what;
    private volatile boolean closed;

    /** @param what the resource, for the error a caller gets after close (e.g. "the worldstore node node-1") */
    UseGate(String what) {
        this.what = what;
    }

    /**
     * Enters; pair with {@link #exit()} in a {@code finally}.
     *
     * @throws StoreClosedException once closing has begun
     */
    void enter() {
        inside.incrementAndGet();
        if (closed) {
            exit();
            throw new StoreClosedException(what + " is closed");
        }
    }

    void exit() {
        if (inside.decrementAndGet() == 0 && closed) {
            synchronized (monitor) {
                monitor.notifyAll();
            }
        }
    }

    boolean closed() {
        return closed;
    }

    /** Refuses new entries from now on. */
    void refuse() {
        closed = true;
    }

    /**
     * Refuses new entries and waits (at most {@code timeoutMs}) for the calls inside to leave.
     *
     * @return true if none is left inside
     */
    boolean closeAndAwait(long timeoutMs) {
        closed = true;
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        synchronized (monitor) {
            while (inside.get() > 0) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return false;
                }
                try {
                    monitor.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }
}
