package dev.worldstore.bench;

import dev.worldstore.loadgen.HttpBench;
import dev.worldstore.loadgen.Latency;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One compare run: every contender on the same workload, in one JVM, with two embedded brokers
 * (default durability, and fsync of every message). Contenders that do the same thing are measured
 * in alternating rounds after each was warmed up until the JIT was quiet; one-shot jobs (catch-up,
 * restore) get one abandoned warm-up run. A failing contender is reported and the run goes on.
 */
final class Compare {
    private static final String WS_TOPIC = "bench.worldstore";
    private static final String RAW_TOPIC = "bench.bare";
    private static final String WS_BATCH_TOPIC = "bench.worldstore.batches";
    private static final long AWAIT_NANOS = TimeUnit.MINUTES.toNanos(10);

    private final Options options;
    private final Path dir;
    private final PrintWriter progress;
    private final Workload workload;
    private final SaveDriver saves;
    private final Results results = new Results();
    private final List<String> failures = new ArrayList<>();
    private final long started = System.nanoTime();
    private WorldStoreNode mainNode;
    private String postgresVersion;
    /** Seeds the random keys of each fixed-rate run differently. */
    private long seed = 42;

    Compare(Options options, Path dir, PrintWriter progress) {
        this.options = options;
        this.dir = dir;
        this.progress = progress;
        this.workload = new Workload(options.keys(), options.payloadBytes());
        this.saves = new SaveDriver(workload);
    }

    Results results() {
        return results;
    }

    /** Phases that failed, with their error. */
    List<String> failures() {
        return failures;
    }

