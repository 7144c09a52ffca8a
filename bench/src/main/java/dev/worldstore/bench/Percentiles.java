package dev.worldstore.bench;

import dev.worldstore.loadgen.Latency;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** The latency distribution of a sample, in nanoseconds. */
interface Percentiles {

    /** No per-operation latency (one-shot jobs). */
    Percentiles NONE = new Reported(Map.of());

    /** The latency at {@code percentile}, or -1 if unknown. */
    long at(double percentile);

    /** The distribution of both samples' operations together. */
    Percentiles merge(Percentiles other);

    /** Recorded by this harness: exact, and merged across rounds. */
    record Recorded(Histogram histogram) implements Percentiles {
        @Override
        public long at(double percentile) {
            return histogram.getTotalCount() == 0 ? -1 : histogram.getValueAtPercentile(percentile);
        }

        @Override
        public Percentiles merge(Percentiles other) {
            if (other == NONE) {
                return this;
            }
            if (!(other instanceof Recorded r)) {
                throw new IllegalArgumentException("cannot merge recorded latencies with " + other);
            }
            Histogram h = Latency.histogram();
            h.add(histogram);
            h.add(r.histogram);
            return new Recorded(h);
        }
    }

    /** Reported by another tool as a few percentiles: cannot be merged with anything but {@link #NONE}. */
    record Reported(Map<Double, Long> values) implements Percentiles {
        @Override
        public long at(double percentile) {
            return values.getOrDefault(percentile, -1L);
        }

        @Override
        public Percentiles merge(Percentiles other) {
            if (this == NONE) {
                return other;
            }
            if (other == NONE) {
                return this;
            }
            throw new IllegalArgumentException("percentiles reported by separate runs cannot be merged");
        }
    }
}
