package dev.worldstore.loadgen;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/** One measured phase of the in-process bench: {@code ops} operations in {@code nanos}, their latencies in nanoseconds. */
record Phase(long ops, long nanos, Histogram latency) {

    /** The phase that began at {@code startNanos} ({@link System#nanoTime()}) and ends now, with a copy of the latencies recorded in {@code h}. */
    static Phase endingNow(long ops, long startNanos, ConcurrentHistogram h) {
        long nanos = System.nanoTime() - startNanos;
        Histogram copy = Latency.histogram();
        copy.add(h);
        return new Phase(ops, nanos, copy);
    }
}
