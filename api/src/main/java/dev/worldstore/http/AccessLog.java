package dev.worldstore.http;

import java.util.function.LongSupplier;

/**
 * Which requests get an access-log line, and how many per second at most ({@code http.access.log},
 * {@code http.access.log.max.lines.per.second}). Lines over the rate are not written but counted;
 * the next line written carries the count. Thread-safe.
 */
final class AccessLog {
    /** What gets a line. */
    enum Mode { OFF, ERRORS, ALL }

    private final Mode mode;
    private final int maxPerSecond;
    private final LongSupplier clockMillis;
    private long second = Long.MIN_VALUE;   // guarded by this
    private int linesThisSecond;            // guarded by this
    private long skipped;                   // guarded by this

    /**
     * @param mode {@code off}, {@code errors} or {@code all}
     * @param maxPerSecond most lines per wall-clock second; 0 = no limit
     * @param clockMillis the time in milliseconds (the system clock outside tests)
     */
    AccessLog(String mode, int maxPerSecond, LongSupplier clockMillis) {
        this.mode = Mode.valueOf(mode.toUpperCase(java.util.Locale.ROOT));
        this.maxPerSecond = maxPerSecond;
        this.clockMillis = clockMillis;
    }

    /** True when a request answered with {@code status} is one this log is for (before the rate limit). */
    boolean wants(int status) {
        return mode == Mode.ALL || mode == Mode.ERRORS && status >= 400;
    }

    /**
     * Takes one line's place in this second's allowance.
     *
     * @return -1 when the line must not be written (over the rate; it is counted), else the number of
     *     wanted lines not written since the last one written (0 mostly)
     */
    synchronized long admit() {
        if (maxPerSecond == 0) {
            return takeSkipped();
        }
        long now = Math.floorDiv(clockMillis.getAsLong(), 1000L);
        if (now != second) {
            second = now;
            linesThisSecond = 0;
        }
        if (linesThisSecond >= maxPerSecond) {
            skipped++;
            return -1;
        }
        linesThisSecond++;
        return takeSkipped();
    }

    private long takeSkipped() {
        long s = skipped;
        skipped = 0;
        return s;
    }

    int maxPerSecond() {
        return maxPerSecond;
    }
}
