package dev.worldstore.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * How busy the JIT compiler is: the share of a span of wall time that the JVM spent compiling
 * ({@link CompilationMXBean#getTotalCompilationTime()}, summed over compiler threads, so it can
 * exceed 1). A warm-up is repeated while this stays above {@link #QUIET}: a contender with more code
 * on its path (worldstore's HTTP PUT runs Jetty, Javalin, the write path, a Kafka producer and the
 * broker in this JVM) is still being compiled long after a smaller one (a bare handler) runs at full
 * speed, and a measurement taken then measures the compiler. Thread-safe.
 */
final class JitActivity {
    /** Compiling for at most this share of a warm-up run's time counts as quiet. */
    static final double QUIET = 0.20;

    private static final CompilationMXBean MX = ManagementFactory.getCompilationMXBean();

    private JitActivity() {
    }

    /** Accumulated compilation time in ms, or -1 where the JVM does not report it. */
    static long compiledMillis() {
        return MX != null && MX.isCompilationTimeMonitoringSupported() ? MX.getTotalCompilationTime() : -1;
    }

    /**
     * The share of the {@code wallNanos} since {@code fromMillis} (a {@link #compiledMillis()}) the JIT
     * spent compiling; 0 where the JVM does not report it.
     */
    static double shareSince(long fromMillis, long wallNanos) {
        long now = compiledMillis();
        return fromMillis >= 0 && now >= 0 ? share(now - fromMillis, wallNanos) : 0;
    }

    /** The share of {@code wallNanos} that {@code compiledMillis} of compilation are (0 for no wall time). */
    static double share(long compiledMillis, long wallNanos) {
        return wallNanos > 0 ? compiledMillis * 1e6 / wallNanos : 0;
    }

    /** A warm-up run; false if it did not run (nothing to warm up). */
    @FunctionalInterface
    interface Run {
        boolean run() throws Exception;
    }

    /**
     * Runs {@code run}, again while the JIT compiled for more than {@link #QUIET} of the last run's
     * time, until {@code capNanos} have passed since the first (0: once).
     *
     * @return null after one run, else how long it took and the JIT's share of each run, for a progress line
     * @throws Exception from {@code run}
     */
    static String warmUp(Run run, long capNanos) throws Exception {
        long start = System.nanoTime();
        StringBuilder shares = new StringBuilder();
        int runs = 0;
        while (true) {
            long compiled = compiledMillis();
            long t0 = System.nanoTime();
            boolean ran = run.run();
            double share = shareSince(compiled, System.nanoTime() - t0);
            runs++;
            shares.append(shares.isEmpty() ? "" : ", ").append(Math.round(share * 100)).append('%');
            if (!ran || share <= QUIET || System.nanoTime() - start >= capNanos) {
                break;
            }
        }
        return runs == 1 ? null : String.format(java.util.Locale.ROOT, "warmed up for %.1f s, JIT compiling %s of each run",
                (System.nanoTime() - start) / 1e9, shares);
    }
}
