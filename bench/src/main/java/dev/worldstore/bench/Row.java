package dev.worldstore.bench;

import dev.worldstore.loadgen.Latency;
/**
 * Every line of the comparison table, in table order. Operation texts may name run parameters in
 * braces ({@code {inFlight}}, {@code {rate}}, {@code {sqliteBatch}}, {@code {rocksBatch}},
 * {@code {threads}}, {@code {httpPlayers}}, {@code {httpConnections}}, {@code {batch}}, {@code {batchesInFlight}}), filled in
 * from the {@link Options} of the run. The batch rows count changes (entity rows) as their ops.
 */
enum Row {
    // raw limits -------------------------------------------------------------------------------
    RAW_PRODUCE("bare producer", "produce, {inFlight} in flight", "bare producer", true),
    RAW_PRODUCE_RATE("bare producer", "produce at {rate}/s offered (latency from intended send)", "bare producer", true),
    RAW_PRODUCE_SEQ("bare producer", "produce, 1 sequential caller", "bare producer 1 caller", true),
    RAW_PRODUCE_FSYNC("bare producer", "produce, {inFlight} in flight, fsync broker", "bare producer fsync", true),
    RAW_PRODUCE_FSYNC_SEQ("bare producer", "produce, 1 sequential caller, fsync broker", "bare producer fsync 1 caller", true),
    RAW_CONSUME("bare consumer", "consume the pre-filled worldstore topic", "bare consumer", false),
    RAW_ROCKS_PUT("bare RocksDB", "WriteBatch of the projector's writes per event (state put, history put, lastSeen merge), "
            + "{rocksBatch} events per batch, each family's writes in key order as the projector's, projector options; "
            + "ops = events", "RocksDB limit", false),
    RAW_ROCKS_GET("bare RocksDB", "point gets, {threads} threads", "RocksDB gets", true),
    RAW_HTTP_GET("bare Javalin", "GET 1 KB from a ConcurrentHashMap, {httpConnections} connections (loadgen's HttpBench)",
            "bare Javalin GET", true),
    RAW_HTTP_PUT("bare Javalin", "PUT 1 KB into a ConcurrentHashMap, {httpConnections} connections (loadgen's HttpBench)",
            "bare Javalin PUT", true),

    // worldstore -------------------------------------------------------------------------------
    WS_SAVE("worldstore", "save (writeAsync), {inFlight} in flight", null, true),
    WS_SAVE_RATE("worldstore", "save at {rate}/s offered (latency from intended send)", null, true),
    WS_SAVE_SEQ("worldstore", "save, 1 sequential caller", null, true),
    WS_SAVE_FSYNC("worldstore", "save, {inFlight} in flight, fsync broker", null, true),
    WS_SAVE_FSYNC_SEQ("worldstore", "save, 1 sequential caller, fsync broker", null, true),
    WS_CATCHUP("worldstore", "projector catch-up, fresh node, pre-filled topic", null, false),
    WS_LOAD("worldstore", "load in-process (LOCAL), {threads} threads", null, true),
    WS_LOAD_HTTP("worldstore", "load over HTTP (loadgen's HttpBench: GET player state, {threads} connections, {httpPlayers} players)", null,
            true),
    WS_HTTP_GET("worldstore", "GET player state over HTTP, {httpConnections} connections (loadgen's HttpBench)", null, true),
    WS_HTTP_PUT("worldstore", "PUT player state over HTTP, {httpConnections} connections (loadgen's HttpBench)", null, true),
    WS_BATCH_SAVE("worldstore", "batch save (writeBatchAsync) of {batch} Hyperfy entities, {batchesInFlight} batches in flight; "
            + "ops = changes, latency per batch", null, true),
    WS_BATCH_CATCHUP("worldstore", "projector catch-up, fresh node, topic of those batches (state and history); ops = changes", null,
            false),

    // Kafka Streams ----------------------------------------------------------------------------
    KS_DEFAULT("Kafka Streams 4.3.1", "KTable materialise pre-filled topic, default settings", "KS default", false),
    KS_TUNED("Kafka Streams 4.3.1", "KTable materialise pre-filled topic, tuned settings", "KS tuned", false),
    KS_RESTORE("Kafka Streams 4.3.1", "restore store from changelog (default settings)", "KS restore", false),
    KS_QUERY("Kafka Streams 4.3.1", "interactive-query get, {threads} threads", "KS IQ", true),

    // SQLite -----------------------------------------------------------------------------------
    SQLITE_NORMAL_TXN("SQLite WAL", "upsert, 1 transaction per save, synchronous=NORMAL", "SQLite NORMAL", true),
    SQLITE_FULL_TXN("SQLite WAL", "upsert, 1 transaction per save, synchronous=FULL", "SQLite FULL", true),
    SQLITE_NORMAL_BATCH("SQLite WAL", "upsert, {sqliteBatch} per transaction, synchronous=NORMAL", "SQLite NORMAL batched", false),
    SQLITE_FULL_BATCH("SQLite WAL", "upsert, {sqliteBatch} per transaction, synchronous=FULL", "SQLite FULL batched", false),
    SQLITE_ENTITY_BATCH("SQLite WAL", "upsert the same entity rows, {sqliteBatch} per transaction, synchronous=NORMAL",
            "SQLite NORMAL batched entities", false),
    SQLITE_LOAD_1("SQLite WAL", "primary-key load, 1 thread", "SQLite 1 thread", true),
    SQLITE_LOAD_2("SQLite WAL", "primary-key load, {threads} threads", "SQLite {threads} threads", true),

    // PostgreSQL (skipped where its binaries are absent) -----------------------------------------
    PG_TXN_ON("PostgreSQL", "JSONB upsert, 1 transaction per save, synchronous_commit=on", "PostgreSQL sync on", true),
    PG_TXN_OFF("PostgreSQL", "JSONB upsert, 1 transaction per save, synchronous_commit=off", "PostgreSQL sync off", true),
    PG_BATCH("PostgreSQL", "JSONB upsert, {sqliteBatch} per transaction, synchronous_commit=on", "PostgreSQL batched", false),
    PG_LOAD_2("PostgreSQL", "primary-key load, {threads} threads", "PostgreSQL {threads} threads", true);

    final String contender;
    private final String operation;
    private final String shortName;
    /** Whether per-operation percentiles mean something for this row. */
    final boolean latency;

    Row(String contender, String operation, String shortName, boolean latency) {
        this.contender = contender;
        this.operation = operation;
        this.shortName = shortName;
        this.latency = latency;
    }

    String operation(Options o) {
        return fill(operation, o);
    }

    /** How a ratio cell names this row as the reference. */
    String shortName(Options o) {
        return fill(shortName == null ? name() : shortName, o);
    }

    boolean isPostgres() {
        return name().startsWith("PG_");
    }

    boolean isWorldstore() {
        return name().startsWith("WS_");
    }

    private static String fill(String text, Options o) {
        return text.replace("{inFlight}", Latency.count(o.inFlight()))
                .replace("{rate}", Latency.count(o.rate()))
                .replace("{sqliteBatch}", Latency.count(Options.SQLITE_BATCH))
                .replace("{rocksBatch}", Latency.count(Options.ROCKS_BATCH))
                .replace("{threads}", Integer.toString(Options.LOAD_THREADS))
                .replace("{httpPlayers}", Latency.count(Options.HTTP_PLAYERS))
                .replace("{httpConnections}", Latency.count(Options.HTTP_CONNECTIONS))
                .replace("{batch}", Latency.count(Options.BATCH))
                .replace("{batchesInFlight}", Latency.count(Options.BATCHES_IN_FLIGHT));
    }
}
