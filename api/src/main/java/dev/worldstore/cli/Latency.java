package dev.worldstore.cli;

import java.util.Locale;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/** Latency histograms in nanoseconds (up to one hour, 3 significant digits) and their formatting. */
final class Latency {
    static final long MAX_NANOS = 3_600_000_000_000L;

    private Latency() {
    }

    static Histogram histogram() {
        return new Histogram(MAX_NANOS, 3);
    }

    /** Safe to record into from many threads (e.g. completion callbacks). */
    static ConcurrentHistogram concurrent() {
        return new ConcurrentHistogram(MAX_NANOS, 3);
    }

    static void record(AbstractHistogram h, long nanos) {
        h.recordValue(Math.min(Math.max(nanos, 0), MAX_NANOS));
    }

    /** Nanoseconds as a short human duration: 12 µs, 1.25 ms, 3.4 s. */
    static String format(long nanos) {
        if (nanos < 1_000_000) {
            return String.format(Locale.ROOT, "%d µs", Math.round(nanos / 1_000.0));
        }
        if (nanos < 10_000_000) {
            return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
        }
        if (nanos < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    static String p(AbstractHistogram h, double percentile) {
        return h.getTotalCount() == 0 ? "-" : format(h.getValueAtPercentile(percentile));
    }

    static String max(AbstractHistogram h) {
        return h.getTotalCount() == 0 ? "-" : format(h.getMaxValue());
    }

    /** "p50 1.2 ms  p99 4.5 ms  p99.9 9.1 ms  max 12 ms" */
    static String summary(AbstractHistogram h) {
        return "p50 " + p(h, 50) + "  p99 " + p(h, 99) + "  p99.9 " + p(h, 99.9) + "  max " + max(h);
    }

    static String rate(double perSecond) {
        return String.format(Locale.ROOT, "%,.0f/s", perSecond);
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}
