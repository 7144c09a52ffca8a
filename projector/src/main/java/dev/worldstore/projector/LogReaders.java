package dev.worldstore.projector;

import java.util.ArrayDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admission of change feeds that read the log on their own, behind what {@link FeedHub} buffers:
 * at most {@code feed.catchup.max.count} at once (a Kafka consumer each), the rest queued in
 * arrival order, and their catch-up steps run on a small shared pool (at most 4 daemon threads).
 * Thread-safe.
 */
final class LogReaders implements AutoCloseable {
    private final int max;
    private final ExecutorService pool;
    private final Object lock = new Object();
    private int active;
    private final ArrayDeque<SharedFeed> waiting = new ArrayDeque<>();

    /** @param max feeds that may read the log at once, at least 1 */
    LogReaders(int max) {
        this.max = max;
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(Math.max(1, Math.min(4, max)), r -> {
            Thread t = new Thread(r, "worldstore-feed-catchup-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** True if {@code feed} may read the log now; otherwise it is queued and {@link SharedFeed#readerGranted} is called later. */
    boolean acquire(SharedFeed feed) {
        synchronized (lock) {
            if (active < max) {
                active++;
                return true;
            }
            waiting.addLast(feed);
            return false;
        }
    }

    /** A reader is done (back at the tail, or closed): the next queued feed gets it. */
    void release() {
        SharedFeed next;
        synchronized (lock) {
            next = waiting.pollFirst();
            if (next == null) {
                active--;
                return;
            }
        }
        next.readerGranted();
    }

    /** A closing feed leaves the queue (if it was waiting). */
    void leaveQueue(SharedFeed feed) {
        synchronized (lock) {
            waiting.remove(feed);
        }
    }

    /** Feeds reading the log now (for the {@code worldstore.feed.catchup.readers} gauge). */
    int active() {
        synchronized (lock) {
            return active;
        }
    }

    /** Runs a catch-up step on the shared pool. */
    void run(Runnable step) {
        pool.execute(step);
    }

    /** Stops the pool, waiting up to 10 s for a step in progress (feeds are closed first). */
    @Override
    public void close() {
        pool.shutdownNow();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