    void run() throws Exception {
        try (Closer closer = new Closer()) {
            step("starting two embedded brokers (default, and fsync every message)");
            Broker plain = closer.add(Broker.start(dir.resolve("kafka-default"), false));
            Broker fsync = closer.add(Broker.start(dir.resolve("kafka-fsync"), true));
            WorldStoreNode node = closer.add(WorldStoreNode.open(plain, dir.resolve("ws"), WS_TOPIC, workload));
            mainNode = node;
            try (RawKafka.Producer bare = new RawKafka.Producer(plain, RAW_TOPIC, workload)) {
                saveSweep(closer, plain, new Lane(bare), new Lane(node.writer()));
            }
            attempt("worldstore projection after the saves", () -> node.awaitProjected(AWAIT_NANOS));
            attempt("saves, fsync broker", () -> {
                try (RawKafka.Producer bare = new RawKafka.Producer(fsync, RAW_TOPIC, workload);
                        WorldStoreNode fsyncNode = WorldStoreNode.open(fsync, dir.resolve("ws-fsync"), WS_TOPIC, workload)) {
                    Lane b = new Lane(bare);
                    Lane w = new Lane(fsyncNode.writer());
                    alternate("saves, fsync broker", many(Row.RAW_PRODUCE_FSYNC, b, timeBounded()), many(Row.WS_SAVE_FSYNC, w, timeBounded()),
                            one(Row.RAW_PRODUCE_FSYNC_SEQ, b), one(Row.WS_SAVE_FSYNC_SEQ, w));
                    fsyncNode.awaitProjected(AWAIT_NANOS);
                }
            });
            Sqlite sqlite = new Sqlite(dir.resolve("sqlite-normal.db"), Sqlite.Sync.NORMAL, workload);
            attempt("SQLite saves", () -> {
                Sqlite full = new Sqlite(dir.resolve("sqlite-full.db"), Sqlite.Sync.FULL, workload);
                try (Writer normalBatched = sqlite.writer(Options.SQLITE_BATCH); Writer fullBatched = full.writer(Options.SQLITE_BATCH);
                        Writer normalEach = sqlite.writer(1); Writer fullEach = full.writer(1)) {
                    // batched first: they fill every key, for the loads
                    Budget all = Budget.ops(options.records());
                    alternate("SQLite saves, batched", one(Row.SQLITE_NORMAL_BATCH, new Lane(normalBatched), all),
                            one(Row.SQLITE_FULL_BATCH, new Lane(fullBatched), all));
                    alternate("SQLite saves, one transaction each", one(Row.SQLITE_NORMAL_TXN, new Lane(normalEach)),
                            one(Row.SQLITE_FULL_TXN, new Lane(fullEach)));
                }
            });

            Postgres postgres = attemptPostgres(closer);
            if (postgres != null) {
                attempt("PostgreSQL saves", () -> {
                    try (Writer batched = postgres.writer(Options.SQLITE_BATCH, true); Writer on = postgres.writer(1, true);
                            Writer off = postgres.writer(1, false)) {
                        // batched first: it fills every key, for the loads
                        alternate("PostgreSQL saves, batched", one(Row.PG_BATCH, new Lane(batched), Budget.ops(options.records())));
                        alternate("PostgreSQL saves, one transaction each", one(Row.PG_TXN_ON, new Lane(on)), one(Row.PG_TXN_OFF, new Lane(off)));
                    }
                });
            }

            WorldStoreNode.BatchCounts batchCounts = new WorldStoreNode.BatchCounts();
            attempt("batch saves of Hyperfy entities", () -> batchSaves(closer, plain, batchCounts));

            KafkaStreamsPeer streams = closer.add(new KafkaStreamsPeer(plain, RAW_TOPIC, dir.resolve("kafka-streams")));
            alternate("catch-up of pre-filled topics", catchUp(Row.RAW_CONSUME, RawKafka.consumer(plain, WS_TOPIC)),
                    catchUp(Row.WS_CATCHUP, WorldStoreNode.catchUp(plain, dir.resolve("catch-up"), WS_TOPIC, workload)),
                    catchUp(Row.WS_BATCH_CATCHUP, WorldStoreNode.catchUp(plain, dir.resolve("catch-up-batches"), WS_BATCH_TOPIC, workload,
                            batchCounts::changesPerEvent)),
                    catchUp(Row.KS_DEFAULT, streams.materialise(KsSettings.DEFAULT)),
                    catchUp(Row.KS_RESTORE, streams.restore(KsSettings.DEFAULT)),
                    catchUp(Row.KS_TUNED, streams.materialise(KsSettings.TUNED)));

            RawRocks rocks = closer.add(new RawRocks(dir.resolve("rocksdb"), workload));
            long events = attemptOr(() -> plain.records(WS_TOPIC), options.records());
            try (Writer puts = rocks.batchWriter()) {
                // as many events as the catch-up applied, so both write the same amount
                alternate("bare RocksDB, the projector's writes", one(Row.RAW_ROCKS_PUT, new Lane(puts), Budget.ops(events)));
            }
            attempt("Kafka Streams, restart of the tuned application for queries",
                    () -> streams.resume(KsSettings.TUNED, System.nanoTime() + AWAIT_NANOS));
            alternate("loads", load(Row.RAW_ROCKS_GET, rocks.gets(), Options.LOAD_THREADS),
                    load(Row.WS_LOAD, node.localLoads(), Options.LOAD_THREADS),
                    load(Row.KS_QUERY, streams.queries(KsSettings.TUNED), Options.LOAD_THREADS),
                    load(Row.SQLITE_LOAD_1, sqlite.loads(), 1),
                    load(Row.SQLITE_LOAD_2, sqlite.loads(), Options.LOAD_THREADS),
                    postgres == null ? null : load(Row.PG_LOAD_2, postgres.loads(), Options.LOAD_THREADS));
            if (postgres != null) {
                attempt("stopping PostgreSQL", () -> closer.closeNow(postgres));
            }
            try (BareHttp bareHttp = new BareHttp()) {
                alternate("HTTP, " + Options.HTTP_CONNECTIONS + " connections", http(Row.RAW_HTTP_GET, bareHttp.uri(), HttpBench.Mode.GET),
                        http(Row.WS_HTTP_GET, null, HttpBench.Mode.GET), http(Row.RAW_HTTP_PUT, bareHttp.uri(), HttpBench.Mode.PUT),
                        http(Row.WS_HTTP_PUT, null, HttpBench.Mode.PUT));
            }
            // HttpBench warms up and measures in one call: not part of the alternation
            step("loads over HTTP, " + Options.LOAD_THREADS + " connections (HttpBench)");
            attempt("worldstore, " + Row.WS_LOAD_HTTP.operation(options), () -> results.add(Row.WS_LOAD_HTTP,
                    node.http(HttpBench.Mode.GET, Options.LOAD_THREADS, Options.HTTP_PLAYERS, options.secondsNanos(), options.secondsNanos())));
            step("done, closing");
        }
    }

