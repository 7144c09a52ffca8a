package dev.worldstore.loadgen;

import org.HdrHistogram.Histogram;

/** One measured phase of the in-process bench: {@code ops} operations in {@code nanos}, their latencies in nanoseconds. */
record Phase(long ops, long nanos, Histogram latency) {
}
