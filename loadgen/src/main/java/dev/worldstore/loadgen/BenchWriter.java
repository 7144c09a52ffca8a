package dev.worldstore.loadgen;

import dev.worldstore.Change;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.Saved;
import dev.worldstore.WorldStore;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * Issues the in-process bench's saves of player states ({@link WorldStore#writeAsync}) and tracks,
 * per partition, the highest acknowledged offset so the projection can be awaited. Failures are
 * counted, the first one kept. Its counters are thread-safe (completion callbacks update them); its
 * runs are made by one thread at a time.
 */
final class BenchWriter {
    final WorldStore store;
    final Payloads payloads;
    final int worlds;
    final AtomicLongArray highest;
    final AtomicLong failures = new AtomicLong();
    final AtomicReference<String> firstFailure = new AtomicReference<>();

    BenchWriter(WorldStore store, int partitions, Payloads payloads, int worlds) {
        this.store = store;
        this.payloads = payloads;
        this.worlds = worlds;
        this.highest = new AtomicLongArray(partitions);
        for (int p = 0; p < partitions; p++) {
            highest.set(p, -1);
        }
    }

    Key.PlayerState key(long i) {
        return new Key.PlayerState("bench-w" + (i % worlds), "p" + i);
    }

    CompletableFuture<Saved> save(long i) {
        return store.writeAsync(Change.put(key(i), payloads.get(i)));
    }

    private void done(Saved s, Throwable error) {
        if (error != null) {
            failures.incrementAndGet();
            Throwable e = error.getCause() != null && error instanceof CompletionException ? error.getCause() : error;
            firstFailure.compareAndSet(null, e.toString());
        } else {
            highest.accumulateAndGet(s.position().partition(), s.position().offset(), Math::max);
        }
    }

    /** {@code n} saves of keys {@code index(0..n-1)} with at most {@code inFlight} outstanding. */
    Phase run(long n, int inFlight, LongFunction<Long> index) throws InterruptedException {
        return InFlight.measure(n, inFlight, i -> save(index.apply(i)), this::done);
    }

    void runUntil(long deadline, int inFlight, LongFunction<Long> index) throws InterruptedException {
        InFlight.until(deadline, inFlight, i -> save(index.apply(i)), this::done);
    }

    /**
     * Offers {@code rate} saves per second for {@code seconds}; each latency is measured from the
     * save's intended send time, so a stalled sender or store is charged in full (no
     * coordinated omission).
     */
    Phase fixedRate(int rate, int seconds, int keyCount) throws InterruptedException {
        ConcurrentHistogram h = Latency.concurrent();
        long n = (long) rate * seconds;
        int cap = 100_000;
        Semaphore permits = new Semaphore(cap);
        Random rnd = new Random(42);
        long start = System.nanoTime() + 1_000_000;
        for (long i = 0; i < n; i++) {
            long intended = start + (long) (i * (1e9 / rate));
            long now;
            while ((now = System.nanoTime()) < intended) {
                LockSupport.parkNanos(intended - now);
            }
            permits.acquire();
            save(rnd.nextInt(keyCount)).whenComplete((s, e) -> {
                Latency.record(h, System.nanoTime() - intended);
                done(s, e);
                permits.release();
            });
        }
        permits.acquire(cap);
        return Phase.endingNow(n, start, h);
    }

    /** Waits until this node's projection includes every acknowledged save. */
    void awaitProjection() {
        for (int p = 0; p < highest.length(); p++) {
            long o = highest.get(p);
            if (o >= 0) {
                store.awaitPosition(new LogPosition(p, o), Duration.ofMinutes(10));
            }
        }
    }
}
