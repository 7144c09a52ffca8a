package dev.worldstore.bench;

import dev.worldstore.loadgen.Latency;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.HdrHistogram.Histogram;

/** Drives loads: {@code threads} threads, each with its own {@link Reader}, reading random keys for a fixed time. */
final class LoadDriver {

    private LoadDriver() {
    }

    /** Loads random keys of {@code 0..keyRange-1} for {@code nanos} on {@code threads} threads. */
    static Sample parallel(Reader.Source source, int threads, long nanos, int keyRange) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            Failures failures = new Failures();
            List<Future<long[]>> done = new ArrayList<>();
            List<Histogram> histograms = new ArrayList<>();
            long start = System.nanoTime();
            long deadline = start + nanos;
            for (int t = 0; t < threads; t++) {
                Histogram h = Latency.histogram();
                histograms.add(h);
                SplittableRandom rnd = new SplittableRandom(31L * t + 1);
                done.add(pool.submit(loop(source, h, rnd, deadline, keyRange, failures)));
            }
            long ops = 0;
            for (Future<long[]> f : done) {
                ops += f.get()[0];
            }
            long elapsed = System.nanoTime() - start;
            Histogram all = Latency.histogram();
            histograms.forEach(all::add);
            return failures.sample(ops, elapsed, all);
        } finally {
            pool.shutdownNow();
        }
    }

    private static Callable<long[]> loop(Reader.Source source, Histogram h, SplittableRandom rnd, long deadline, int keyRange,
            Failures failures) {
        return () -> {
            long ops = 0;
            try (Reader reader = source.open()) {
                for (long t0 = System.nanoTime(); t0 < deadline; ops++) {
                    try {
                        reader.read(rnd.nextInt(keyRange));
                    } catch (Exception e) {
                        failures.add(e);
                    }
                    long t1 = System.nanoTime();
                    Latency.record(h, t1 - t0);
                    t0 = t1;
                }
            }
            return new long[] {ops};
        };
    }
}