    /**
     * World transactions against SQLite's batched upserts of the same entity rows, alternating: a
     * worldstore node on a topic of its own saves batches of {@link Options#BATCH} entities (its
     * topic is what the batch catch-up reads later), SQLite upserts them {@link Options#SQLITE_BATCH}
     * per transaction into a database file of its own. The node is closed once it projected
     * everything, so it does not compete with the catch-ups.
     */
    private void batchSaves(Closer closer, Broker broker, WorldStoreNode.BatchCounts counts) throws Exception {
        Entities entities = new Entities(workload.keys());
        step("batch saves: " + Latency.count(entities.count()) + " Hyperfy entities of ~" + entities.averageBytes() + " bytes");
        WorldStoreNode batchNode = closer.add(WorldStoreNode.open(broker, dir.resolve("ws-batches"), WS_BATCH_TOPIC, workload));
        Sqlite sqlite = new Sqlite(dir.resolve("sqlite-entities.db"), Sqlite.Sync.NORMAL, workload);
        try (Writer batches = batchNode.batchWriter(entities, counts);
                Writer rows = sqlite.entityWriter(entities, Options.SQLITE_BATCH)) {
            Budget all = Budget.ops(options.batchChanges());
            Budget warm = new Budget(options.warmupBatchChanges(), options.warmupNanos());
            alternate("batch saves of Hyperfy entities",
                    saves(Row.WS_BATCH_SAVE, new Lane(batches, Options.BATCH), warm, all, Options.BATCH * Options.BATCHES_IN_FLIGHT),
                    saves(Row.SQLITE_ENTITY_BATCH, new Lane(rows, Options.BATCH), warm, all, 1));
        }
        batchNode.awaitProjected(AWAIT_NANOS);
        closer.closeNow(batchNode);
    }

    /**
     * The saves on the default broker, for every producer setting of {@link Linger#SWEEP}: the bare
     * producer and worldstore with the same settings, 256 in flight, at the offered rate and one
     * sequential caller, in alternating rounds. worldstore's default setting runs on the main
     * topics and node (its 256-in-flight runs write every record that catch-up, Kafka Streams and the
     * loads read later) and also fills the main rows; every other setting gets a producer, a node
     * and topics of its own, closed after the sweep.
     */
    private void saveSweep(Closer closer, Broker broker, Lane mainBare, Lane mainWs) throws Exception {
        List<Measured> many = new ArrayList<>();
        List<Measured> rest = new ArrayList<>();
        List<AutoCloseable> own = new ArrayList<>();
        for (Linger l : Linger.SWEEP) {
            Lane b = mainBare;
            Lane w = mainWs;
            if (!l.isDefault()) {
                RawKafka.Producer p = closer.add(new RawKafka.Producer(broker, "bench.sweep.bare." + l.slug(), workload, l));
                WorldStoreNode n = closer.add(WorldStoreNode.open(broker, dir.resolve("ws-" + l.slug()), "bench.sweep.ws." + l.slug(),
                        workload, l.worldstoreSettings()));
                own.add(p);
                own.add(n);
                b = new Lane(p);
                w = new Lane(n.writer());
            }
            Budget budget = Budget.ops(l.isDefault() ? options.records() : options.sweepRecords());
            many.add(sweep(l, Results.SweepCell.BARE_MANY, l.isDefault() ? Row.RAW_PRODUCE : null,
                    saves(null, b, budget, options.inFlight())));
            many.add(sweep(l, Results.SweepCell.WS_MANY, l.isDefault() ? Row.WS_SAVE : null, saves(null, w, budget, options.inFlight())));
            // the other settings' latency and sequential runs take half the time (the run stays under 6 minutes)
            int share = l.isDefault() ? 1 : 2;
            rest.add(sweep(l, Results.SweepCell.BARE_RATE, l.isDefault() ? Row.RAW_PRODUCE_RATE : null, fixedRate(null, b, share)));
            rest.add(sweep(l, Results.SweepCell.WS_RATE, l.isDefault() ? Row.WS_SAVE_RATE : null, fixedRate(null, w, share)));
            rest.add(sweep(l, Results.SweepCell.BARE_SEQ, l.isDefault() ? Row.RAW_PRODUCE_SEQ : null, coldSeq(b, share)));
            rest.add(sweep(l, Results.SweepCell.WS_SEQ, l.isDefault() ? Row.WS_SAVE_SEQ : null, coldSeq(w, share)));
        }
        List<Measured> all = new ArrayList<>(many);
        all.addAll(rest);
        alternate("saves, default broker, " + Linger.SWEEP.size() + " producer settings", all.toArray(Measured[]::new));
        for (AutoCloseable c : own) {
            closer.closeNow(c);
        }
    }

