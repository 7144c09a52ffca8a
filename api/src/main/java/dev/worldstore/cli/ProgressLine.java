package dev.worldstore.cli;

import dev.worldstore.loadgen.Latency;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * A progress report of a long-running command on stderr: events done, rate and elapsed time, and a
 * bar when the total is known. On a terminal one line is rewritten in place ({@code \r}) at most
 * five times a second; otherwise (a log file, a CI job) a new line is printed at most every five
 * seconds, so the output stays small whatever the length of the run.
 */
final class ProgressLine {
    private static final int BAR = 24;

    private final PrintWriter err;
    private final String label;
    private final String unit;
    private final boolean terminal;
    private final long intervalNanos;
    private final long start = System.nanoTime();
    private volatile long total = -1;
    private long lastPrint;
    private int lastWidth;
    private boolean printed;

    /**
     * @param label the command, e.g. "replay"
     * @param unit what is counted, e.g. "events"
     * @param terminal rewrite one line in place (stderr is a terminal) rather than print new lines
     */
    ProgressLine(PrintWriter err, String label, String unit, boolean terminal) {
        this.err = err;
        this.label = label;
        this.unit = unit;
        this.terminal = terminal;
        this.intervalNanos = terminal ? 200_000_000L : 5_000_000_000L;
        this.lastPrint = start;
    }

    /** True when this process's console is a terminal (then {@code \r} updates are readable). */
    static boolean interactive() {
        return System.console() != null;
    }

    /** Sets the expected total (shows a bar and a percentage); {@code < 0} for unknown. */
    ProgressLine total(long expected) {
        this.total = expected;
        return this;
    }

    /** Reports {@code done} so far; prints only if the interval has passed. */
    synchronized void update(long done) {
        long now = System.nanoTime();
        if (now - lastPrint < intervalNanos) {
            return;
        }
        lastPrint = now;
        print(line(done, now));
    }

    /** Prints a final report of {@code done} (on a terminal, completes the rewritten line). */
    synchronized void finish(long done) {
        if (terminal) {
            if (printed) {
                print(line(done, System.nanoTime()));
                err.println();
                err.flush();
            }
        }
    }

    private void print(String line) {
        if (terminal) {
            int pad = Math.max(0, lastWidth - line.length());
            err.print("\r" + line + " ".repeat(pad));
            lastWidth = line.length();
        } else {
            err.println(line);
        }
        printed = true;
        err.flush();
    }

    String line(long done, long now) {
        double seconds = (now - start) / 1e9;
        StringBuilder b = new StringBuilder(label).append(": ");
        long t = total;
        if (t > 0) {
            double f = Math.min(1.0, (double) done / t);
            int filled = (int) Math.round(f * BAR);
            b.append('[').append("#".repeat(filled)).append(".".repeat(BAR - filled)).append("] ")
                    .append(String.format(Locale.ROOT, "%3.0f%% ", f * 100))
                    .append(Latency.count(done)).append('/').append(Latency.count(t));
        } else {
            b.append(Latency.count(done));
        }
        b.append(' ').append(unit).append(", ")
                .append(String.format(Locale.ROOT, "%,.0f %s/s, %.1f s", seconds > 0 ? done / seconds : 0, unit, seconds));
        return b.toString();
    }
}
