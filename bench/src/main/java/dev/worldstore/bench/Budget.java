package dev.worldstore.bench;

/** When a run stops: after {@code maxOps} operations or {@code maxNanos} of wall time, whichever comes first. */
record Budget(long maxOps, long maxNanos) {

    static Budget ops(long maxOps) {
        return new Budget(maxOps, Long.MAX_VALUE);
    }

    /** This budget split evenly over {@code rounds} alternating rounds. */
    Budget perRound(int rounds) {
        return new Budget(Math.max(1, maxOps / rounds), maxNanos == Long.MAX_VALUE ? maxNanos : maxNanos / rounds);
    }

    long deadline(long startNanos) {
        return maxNanos == Long.MAX_VALUE ? Long.MAX_VALUE : startNanos + maxNanos;
    }
}
