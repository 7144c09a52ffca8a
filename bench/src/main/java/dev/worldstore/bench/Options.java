package dev.worldstore.bench;

/**
 * The resolved sizes of one compare run.
 *
 * @param records saves in each throughput run (and records in each pre-filled topic / table)
 * @param keys distinct players the records are spread over
 * @param payloadBytes size of each JSON player state
 * @param rate offered saves per second of the fixed-rate latency runs
 * @param inFlight concurrent saves of the "many callers" runs
 * @param seconds duration cap of each time-bounded run (fsync saves, one-transaction-per-save SQLite, loads)
 * @param latencySeconds duration of each fixed-rate latency run
 * @param warmupMillis unmeasured warm-up of each contender before its first measurement
 * @param rounds measured runs are split into this many rounds, alternating between contenders
 * @param batchChanges changes in each batch-save run (worldstore batches of {@link #BATCH}, SQLite
 *     upserts of the same entity rows), so also about the changes of the topic of batches caught up
 */
record Options(long records, int keys, int payloadBytes, int rate, int inFlight, double seconds, double latencySeconds,
        long warmupMillis, int rounds, long batchChanges) {

    /** Worlds the players are spread over (worldstore puts each world in one partition). */
    static final int WORLDS = 64;
    /** Load threads, as the issue asks. */
    static final int LOAD_THREADS = 2;
    /** Players HttpBench saves (over HTTP, one at a time per connection) and then loads at random. */
    static final int HTTP_PLAYERS = 1_000;
    /** Connections of the HTTP throughput rows (bare Javalin and worldstore, GET and PUT), as the issue asks. */
    static final int HTTP_CONNECTIONS = 64;
    /** Records per SQLite (and PostgreSQL) transaction in the batched runs. */
    static final int SQLITE_BATCH = 1_000;
    /** Records per RocksDB WriteBatch in the bare-RocksDB run: the projector's default poll size. */
    static final int ROCKS_BATCH = 5_000;
    /** Changes per worldstore batch (world transaction) in the batch rows, as the issue asks. */
    static final int BATCH = 100;
    /** worldstore batches in flight in the batch-save run. */
    static final int BATCHES_IN_FLIGHT = 16;
    /** The absolute target for a fresh node's projector catching up on batch events, changes per second. */
    static final double BATCH_CATCHUP_TARGET = 250_000;

    Options {
        check("--records", records, 1, 1_000_000_000L);
        check("--keys", keys, 1, 100_000_000);
        check("--payload-bytes", payloadBytes, 256, 1024 * 1024);
        check("--rate", rate, 1, 1_000_000);
        check("--in-flight", inFlight, 1, 100_000);
        check("--batch-changes", batchChanges, BATCH, 1_000_000_000L);
        if (!(seconds > 0) || !(latencySeconds > 0)) {
            throw new IllegalArgumentException("--seconds and --latency-seconds must be positive");
        }
    }

    private static void check(String option, long v, long min, long max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(option + " must be between " + min + " and " + max + ", was " + v);
        }
    }

    /** Keys that hold a value once a throughput run wrote {@link #records} records round-robin over the keys. */
    int filledKeys() {
        return (int) Math.min(records, keys);
    }

    long secondsNanos() {
        return (long) (seconds * 1e9);
    }

    long latencyNanos() {
        return (long) (latencySeconds * 1e9);
    }

    long warmupNanos() {
        return warmupMillis * 1_000_000L;
    }

    /** Most time one contender's warm-up runs are repeated while the JIT compiler is busy ({@link JitActivity}). */
    long warmupCapNanos() {
        return 3 * warmupNanos();
    }

    /** Saves of each 256-in-flight run of a sweep setting other than the default (whose runs fill the main topic). */
    long sweepRecords() {
        return Math.max(records / 4, 100);
    }

    /** Warm-up saves of each writer: a tenth of the records, at least one batch. */
    long warmupRecords() {
        return Math.max(records / 10, 100);
    }

    /** Warm-up changes of each batch writer: a tenth of the batch changes, at least one batch. */
    long warmupBatchChanges() {
        return Math.max(batchChanges / 10, BATCH);
    }
}
