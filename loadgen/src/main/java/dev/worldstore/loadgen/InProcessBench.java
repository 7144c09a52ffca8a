package dev.worldstore.loadgen;

import dev.worldstore.NodeOperations;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.projector.WorldStores;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * {@code worldstore bench}: measures save throughput, save latency at a fixed rate
 * (coordinated-omission corrected), load throughput and latency, and projector catch-up of a fresh
 * node, then world transactions (batch saves of Hyperfy-shaped entities and a fresh node's catch-up
 * over them), through the Java API of in-process nodes, and prints a markdown table with the
 * issue's catch-up target.
 *
 * <p>Memory stays bounded whatever the counts: in-flight saves are capped by a semaphore, payloads
 * are a fixed set of prebuilt variants, latencies go into fixed-size HdrHistograms.
 *
 * <p>One instance makes one run at a time; not thread-safe.
 */
public final class InProcessBench {

    /**
     * What to measure; counts are operations, durations whole seconds. Immutable.
     *
     * @param saves (a) saves to time; at least 1
     * @param concurrency (a) async saves in flight, also of the pre-fill and the warm-up; at least 1
     * @param payloadBytes size of each saved player state's JSON, in bytes; at least 200
     * @param keys (a)(b) distinct players written; at least 1
     * @param worlds worlds the players are spread over; at least 1
     * @param rate (b) offered saves per second; at least 1
     * @param latencySeconds (b) duration of the fixed-rate run; at least 1
     * @param loadThreads (c) threads loading; at least 1
     * @param loadKeys (c) players loaded at random (the players beyond those of (a) are pre-filled first); at least 1
     * @param loadSeconds (c) duration of the measured load run; at least 1
     * @param warmupSeconds unmeasured warm-up (saves and loads) before measuring, and before the load run; at least 0
     * @param skipCatchup true to skip (d) and (f), the projector catch-ups of fresh nodes
     * @param entities (e)(f) distinct Hyperfy-shaped entities the batches cycle through (rounded up to
     *     whole batches of 100); at least 1
     * @param batches (e) batches of 100 entities to time; at least 1
     * @param batchInFlight (e) batches in flight, also of their warm-up; at least 1
     * @param skipBatches true to skip (e) and (f), the world transactions
     * @param commandLine the arguments after {@code worldstore bench} as the report shows them (secrets
     *     already masked), e.g. {@code " --quick"}; not null, may be empty
     * @throws NullPointerException if {@code commandLine} is null
     * @throws IllegalArgumentException if a number breaks its bound
     */
    public record Options(long saves, int concurrency, int payloadBytes, int keys, int worlds, int rate, int latencySeconds,
            int loadThreads, int loadKeys, int loadSeconds, int warmupSeconds, boolean skipCatchup, int entities, long batches,
            int batchInFlight, boolean skipBatches, String commandLine) {
        public Options {
            Objects.requireNonNull(commandLine, "commandLine");
            if (saves < 1 || concurrency < 1 || payloadBytes < 200 || keys < 1 || worlds < 1 || rate < 1 || latencySeconds < 1
                    || loadThreads < 1 || loadKeys < 1 || loadSeconds < 1 || warmupSeconds < 0 || entities < 1 || batches < 1
                    || batchInFlight < 1) {
                throw new IllegalArgumentException("every count and duration >= 1 (payloadBytes >= 200), warmupSeconds >= 0");
            }
        }
    }

    private final Options o;
    private final PrintWriter out;
    private final Consumer<String> progress;

