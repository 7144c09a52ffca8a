package dev.worldstore.bench;

import dev.worldstore.loadgen.Latency;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar bench/target/worldstore-bench.jar --compare}: worldstore against Kafka Streams,
 * SQLite and the raw limits (bare producer, consumer and RocksDB) on the same workload, in one JVM
 * run, printed as a markdown table with ratios. Progress goes to stderr, the report to stdout.
 */
@Command(name = "worldstore-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs every contender on the same workload in one JVM (two embedded brokers: default durability and "
                + "fsync of every message; temporary data) and prints a markdown table: ops/s, latency percentiles, and the "
                + "ratios worldstore / peer and worldstore / raw limit, then the issue's targets with verdicts.")
public final class CompareMain implements Callable<Integer> {

    @Option(names = "--compare", description = "Run the comparison (the only mode).")
    boolean compare;

    @Option(names = "--records", paramLabel = "N", description = "Saves per throughput run and records per pre-filled topic/table. Default: 100000 (quick: 2000).")
    Long records;

    @Option(names = "--keys", paramLabel = "N", description = "Distinct players. Default: 100000 (quick: 1000).")
    Integer keys;

    @Option(names = "--payload-bytes", paramLabel = "N", description = "Size of each JSON player state. Default: 1024.")
    Integer payloadBytes;

    @Option(names = "--rate", paramLabel = "N", description = "Offered saves/s of the fixed-rate latency runs. Default: 5000 (quick: 500).")
    Integer rate;

    @Option(names = "--in-flight", paramLabel = "N", description = "Concurrent saves of the many-callers runs. Default: 256 (quick: 64).")
    Integer inFlight;

    @Option(names = "--seconds", paramLabel = "S", description = "Cap of each time-bounded run (fsync saves, one-transaction-per-save SQLite, "
            + "sequential saves, loads, HTTP). Default: 4 (quick: 0.4).")
    Double seconds;

    @Option(names = "--latency-seconds", paramLabel = "S", description = "Duration of each fixed-rate latency run. Default: 10 (quick: 0.4).")
    Double latencySeconds;

    @Option(names = "--batch-changes", paramLabel = "N", description = "Changes per batch-save run (worldstore batches of 100 Hyperfy "
            + "entities, SQLite upserts of the same rows), and so in the topic of batches caught up. Default: 1000000 (quick: 20000).")
    Long batchChanges;

