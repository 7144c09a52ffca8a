package dev.worldstore.bench;

import org.HdrHistogram.Histogram;

/**
 * What one measurement produced: operations done, wall time, and (where it applies) per-operation
 * latencies. Samples of the same measurement taken in alternating rounds are merged.
 *
 * @param firstError the first failure seen, or {@code null}
 */
record Sample(long ops, long nanos, Percentiles latency, long errors, String firstError) {

    /** A one-shot job's sample: no per-operation latency. */
    static Sample of(long ops, long nanos) {
        return new Sample(ops, nanos, Percentiles.NONE, 0, null);
    }

    static Sample of(long ops, long nanos, Histogram latency, long errors, String firstError) {
        return new Sample(ops, nanos, new Percentiles.Recorded(latency), errors, firstError);
    }

    double opsPerSecond() {
        return nanos == 0 ? 0 : ops * 1e9 / nanos;
    }

    /** The latency at {@code percentile} in nanoseconds, or -1 if none was recorded. */
    long percentile(double percentile) {
        return latency.at(percentile);
    }

    Sample merge(Sample other) {
        return new Sample(ops + other.ops, nanos + other.nanos, latency.merge(other.latency), errors + other.errors,
                firstError != null ? firstError : other.firstError);
    }
}
