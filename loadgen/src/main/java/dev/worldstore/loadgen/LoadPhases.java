package dev.worldstore.loadgen;

import dev.worldstore.Key;
import dev.worldstore.ReadConsistency;
import dev.worldstore.WorldStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/** The load phases of the in-process bench: the warm-up, and the measured local loads (c). */
final class LoadPhases {
    private LoadPhases() {
    }

    /**
     * Unmeasured saves ({@code inFlight} outstanding) of random players among {@code keyCount}, with
     * one thread loading random players meanwhile, for {@code seconds}.
     */
    static void warmUp(BenchWriter w, int seconds, int keyCount, int inFlight) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        Thread loader = new Thread(() -> {
            while (System.nanoTime() < deadline) {
                long i = ThreadLocalRandom.current().nextLong(keyCount);
                w.store.read(w.key(i), ReadConsistency.LOCAL);
            }
        }, "bench-warmup-loads");
        loader.setDaemon(true);
        loader.start();
        w.runUntil(deadline, inFlight, i -> ThreadLocalRandom.current().nextLong(keyCount));
        loader.join();
    }

    /**
     * {@code threads} threads loading random players among {@code keyCount} (spread over
     * {@code worlds}) from the local projection, as fast as they can: {@code warmup} seconds
     * unmeasured, then {@code seconds} measured. A load that finds no value is counted and reported
     * as a warning through {@code progress}.
     */
    static Phase loads(WorldStore store, int worlds, int threads, int keyCount, int warmup, int seconds, Consumer<String> progress)
            throws InterruptedException {
        BenchWriter keys = new BenchWriter(store, 1, null, worlds);
        long warmEnd = System.nanoTime() + warmup * 1_000_000_000L;
        long end = warmEnd + seconds * 1_000_000_000L;
        Histogram[] hs = new Histogram[threads];
        long[] counts = new long[threads];
        long[] misses = new long[threads];
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int n = t;
            hs[t] = Latency.histogram();
            Thread th = new Thread(() -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                long now = System.nanoTime();
                while (now < end) {
                    Key k = keys.key(rnd.nextLong(keyCount));
                    boolean found = store.read(k, ReadConsistency.LOCAL).isPresent();
                    long after = System.nanoTime();
                    if (now >= warmEnd) {
                        Latency.record(hs[n], after - now);
                        counts[n]++;
                        misses[n] += found ? 0 : 1;
                    }
                    now = after;
                }
            }, "bench-load-" + t);
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) {
            th.join();
        }
        Histogram all = Latency.histogram();
        long total = 0;
        long missed = 0;
        for (int t = 0; t < threads; t++) {
            all.add(hs[t]);
            total += counts[t];
            missed += misses[t];
        }
        if (missed > 0) {
            progress.accept("warning: " + Latency.count(missed) + " loads found no value (the pre-fill did not cover every key)");
        }
        return new Phase(total, seconds * 1_000_000_000L, all);
    }
}
