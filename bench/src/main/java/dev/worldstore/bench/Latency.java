package dev.worldstore.bench;

import java.util.Locale;
import org.HdrHistogram.Histogram;

/** Latency histograms (nanoseconds, up to one hour, 3 significant digits) and number formatting. */
final class Latency {
    static final long MAX_NANOS = 3_600_000_000_000L;

    private Latency() {
    }

    static Histogram histogram() {
        return new Histogram(MAX_NANOS, 3);
    }

    static void record(Histogram h, long nanos) {
        h.recordValue(clamp(nanos));
    }

    static long clamp(long nanos) {
        return Math.min(Math.max(nanos, 0), MAX_NANOS);
    }

    /** 12 µs, 1.25 ms, 34.5 ms, 3.40 s; "-" for a negative (absent) value. */
    static String duration(long nanos) {
        if (nanos < 0) {
            return "-";
        }
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

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String ratio(double r) {
        return String.format(Locale.ROOT, r >= 10 ? "%.0f×" : "%.2f×", r);
    }
}
