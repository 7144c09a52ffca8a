package dev.worldstore.loadgen;

import java.util.Locale;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Latency histograms in nanoseconds (up to one hour, 3 significant digits) and the number formats
 * of every benchmark report: {@code worldstore bench}, {@code worldstore demo}, the CLI's progress
 * lines and the compare harness of the bench module share them, so their tables read alike.
 *
 * <p>Stateless and thread-safe. Every method takes non-null arguments (a {@code null} histogram
 * throws {@link NullPointerException}); none throws otherwise. Formats use {@link Locale#ROOT}.
 */
public final class Latency {
    /** The largest latency a histogram records, in nanoseconds: one hour. Larger values are clamped to it. */
    public static final long MAX_NANOS = 3_600_000_000_000L;

    private Latency() {
    }

    /** A new histogram of nanoseconds up to {@link #MAX_NANOS}, 3 significant digits. Not thread-safe: one writer at a time. */
    public static Histogram histogram() {
        return new Histogram(MAX_NANOS, 3);
    }

    /** As {@link #histogram()}, but safe to record into from many threads (e.g. completion callbacks). */
    public static ConcurrentHistogram concurrent() {
        return new ConcurrentHistogram(MAX_NANOS, 3);
    }

    /**
     * Records {@code nanos}, clamped to the histogram's range ({@link #clamp}). As thread-safe as
     * {@code h} itself.
     */
    public static void record(AbstractHistogram h, long nanos) {
        h.recordValue(clamp(nanos));
    }

    /** {@code nanos} within 0 and {@link #MAX_NANOS}: negative values become 0. */
    public static long clamp(long nanos) {
        return Math.min(Math.max(nanos, 0), MAX_NANOS);
    }

    /** Nanoseconds as a short human duration: 12 µs, 1.25 ms, 34.5 ms, 3.40 s; "-" for a negative (absent) value. */
    public static String format(long nanos) {
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

    /** The value at {@code percentile} (0 to 100) of a histogram of nanoseconds, {@linkplain #format formatted}; "-" when it is empty. */
    public static String p(AbstractHistogram h, double percentile) {
        return h.getTotalCount() == 0 ? "-" : format(h.getValueAtPercentile(percentile));
    }

    /** The largest value of a histogram of nanoseconds, {@linkplain #format formatted}; "-" when it is empty. */
    public static String max(AbstractHistogram h) {
        return h.getTotalCount() == 0 ? "-" : format(h.getMaxValue());
    }

    /** A histogram of nanoseconds in one line: "p50 1.2 ms  p99 4.5 ms  p99.9 9.1 ms  max 12 ms". */
    public static String summary(AbstractHistogram h) {
        return "p50 " + p(h, 50) + "  p99 " + p(h, 99) + "  p99.9 " + p(h, 99.9) + "  max " + max(h);
    }

    /** A rate in operations per second, rounded, with thousands separators: "12,345/s". */
    public static String rate(double perSecond) {
        return String.format(Locale.ROOT, "%,.0f/s", perSecond);
    }

    /** A count with thousands separators: "1,234,567". */
    public static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** Nanoseconds as seconds with one decimal: "12.3 s". */
    public static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }

    /** A ratio: 0.94×, 3.35×, 12×. */
    public static String ratio(double r) {
        return String.format(Locale.ROOT, r >= 10 ? "%.0f×" : "%.2f×", r);
    }
}
