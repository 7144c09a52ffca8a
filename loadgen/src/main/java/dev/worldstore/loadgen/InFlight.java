package dev.worldstore.loadgen;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.function.BiConsumer;
import java.util.function.LongFunction;
import org.HdrHistogram.ConcurrentHistogram;

/** Asynchronous operations driven with at most a fixed number outstanding: the writers' closed-loop runs. */
final class InFlight {
    private InFlight() {
    }

    /**
     * Calls {@code op(0..n-1)} with at most {@code inFlight} outstanding and waits for all of them;
     * each latency runs from its call to its completion, recorded before {@code done} sees the outcome.
     */
    static <T> Phase measure(long n, int inFlight, LongFunction<CompletableFuture<T>> op, BiConsumer<? super T, ? super Throwable> done)
            throws InterruptedException {
        ConcurrentHistogram h = Latency.concurrent();
        Semaphore permits = new Semaphore(inFlight);
        long start = System.nanoTime();
        for (long i = 0; i < n; i++) {
            permits.acquire();
            long sent = System.nanoTime();
            op.apply(i).whenComplete((s, e) -> {
                Latency.record(h, System.nanoTime() - sent);
                done.accept(s, e);
                permits.release();
            });
        }
        permits.acquire(inFlight);
        return Phase.endingNow(n, start, h);
    }

    /** Calls {@code op(0, 1, ...)} with at most {@code inFlight} outstanding until {@code deadline} ({@link System#nanoTime()}); not measured. */
    static <T> void until(long deadline, int inFlight, LongFunction<CompletableFuture<T>> op, BiConsumer<? super T, ? super Throwable> done)
            throws InterruptedException {
        Semaphore permits = new Semaphore(inFlight);
        for (long i = 0; System.nanoTime() < deadline; i++) {
            permits.acquire();
            op.apply(i).whenComplete((s, e) -> {
                done.accept(s, e);
                permits.release();
            });
        }
        permits.acquire(inFlight);
    }
}