    @Option(names = "--quick", description = "A tiny smoke run (seconds per contender): small defaults for every option not given.")
    boolean quick;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new CompareMain()).execute(args));
    }

    Options options() {
        return new Options(or(records, 100_000L, 2_000L), or(keys, 100_000, 1_000), or(payloadBytes, 1024, 1024),
                or(rate, 5_000, 500), or(inFlight, 256, 64), or(seconds, 4.0, 0.4), or(latencySeconds, 10.0, 0.4),
                quick ? 100 : 2_000, quick ? 1 : 2, or(batchChanges, 1_000_000L, 20_000L));
    }

    private <T> T or(T given, T normal, T small) {
        return given != null ? given : quick ? small : normal;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!compare) {
            err.println("nothing to do: pass --compare (see --help)");
            return CommandLine.ExitCode.USAGE;
        }
        Options options;
        try {
            options = options();
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return CommandLine.ExitCode.USAGE;
        }
        Path dir = Files.createTempDirectory("worldstore-compare-");
        String date = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        long start = System.nanoTime();
        try {
            Compare run = new Compare(options, dir, err);
            run.run();
            List<String> facts = new ArrayList<>(List.of(
                    "command: `" + Machine.command(spec.commandLine().getParseResult().originalArgs()) + "`",
                    "date: " + date + ", run took " + Latency.format(System.nanoTime() - start),
                    "machine: " + Machine.describe(dir),
                    "workload: " + Latency.count(options.records()) + " saves per throughput run, " + Latency.count(options.payloadBytes())
                            + "-byte JSON player states over " + Latency.count(options.keys()) + " keys (" + Options.WORLDS + " worlds); "
                            + "measured runs in " + options.rounds() + " alternating rounds after a warm-up of each contender, repeated while the JIT compiler was busy for more than "
                            + Math.round(JitActivity.QUIET * 100) + "% of it (at most " + options.warmupCapNanos() / 1_000_000_000L + " s)",
                    "batch rows: Hyperfy-shaped entities (id, type, blueprint, position and quaternion arrays, scale, state; "
                            + "loadgen's HttpBench.entity) over the same " + Latency.count(options.keys()) + " keys, " + Latency.count(Options.BATCH)
                            + " consecutive keys per world; worldstore saves them as world transactions of " + Options.BATCH
                            + " (writeBatchAsync, " + Options.BATCHES_IN_FLIGHT + " in flight) on a topic and node of their own, SQLite "
                            + "upserts the same (world, entity) rows with the same JSON, " + Latency.count(Options.SQLITE_BATCH)
                            + " per transaction, synchronous=NORMAL, in a database file of its own; "
                            + Latency.count(options.batchChanges()) + " changes per run, the saves' topic is what the batch catch-up reads",
                    "Kafka: two single-node KRaft brokers embedded in this JVM: \"default\" acknowledges from the page cache "
                            + "(survives a process crash), \"fsync\" sets log.flush.interval.messages=1 (survives a power loss); "
                            + "6 partitions per topic; producers acks=all, idempotent, lz4, 64 KiB batches and worldstore's default batching ("
                            + "linger.ms=" + Linger.DEFAULT.lingerMs() + ", " + Linger.DEFAULT.maxInFlightRequests() + " requests in flight) "
                            + "unless the sweep says otherwise; the sweep's other settings each write topics of their own "
                            + "(a bare producer, and a worldstore node of their own), " + Latency.count(options.sweepRecords())
                            + " saves per 256-in-flight run, latency and sequential runs half as long as the default's",
                    "peers: SQLite = sqlite-jdbc, WAL, one table (world, player) -> JSON TEXT, one writer thread; "
                            + "Kafka Streams reads a topic of the same records keyed by world/player (no headers), "
                            + "worldstore's projector reads its own change events (the same JSON plus event headers); worldstore nodes are "
                            + "opened as WorldStores.open(config) opens them, recording no metrics (serve's Prometheus timers add ~0.3 µs "
                            + "per save or load, two threads recording)",
                    "Kafka Streams tuned: topology.optimization=all (the source topic doubles as changelog), one stream thread per "
                            + "core, 5,000-record polls and 8 MiB partition fetches, 64 MiB record cache, 64 MiB memtables",
                    "catch-up and restore runs start from empty local state and include opening the node / starting the application; "
                            + "the RocksDB limit writes as many events as the worldstore topic holds",
                    "HTTP: loadgen's HttpBench (keep-alive HTTP/1.1 on plain sockets, one request in flight per connection, in this JVM) "
                            + "against worldstore's API (Javalin " + io.javalin.Javalin.class.getPackage().getImplementationVersion()
                            + " on Jetty, auth off, access log off, the main node) and against bare Javalin with the same request thread pool "
                            + "answering the same route from a ConcurrentHashMap; " + Latency.count(Options.HTTP_PLAYERS)
                            + " players of 1 KB saved first by each run",
                    "PostgreSQL: " + (run.postgresVersion() == null ? "not measured" : run.postgresVersion().strip()
                            + ", a cluster of its own (initdb in a temporary directory, shared_buffers=256MB, fsync on), table (world, player) -> "
                            + "JSONB, PostgreSQL JDBC driver over TCP loopback, one writer connection")));
            run.failures().forEach(f -> facts.add("FAILED: " + f));
            new Report(options, run.results()).print(out, facts);
            return run.failures().isEmpty() && run.results().errors() == 0 ? CommandLine.ExitCode.OK : CommandLine.ExitCode.SOFTWARE;
        } finally {
            deleteRecursively(dir);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