    /** One cell of the sweep; for worldstore's default setting also the main {@code row} (null for none). */
    private Measured sweep(Linger setting, Results.SweepCell cell, Row row, Measured m) {
        return new Measured(setting.label() + ", " + cell, m.trial, s -> {
            results.add(setting, cell, s);
            if (row != null) {
                results.add(row, s);
            }
        });
    }

    /** One sequential caller for a {@code share}th of the usual time; not warmed up on its own (the lane's 256-in-flight warm-up did). */
    private Measured coldSeq(Lane lane, int share) {
        Budget round = new Budget(options.records(), options.secondsNanos() / share).perRound(options.rounds());
        return new Measured(null, warmUp -> warmUp ? null : lane.save(saves, round, 1), null);
    }

    /** PostgreSQL started (closed by {@code closer}), or null when it is not installed (its rows are marked skipped) or fails to start. */
    private Postgres attemptPostgres(Closer closer) {
        step("starting PostgreSQL (initdb into a temporary directory)");
        try {
            Postgres.Started started = Postgres.start(workload);
            if (started.postgres() == null) {
                step("PostgreSQL skipped: " + started.skipped());
                for (Row r : Row.values()) {
                    if (r.isPostgres()) {
                        results.skip(r, started.skipped());
                    }
                }
                return null;
            }
            postgresVersion = started.postgres().version;
            return closer.add(started.postgres());
        } catch (Exception e) {
            failures.add("starting PostgreSQL: " + e);
            step("FAILED starting PostgreSQL: " + e);
            return null;
        }
    }

    /** The version line of the PostgreSQL measured, or null. */
    String postgresVersion() {
        return postgresVersion;
    }

    /** {@link HttpBench} at {@code base} (null: the main node's API), {@link Options#HTTP_CONNECTIONS} connections, {@link Options#HTTP_PLAYERS} players. */
    private Measured http(Row row, java.net.URI base, HttpBench.Mode mode) {
        long round = options.secondsNanos() / options.rounds();
        return measured(row, warmUp -> {
            long nanos = warmUp ? options.warmupNanos() : round;
            return base == null ? mainNode.http(mode, Options.HTTP_CONNECTIONS, Options.HTTP_PLAYERS, 0, nanos)
                    : WorldStoreNode.http(base, mode, Options.HTTP_CONNECTIONS, Options.HTTP_PLAYERS, 0, nanos);
        });
    }

    // ---- what is measured -------------------------------------------------------------------

    /** One measurement of one row: called to warm up (its sample discarded; null: not again), then once per round. */
    @FunctionalInterface
    private interface Trial {
        Sample run(boolean warmUp) throws Exception;
    }

    /** A measurement: its name in progress lines, what it runs, and where its samples go. */
    private record Measured(String name, Trial trial, java.util.function.Consumer<Sample> sink) {
    }

    private Measured measured(Row row, Trial trial) {
        return new Measured(row.contender + ", " + row.operation(options), trial, s -> results.add(row, s));
    }

    /**
     * Warms every measurement up, then runs them in alternating rounds (a, b, c, a, b, c), merging
     * each row's rounds. A failing measurement is reported, not repeated, and the others go on.
     */
    private void alternate(String phase, Measured... measured) {
        Set<Measured> failed = new java.util.HashSet<>();
        for (int r = -1; r < options.rounds(); r++) {
            boolean warmUp = r < 0;
            step(phase + ": " + (warmUp ? "warm-up" : "round " + (r + 1) + " of " + options.rounds()));
            for (Measured m : measured) {
                if (m != null && !failed.contains(m) && !attempt(m.name, () -> {
                    if (warmUp) {
                        warmUp(m);
                    } else {
                        java.util.Optional.ofNullable(m.trial.run(false)).ifPresent(m.sink);
                    }
                })) {
                    failed.add(m);
                }
            }
        }
    }

