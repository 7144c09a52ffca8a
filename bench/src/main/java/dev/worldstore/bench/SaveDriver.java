package dev.worldstore.bench;

import dev.worldstore.loadgen.Latency;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.function.BiConsumer;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Recorder;

/** Drives a {@link Writer}: with many saves in flight (1 = one sequential caller), or at a fixed offered rate. */
final class SaveDriver {
    private final Workload workload;

    SaveDriver(Workload workload) {
        this.workload = workload;
    }

    /**
     * Saves records {@code firstSeq, firstSeq+1, ...} (keys round-robin) with at most
     * {@code inFlight} outstanding, until the budget is spent. Latency runs from each call to its
     * completion. With {@code inFlight = 1} this is one sequential caller.
     */
    Sample concurrent(Writer writer, long firstSeq, Budget budget, int inFlight) throws Exception {
        Recorder latency = new Recorder(3);
        Failures failures = new Failures();
        Semaphore permits = new Semaphore(inFlight);
        long start = System.nanoTime();
        long deadline = budget.deadline(start);
        long n = 0;
        for (; n < budget.maxOps() && System.nanoTime() < deadline; n++) {
            permits.acquire();
            long seq = firstSeq + n;
            long sent = System.nanoTime();
            writer.write(workload.keyOf(seq), Workload.variantOf(seq)).whenComplete(done(latency, failures, permits, sent));
        }
        writer.flush();
        permits.acquire(inFlight);
        long nanos = System.nanoTime() - start;
        return failures.sample(n, nanos, latency.getIntervalHistogram());
    }

    /** The completion of one save: its latency since {@code fromNanos}, its failure if any, and its permit back. */
    private static BiConsumer<Object, Throwable> done(Recorder latency, Failures failures, Semaphore permits, long fromNanos) {
        return (ok, error) -> {
            latency.recordValue(Latency.clamp(System.nanoTime() - fromNanos));
            if (error != null) {
                failures.add(error);
            }
            permits.release();
        };
    }

    /**
     * Offers {@code rate} saves per second of random keys for {@code nanos}. Each latency is taken
     * from the save's intended send time, so a stalled client or server is charged for every save
     * it delayed (no coordinated omission).
     */
    Sample fixedRate(Writer writer, int rate, long nanos, long seed) throws Exception {
        Recorder latency = new Recorder(3);
        Failures failures = new Failures();
        SplittableRandom rnd = new SplittableRandom(seed);
        int cap = 1_000_000;
        Semaphore permits = new Semaphore(cap);
        long n = Math.max(1, (long) (rate * (nanos / 1e9)));
        double interval = 1e9 / rate;
        long start = System.nanoTime() + 1_000_000;
        for (long i = 0; i < n; i++) {
            long intended = start + (long) (i * interval);
            for (long now = System.nanoTime(); now < intended; now = System.nanoTime()) {
                LockSupport.parkNanos(intended - now);
            }
            permits.acquire();
            writer.write(rnd.nextInt(workload.keys()), Workload.variantOf(i)).whenComplete(done(latency, failures, permits, intended));
        }
        writer.flush();
        permits.acquire(cap);
        return failures.sample(n, System.nanoTime() - start, latency.getIntervalHistogram());
    }
}