    /**
     * @param options what to measure; not null
     * @param out where the markdown report goes; not null; flushed at the end, not closed
     * @param progress receives one line per step (without a trailing newline), e.g. to show on stderr; not null
     */
    public InProcessBench(Options options, PrintWriter out, Consumer<String> progress) {
        this.o = Objects.requireNonNull(options, "options");
        this.out = Objects.requireNonNull(out, "out");
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    /**
     * Opens node A, runs (a) to (d), then (e) and (f) on node B, and prints the report. Blocks for the whole run. Node A's data
     * goes to a temporary folder unless {@code data.dir} is set; Kafka is the embedded broker on a
     * free port unless {@code kafka.bootstrap.servers} is set, and on an external cluster without
     * {@code kafka.topic} the run uses a topic of its own, deleted afterwards. (d) opens a fresh node
     * on the same topic. Node B, on the same Kafka, writes the batches of (e) to a topic of its own
     * (node A's topic name plus {@code .batches}; deleted afterwards on an external cluster), and (f)
     * opens a fresh node on that. Every node is closed and the temporary folder removed before returning.
     *
     * @param storeSettings the store configuration keys the caller set explicitly ({@link WorldStoreConfig}
     *     keys and {@code kafka.*} pass-through keys, by name); not null, may be empty
     * @return the number of failed saves and batch saves; 0 when all succeeded (the report names the first failure)
     * @throws dev.worldstore.ConfigException if the settings are invalid
     * @throws dev.worldstore.WorldStoreException if a node cannot open or a wait for the projection times out
     * @throws IllegalStateException if a fresh node's projector fails in (d) or (f), or (f)'s node misses the last batch
     * @throws IOException if the temporary folder cannot be created
     * @throws InterruptedException if the calling thread is interrupted
     */
    public long run(Map<String, String> storeSettings) throws IOException, InterruptedException {
        NodeConfig settings = NodeConfig.of(storeSettings);
        boolean tempDir = !settings.isSet(WorldStoreConfig.DATA_DIR.name());
        Path base = tempDir ? Files.createTempDirectory("worldstore-bench-") : settings.config().dataDir();
        String run = UUID.randomUUID().toString().substring(0, 6);
        boolean external = !settings.config().embeddedKafka();
        boolean ownTopic = external && !settings.isSet(WorldStoreConfig.KAFKA_TOPIC.name());
        NodeConfig sa;
        try {
            sa = settings.benchNode(base.resolve("bench-a"), "bench-a", ownTopic ? "worldstore.bench." + run : null,
                    o.payloadBytes());
        } catch (RuntimeException e) {
            if (tempDir) {
                Dirs.deleteRecursively(base);
            }
            throw e;
        }
        WorldStoreConfig config = sa.config();
        List<String[]> rows = new ArrayList<>();
        WorldStore a = null;
        NodeConfig sb = null;
        try {
            progress.accept("opening node A (" + (external ? "Kafka " + config.get(WorldStoreConfig.KAFKA_BOOTSTRAP_SERVERS)
                    : "embedded broker") + ", data in " + base + ")");
            a = WorldStores.open(config, new SimpleMeterRegistry(), Clock.systemUTC());
            NodeOperations node = a.operations();
            BenchWriter w = new BenchWriter(a, node.partitions(), new Payloads(o.payloadBytes(), 64), o.worlds());

            if (o.warmupSeconds() > 0) {
                progress.accept("warm-up: " + o.warmupSeconds() + " s of saves and loads (not measured)");
                LoadPhases.warmUp(w, o.warmupSeconds(), o.keys(), o.concurrency());
                w.awaitProjection();
            }

            progress.accept("(a) save throughput: " + Latency.count(o.saves()) + " saves, " + o.concurrency() + " in flight");
            Phase pa = w.run(o.saves(), o.concurrency(), i -> i % o.keys());
            rows.add(row("save throughput, " + o.concurrency() + " in flight", pa));
            // saves complete when Kafka acknowledged them: how far the projection was behind then
            long projAStart = System.nanoTime();
            w.awaitProjection();
            long projA = System.nanoTime() - projAStart;

            progress.accept("(b) save latency at " + Latency.count(o.rate()) + "/s for " + o.latencySeconds() + " s");
            Phase pb = w.fixedRate(o.rate(), o.latencySeconds(), o.keys());
            rows.add(row("save latency at " + Latency.count(o.rate()) + "/s offered (from intended send time)", pb));
            w.awaitProjection();

            long filled = Math.min(o.saves(), o.keys());
            if (o.loadKeys() > filled) {
                long n = o.loadKeys() - filled;
                progress.accept("(c) pre-filling " + Latency.count(n) + " more players for the load run");
                Phase pf = w.run(n, o.concurrency(), i -> filled + i);
                rows.add(row("pre-fill saves, " + o.concurrency() + " in flight", pf));
            }
            long projStart = System.nanoTime();
            w.awaitProjection();
            long projWait = System.nanoTime() - projStart;

            progress.accept("(c) loads: " + o.loadThreads() + " threads over " + Latency.count(o.loadKeys()) + " players, "
                    + o.loadSeconds() + " s" + (o.warmupSeconds() > 0 ? " after " + o.warmupSeconds() + " s warm-up" : ""));
            Phase pc = LoadPhases.loads(a, o.worlds(), o.loadThreads(), o.loadKeys(), o.warmupSeconds(), o.loadSeconds(), progress);
            rows.add(row("load, LOCAL, " + o.loadThreads() + " threads, random of " + Latency.count(o.loadKeys()) + " keys", pc));

            if (!o.skipCatchup()) {
                rows.add(catchUp(node, sa.with("data.dir", base.resolve("bench-c").toString()).with("node.id", "bench-c")
                        .with("kafka.bootstrap.servers", node.bootstrapServers())));
            }

            BatchPhases.Outcome batches = null;
            if (!o.skipBatches()) {
                sb = sa.with("data.dir", base.resolve("bench-b").toString()).with("node.id", "bench-b")
                        .with("kafka.bootstrap.servers", node.bootstrapServers())
                        .with(WorldStoreConfig.KAFKA_TOPIC.name(), node.topic() + ".batches");
                batches = BatchPhases.run(o, sb, sb.with("data.dir", base.resolve("bench-f").toString()).with("node.id", "bench-f"),
                        progress);
                rows.addAll(batches.rows());
            }

            out.println("## worldstore bench");
            out.println();
            out.println("- command: `worldstore bench" + o.commandLine() + "`");
            out.println("- machine: " + Machine.describe());
            out.println("- kafka: " + (external ? "external cluster " + config.get(WorldStoreConfig.KAFKA_BOOTSTRAP_SERVERS)
                    : "embedded single-node broker in the same JVM (no fsync per message)") + ", topic "
                    + config.get(WorldStoreConfig.KAFKA_TOPIC) + ", " + node.partitions() + " partitions, acks=all, idempotent, linger "
                    + config.get(WorldStoreConfig.PRODUCER_LINGER_MS) + " ms, "
                    + config.get(WorldStoreConfig.PRODUCER_COMPRESSION));
            out.println("- data: " + Latency.count(o.payloadBytes()) + "-byte player states, " + Latency.count(o.keys()) + " players (a, b) and "
                    + Latency.count(o.loadKeys()) + " (c) over " + o.worlds() + " worlds; warm-up " + o.warmupSeconds()
                    + " s; projection caught up " + Latency.seconds(projA) + " after the last save of (a) and "
                    + Latency.seconds(projWait) + " after the last pre-fill save");
            if (batches != null) {
                out.println("- world transactions: " + batches.facts());
            }
            out.println();
            out.println("| measurement | ops | time | throughput | p50 | p99 | p99.9 | max |");
            out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
            for (String[] r : rows) {
                out.println("| " + String.join(" | ", r) + " |");
            }
            if (batches != null) {
                out.println();
                out.println("Targets (issue 11): projector catch-up of batch events ≥ " + Latency.count((long) BatchPhases.TARGET_CATCHUP_CHANGES)
                        + " changes/s (opening the node included): " + (batches.catchUp() == null ? "not measured (--skip-catchup)"
                                : String.format(Locale.ROOT, "%,.0f changes/s ", batches.catchUpChangesPerSecond())
                                        + (batches.catchUpChangesPerSecond() >= BatchPhases.TARGET_CATCHUP_CHANGES ? "met" : "NOT met"))
                        + "; batch saves ≥ 150,000 changes/s over HTTP with 8 connections: see `worldstore bench --http`.");
            }
            long failed = w.failures.get();
            if (failed > 0) {
                out.println();
                out.println("Failed saves: " + Latency.count(failed) + " (first: " + w.firstFailure.get() + ")");
            }
            if (batches != null && batches.failures() > 0) {
                out.println();
                out.println("Failed batch saves: " + Latency.count(batches.failures()) + " (first: " + batches.firstFailure() + ")");
                failed += batches.failures();
            }
            out.flush();
            return failed;
        } finally {
            if (a != null) {
                String bootstrap = a.operations().bootstrapServers();
                a.close();
                if (ownTopic) {
                    Topics.delete(bootstrap, config);
                }
                if (external && sb != null) {
                    Topics.delete(bootstrap, sb.config());
                }
            }
            if (tempDir) {
                Dirs.deleteRecursively(base);
            }
        }
    }

    /** (d): a fresh node with {@code fresh}'s settings on node A's topic, timed until its projector is live with no lag. */
    private String[] catchUp(NodeOperations node, NodeConfig fresh) throws InterruptedException {
        long events = 0;
        for (long next : node.appliedOffsets()) {
            events += next;
        }
        progress.accept("(d) projector catch-up: fresh node on the same topic, " + Latency.count(events) + " events");
        CatchUpRun run = CatchUpRun.measure(fresh, c -> { });
        return new String[] {"projector catch-up, fresh node (open " + Latency.seconds(run.openNanos()) + " incl.)",
                Latency.count(events) + " events", Latency.seconds(run.nanos()),
                String.format(Locale.ROOT, "%,.0f events/s", events / (run.nanos() / 1e9)), "", "", "", ""};
    }

    private static String[] row(String name, Phase p) {
        Histogram h = p.latency();
        return new String[] {name, Latency.count(p.ops()), Latency.seconds(p.nanos()), Latency.rate(p.ops() / (p.nanos() / 1e9)),
                Latency.p(h, 50), Latency.p(h, 99), Latency.p(h, 99.9), Latency.max(h)};
    }
}
