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
        return fromMillis >= 0 && now >= 0 && wallNanos > 0 ? (now - fromMillis) * 1e6 / wallNanos : 0;
    }

    /** Whether {@link #shareSince} is above {@link #QUIET}. */
    static boolean busySince(long fromMillis, long wallNanos) {
        return shareSince(fromMillis, wallNanos) > QUIET;
    }
}