    /** Runs {@code m}'s warm-up until the JIT is quiet ({@link JitActivity#warmUp}); its samples are discarded. */
    private void warmUp(Measured m) throws Exception {
        String shares = JitActivity.warmUp(() -> m.trial.run(true) != null, options.warmupCapNanos());
        if (shares != null) {
            step("  " + m.name + ": " + shares);
        }
    }

    /** Saves with {@link Options#inFlight()} outstanding; the budget is shared by the rounds. */
    private Measured many(Row row, Lane lane, Budget total) {
        return saves(row, lane, total, options.inFlight());
    }

    /** Saves by one sequential caller, time-bounded. */
    private Measured one(Row row, Lane lane) {
        return saves(row, lane, timeBounded(), 1);
    }

    /** Saves by one sequential caller (batching writers batch them); the budget is shared by the rounds. */
    private Measured one(Row row, Lane lane, Budget total) {
        return saves(row, lane, total, 1);
    }

    private Measured saves(Row row, Lane lane, Budget total, int inFlight) {
        return saves(row, lane, new Budget(options.warmupRecords(), options.warmupNanos()), total, inFlight);
    }

    private Measured saves(Row row, Lane lane, Budget warm, Budget total, int inFlight) {
        Budget round = total.perRound(options.rounds());
        Trial t = warmUp -> lane.save(saves, warmUp ? warm : round, inFlight);
        return row == null ? new Measured(null, t, null) : measured(row, t);
    }

    /**
     * Saves at the offered rate for a {@code share}th of the latency runs' time; not warmed up on its own when {@code row} is null
     * (a sweep cell: the lane's 256-in-flight warm-up did).
     */
    private Measured fixedRate(Row row, Lane lane, int share) {
        long round = options.latencyNanos() / share / options.rounds();
        Trial t = warmUp -> warmUp && row == null ? null
                : saves.fixedRate(lane.writer, options.rate(), warmUp ? options.warmupNanos() : round, seed++);
        return row == null ? new Measured(null, t, null) : measured(row, t);
    }

    private Budget timeBounded() {
        return new Budget(options.records(), options.secondsNanos());
    }

    /** A one-shot job: the warm-up run is abandoned at twice the warm-up time (Kafka Streams needs seconds to start). */
    private Measured catchUp(Row row, CatchUp job) {
        return measured(row, warmUp -> {
            Sample s = job.run(System.nanoTime() + (warmUp ? 2 * options.warmupNanos() : AWAIT_NANOS));
            return warmUp ? null : s; // includes its start-up: one abandoned run warms it up, never repeated
        });
    }

    /** Random-key loads on {@code threads} threads for one round's time (the warm-up too). */
    private Measured load(Row row, Reader.Source source, int threads) {
        long round = options.secondsNanos() / options.rounds();
        return measured(row, warmUp -> LoadDriver.parallel(source, threads, round, options.filledKeys()));
    }

    // ---- plumbing -----------------------------------------------------------------------------

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    /** {@code value}'s result, or {@code fallback} when it fails (the failure is recorded). */
    private <T> T attemptOr(java.util.concurrent.Callable<T> value, T fallback) {
        List<T> got = new ArrayList<>(1);
        return attempt("reading a value for the next phase", () -> got.add(value.call())) ? got.get(0) : fallback;
    }

    /** Runs one phase; a failure is recorded (and shown in the report) instead of ending the run. */
    private boolean attempt(String what, Step step) {
        try {
            step.run();
            return true;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            failures.add(what + ": " + e);
            step("FAILED " + what + ": " + e);
            return false;
        }
    }

    private void step(String line) {
        progress.printf(Locale.ROOT, "[%6.1f s] %s%n", (System.nanoTime() - started) / 1e9, line);
        progress.flush();
    }
}
