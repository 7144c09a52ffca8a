package dev.worldstore.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.Change;
import dev.worldstore.ConfigException;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.ProjectorState;
import dev.worldstore.ReadConsistency;
import dev.worldstore.Saved;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.Json;
import dev.worldstore.http.HttpConfig;
import dev.worldstore.http.HttpServer;
import dev.worldstore.loadgen.HttpApiBench;
import dev.worldstore.loadgen.HttpServerStarter;
import dev.worldstore.loadgen.Latency;
import dev.worldstore.projector.WorldStores;
import dev.worldstore.NodeOperations;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures save throughput, save latency at a fixed rate (coordinated-omission corrected), load
 * throughput and latency, and projector catch-up of a fresh node, and prints a markdown table.
 *
 * <p>Memory stays bounded whatever the counts: in-flight saves are capped by a semaphore, payloads
 * are a fixed set of prebuilt variants, latencies go into fixed-size HdrHistograms.
 *
 * <p>With {@code --http} it benchmarks the HTTP API instead ({@link HttpApiBench}).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        description = "Benchmark saves and loads against a fresh embedded broker (free port, temp dir) or --kafka.bootstrap.servers: "
                + "(a) save throughput with N async saves in flight, (b) save latency at a fixed offered rate, measured from the "
                + "intended send time, (c) local load throughput and latency, (d) projector catch-up of a fresh node. "
                + "Progress goes to stderr, the results table (markdown) to stdout.",
        footer = {"", "With --http: benchmark the HTTP API instead, over keep-alive connections: GETs and PUTs of player states at "
                + "the maximum rate, then each at half its measured maximum for latency. Against --url, or by default an "
                + "in-process node (the store as above, the HTTP server on a free loopback port, auth and access log off). "
                + "Options of the measurements above do not apply; --payload-bytes, --keys (players; default 10000, quick 500), "
                + "--quick, --verbose and the store keys do.",
                "Exit codes: 0 done, 1 failed (or some saves/requests failed), 2 usage or configuration error."})
final class BenchCommand extends StoreCommand {

    @Option(names = "--saves", paramLabel = "N", description = "(a) Saves to time. Default: 200000 (quick: 5000).")
    Long saves;

    @Option(names = "--concurrency", paramLabel = "N", description = "(a) Async saves in flight. Default: 256 (quick: 64).")
    Integer concurrency;

    @Option(names = "--payload-bytes", paramLabel = "N", description = "Size of each saved player state (JSON). Default: 1024.")
    Integer payloadBytes;

    @Option(names = "--keys", paramLabel = "N",
            description = "(a)(b) Distinct players written. Default: 100000 (quick: 1000); with --http 10000 (quick: 500).")
    Integer keys;

    @Option(names = "--worlds", paramLabel = "N", description = "Worlds the players are spread over. Default: 64.")
    Integer worlds;

    @Option(names = "--rate", paramLabel = "N", description = "(b) Offered saves per second. Default: 5000 (quick: 1000).")
    Integer rate;

    @Option(names = "--latency-seconds", paramLabel = "N", description = "(b) Duration of the fixed-rate run. Default: 10 (quick: 2).")
    Integer latencySeconds;

    @Option(names = "--load-threads", paramLabel = "N", description = "(c) Threads loading. Default: 2.")
    Integer loadThreads;

    @Option(names = "--load-keys", paramLabel = "N",
            description = "(c) Players loaded at random (pre-filled with async saves first). Default: 1000000 (quick: 5000).")
    Integer loadKeys;

    @Option(names = "--load-seconds", paramLabel = "N", description = "(c) Duration of the measured load run. Default: 10 (quick: 2).")
    Integer loadSeconds;

    @Option(names = "--warmup-seconds", paramLabel = "N",
            description = "Unmeasured warm-up (saves and loads) before measuring, and before the load run. Default: 5 (quick: 1).")
    Integer warmupSeconds;

    @Option(names = "--skip-catchup", description = "(d) Skip the projector catch-up measurement.")
    boolean skipCatchup;

    @Option(names = "--quick", description = "A tiny smoke run (seconds): small counts and durations for every option not given.")
    boolean quick;

    @Option(names = "--http", description = "Benchmark the HTTP API instead (see below).")
    boolean http;

    @Option(names = "--url", paramLabel = "URL",
            description = "(--http) The API of a running node, e.g. http://127.0.0.1:8080; it gets a bench-http-* world. "
                    + "Default: an in-process node.")
    String url;

    @Option(names = "--api-key", paramLabel = "KEY", description = "(--http --url) API key with write access, sent as a bearer token.")
    String apiKey;

    @Option(names = "--http-concurrency", paramLabel = "N",
            description = "(--http) Keep-alive connections, each with one request in flight. Default: 32 (quick: 8).")
    Integer httpConcurrency;

    @Option(names = "--http-seconds", paramLabel = "N", description = "(--http) Measured duration of each of the 4 runs. Default: 10 (quick: 2).")
    Integer httpSeconds;

    @Option(names = "--http-warmup-seconds", paramLabel = "N",
            description = "(--http) Unmeasured warm-up before each run. Default: 5 (quick: 1).")
    Integer httpWarmupSeconds;

    /** Options of the Java-API measurements, refused with --http; and of the HTTP mode, refused without it. */
    private static final List<String> STORE_ONLY = List.of("--saves", "--concurrency", "--worlds", "--rate", "--latency-seconds",
            "--load-threads", "--load-keys", "--load-seconds", "--warmup-seconds", "--skip-catchup");
    private static final List<String> HTTP_ONLY = List.of("--url", "--api-key", "--http-concurrency", "--http-seconds",
            "--http-warmup-seconds");

    private long nSaves;
    private int nConcurrency;
    private int nPayload;
    private int nKeys;
    private int nWorlds;
    private int nRate;
    private int nLatencySeconds;
    private int nLoadThreads;
    private int nLoadKeys;
    private int nLoadSeconds;
    private int nWarmup;

    private void resolveOptions() {
        nSaves = or(saves, 200_000L, 5_000L);
        nConcurrency = or(concurrency, 256, 64);
        nPayload = or(payloadBytes, 1024, 1024);
        nKeys = or(keys, 100_000, 1_000);
        nWorlds = or(worlds, 64, 64);
        nRate = or(rate, 5_000, 1_000);
        nLatencySeconds = or(latencySeconds, 10, 2);
        nLoadThreads = or(loadThreads, 2, 2);
        nLoadKeys = or(loadKeys, 1_000_000, 5_000);
        nLoadSeconds = or(loadSeconds, 10, 2);
        nWarmup = or(warmupSeconds, 5, 1);
        check("--saves", nSaves, 1, 1_000_000_000L);
        check("--concurrency", nConcurrency, 1, 100_000);
        check("--payload-bytes", nPayload, 200, 32 * 1024 * 1024);
        check("--keys", nKeys, 1, 100_000_000);
        check("--worlds", nWorlds, 1, 100_000);
        check("--rate", nRate, 1, 10_000_000);
        check("--latency-seconds", nLatencySeconds, 1, 3_600);
        check("--load-threads", nLoadThreads, 1, 1_024);
        check("--load-keys", nLoadKeys, 1, 1_000_000_000);
        check("--load-seconds", nLoadSeconds, 1, 3_600);
        check("--warmup-seconds", nWarmup, 0, 3_600);
    }

    private <T> T or(T given, T normal, T quickValue) {
        return given != null ? given : quick ? quickValue : normal;
    }

    private static void check(String option, long v, long min, long max) {
        if (v < min || v > max) {
            throw new ConfigException(option, "must be between " + min + " and " + max + ", was " + v);
        }
    }

    @Override
    public Integer call() throws Exception {
        var parsed = spec.commandLine().getParseResult();
        for (String o : http ? STORE_ONLY : HTTP_ONLY) {
            if (parsed.hasMatchedOption(o)) {
                throw new ConfigException(o, http ? "does not apply to bench --http" : "needs --http");
            }
        }
        if (http) {
            return callHttp();
        }
        resolveOptions();
        Settings settings = settings();
        boolean tempDir = !settings.isSet(WorldStoreConfig.DATA_DIR.name());
        Path base = tempDir ? Files.createTempDirectory("worldstore-bench-") : settings.storeConfig().dataDir();
        String run = UUID.randomUUID().toString().substring(0, 6);
        boolean external = !settings.storeConfig().embeddedKafka();
        boolean ownTopic = external && !settings.isSet(WorldStoreConfig.KAFKA_TOPIC.name());
        Settings sa = settings.with("data.dir", base.resolve("bench-a").toString()).with("node.id", "bench-a")
                .withDefault("kafka.embedded.port", "0")
                .withDefault(WorldStoreConfig.KAFKA_TOPIC.name(), ownTopic ? "worldstore.bench." + run : "worldstore.changes");
        if (Integer.parseInt(sa.storeConfig().get(WorldStoreConfig.VALUE_MAX_BYTES)) < nPayload + 1024) {
            sa = sa.with(WorldStoreConfig.VALUE_MAX_BYTES.name(), Integer.toString(nPayload + 1024));
        }
        PrintWriter out = out();
        List<String[]> rows = new ArrayList<>();
        WorldStore a = null;
        Logging quietLogs = Logging.quiet(verbose);
        try {
            progress("opening node A (" + (external ? "Kafka " + sa.storeConfig().get(WorldStoreConfig.KAFKA_BOOTSTRAP_SERVERS)
                    : "embedded broker") + ", data in " + base + ")");
            a = WorldStores.open(sa.storeConfig(), new SimpleMeterRegistry(), Clock.systemUTC());
            NodeOperations node = a.operations();
            Writer w = new Writer(a, node.partitions(), new Payloads(nPayload, 64), nWorlds);

            if (nWarmup > 0) {
                progress("warm-up: " + nWarmup + " s of saves and loads (not measured)");
                warmUp(w, nWarmup);
                w.awaitProjection();
            }

            progress("(a) save throughput: " + Latency.count(nSaves) + " saves, " + nConcurrency + " in flight");
            Phase pa = w.run(nSaves, nConcurrency, i -> i % nKeys);
            rows.add(row("save throughput, " + nConcurrency + " in flight", pa.ops, pa.nanos, "/s", pa.latency));
            w.awaitProjection();

            progress("(b) save latency at " + Latency.count(nRate) + "/s for " + nLatencySeconds + " s");
            Phase pb = w.fixedRate(nRate, nLatencySeconds, nKeys);
            rows.add(row("save latency at " + Latency.count(nRate) + "/s offered (from intended send time)", pb.ops, pb.nanos, "/s",
                    pb.latency));
            w.awaitProjection();

            long filled = Math.min(nSaves, nKeys);
            if (nLoadKeys > filled) {
                long n = nLoadKeys - filled;
                progress("(c) pre-filling " + Latency.count(n) + " more players for the load run");
                Phase pf = w.run(n, nConcurrency, i -> filled + i);
                rows.add(row("pre-fill saves, " + nConcurrency + " in flight", pf.ops, pf.nanos, "/s", pf.latency));
            }
            long projStart = System.nanoTime();
            w.awaitProjection();
            long projWait = System.nanoTime() - projStart;

            progress("(c) loads: " + nLoadThreads + " threads over " + Latency.count(nLoadKeys) + " players, " + nLoadSeconds + " s"
                    + (nWarmup > 0 ? " after " + nWarmup + " s warm-up" : ""));
            Phase pc = loads(a, nLoadThreads, nLoadKeys, nWarmup, nLoadSeconds);
            rows.add(row("load, LOCAL, " + nLoadThreads + " threads, random of " + Latency.count(nLoadKeys) + " keys", pc.ops, pc.nanos,
                    "/s", pc.latency));

            if (!skipCatchup) {
                long events = 0;
                for (long next : node.appliedOffsets()) {
                    events += next;
                }
                progress("(d) projector catch-up: fresh node on the same topic, " + Latency.count(events) + " events");
                Settings sc = sa.with("data.dir", base.resolve("bench-c").toString()).with("node.id", "bench-c")
                        .with("kafka.bootstrap.servers", node.bootstrapServers());
                long t0 = System.nanoTime();
                try (WorldStore c = WorldStores.open(sc.storeConfig(), new SimpleMeterRegistry(), Clock.systemUTC())) {
                    long opened = System.nanoTime() - t0;
                    while (!(c.projectorLag() == 0 && c.projectorState() == ProjectorState.LIVE)) {
                        if (c.projectorState() == ProjectorState.FAILED) {
                            throw new IllegalStateException("the fresh node's projector failed");
                        }
                        TimeUnit.MILLISECONDS.sleep(20);
                    }
                    long took = System.nanoTime() - t0;
                    rows.add(new String[] {"projector catch-up, fresh node (open " + Latency.seconds(opened) + " incl.)",
                            Latency.count(events) + " events", Latency.seconds(took), String.format(Locale.ROOT, "%,.0f events/s", events / (took / 1e9)),
                            "", "", "", ""});
                }
            }

            out.println("## worldstore bench");
            out.println();
            out.println("- command: `worldstore bench" + args() + "`");
            out.println("- machine: " + machine());
            out.println("- kafka: " + (external ? "external cluster " + sa.storeConfig().get(WorldStoreConfig.KAFKA_BOOTSTRAP_SERVERS)
                    : "embedded single-node broker in the same JVM (no fsync per message)") + ", topic "
                    + sa.storeConfig().get(WorldStoreConfig.KAFKA_TOPIC) + ", " + node.partitions() + " partitions, acks=all, idempotent, linger "
                    + sa.storeConfig().get(WorldStoreConfig.PRODUCER_LINGER_MS) + " ms, "
                    + sa.storeConfig().get(WorldStoreConfig.PRODUCER_COMPRESSION));
            out.println("- data: " + Latency.count(nPayload) + "-byte player states, " + Latency.count(nKeys) + " players (a, b) and "
                    + Latency.count(nLoadKeys) + " (c) over " + nWorlds + " worlds; warm-up " + nWarmup + " s; projection caught up "
                    + Latency.seconds(projWait) + " after the last pre-fill save");
            out.println();
            out.println("| measurement | ops | time | throughput | p50 | p99 | p99.9 | max |");
            out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
            for (String[] r : rows) {
                out.println("| " + String.join(" | ", r) + " |");
            }
            long failed = w.failures.get();
            if (failed > 0) {
                out.println();
                out.println("Failed saves: " + Latency.count(failed) + " (first: " + w.firstFailure.get() + ")");
            }
            out.flush();
            return failed > 0 ? Main.EXIT_FAILURE : Main.EXIT_OK;
        } finally {
            if (a != null) {
                String bootstrap = a.operations().bootstrapServers();
                a.close();
                if (ownTopic) {
                    deleteTopic(bootstrap, sa);
                }
            }
            if (tempDir) {
                DemoCommand.deleteRecursively(base);
            }
            quietLogs.close();
        }
    }

    private int callHttp() throws IOException, InterruptedException {
        int players = or(keys, 10_000, 500);
        int payload = or(payloadBytes, 1024, 1024);
        int conc = or(httpConcurrency, 32, 8);
        int seconds = or(httpSeconds, 10, 2);
        int warmup = or(httpWarmupSeconds, 5, 1);
        check("--keys", players, 1, 10_000_000);
        check("--payload-bytes", payload, 200, 32 * 1024 * 1024);
        check("--http-concurrency", conc, 1, 10_000);
        check("--http-seconds", seconds, 1, 3_600);
        check("--http-warmup-seconds", warmup, 0, 3_600);
        java.net.URI target = null;
        if (url != null) {
            try {
                target = java.net.URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--url", "is not a URL: " + e.getMessage());
            }
            if (!("http".equalsIgnoreCase(target.getScheme()) || "https".equalsIgnoreCase(target.getScheme())) || target.getHost() == null
                    || (target.getPath() != null && !target.getPath().isEmpty() && !target.getPath().equals("/"))) {
                throw new ConfigException("--url", "must be http://host:port or https://host:port (no path), was '" + url + "'");
            }
        } else if (apiKey != null) {
            throw new ConfigException("--api-key", "needs --url (the in-process node runs with auth off)");
        }
        Settings settings = settings();
        HttpApiBench.Options o = new HttpApiBench.Options(target, apiKey, conc, seconds, warmup, players, payload, args());
        Logging logs = Logging.quiet(verbose).set("dev.worldstore.http.access", ch.qos.logback.classic.Level.WARN);
        if (!verbose) {
            logs.set(HttpServer.class.getName(), ch.qos.logback.classic.Level.ERROR); // the bench's own auth-off banner
        }
        try {
            long failed = new HttpApiBench(o, out(), this::progress).run(settings.explicitStoreValues(), BenchCommand::startHttpServer);
            return failed > 0 ? Main.EXIT_FAILURE : Main.EXIT_OK;
        } catch (HttpApiBench.RunFailedException e) {
            throw new CliFailure(e.getMessage(), e);
        } finally {
            logs.close();
        }
    }

    /** The in-process node's HTTP API for {@code bench --http}: a free loopback port, auth off. */
    private static HttpServerStarter.Running startHttpServer(WorldStore store, Path dataDir, PrometheusMeterRegistry registry) {
        HttpServer server = HttpServer.start(store, HttpConfig.of(Map.of("http.port", "0", "http.auth.enabled", "false")), dataDir,
                registry);
        return new HttpServerStarter.Running() {
            @Override
            public java.net.URI uri() {
                return server.uri();
            }

            @Override
            public void close() {
                server.close();
            }
        };
    }

    /** The arguments after {@code bench}, for the report; secrets (an API key) are masked. */
    String args() {
        List<String> original = spec.commandLine().getParseResult().originalArgs();
        StringBuilder b = new StringBuilder();
        boolean seen = false;
        boolean maskNext = false;
        for (String s : original) {
            if (seen) {
                b.append(' ').append(maskNext ? "***" : s.startsWith("--api-key=") ? "--api-key=***" : s);
                maskNext = s.equals("--api-key");
            } else if (s.equals("bench")) {
                seen = true;
            }
        }
        return b.toString();
    }

    private void progress(String line) {
        err().println("bench: " + line);
        err().flush();
    }

    private static String[] row(String name, long ops, long nanos, String unit, Histogram h) {
        return new String[] {name, Latency.count(ops), Latency.seconds(nanos), Latency.rate(ops / (nanos / 1e9)),
                Latency.p(h, 50), Latency.p(h, 99), Latency.p(h, 99.9), Latency.max(h)};
    }

    static String machine() {
        Runtime rt = Runtime.getRuntime();
        String cpu = "";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith("model name")) {
                    cpu = " (" + line.substring(line.indexOf(':') + 1).trim() + ")";
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        String load = "";
        try {
            String[] avg = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.UTF_8).trim().split("\\s+");
            load = ", load average " + avg[0] + " (1 min) when the report was printed"; // other work on the machine skews the numbers
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return String.format(Locale.ROOT, "%d cores%s, max heap %.1f GiB, Java %s (%s), %s %s %s%s", rt.availableProcessors(), cpu,
                rt.maxMemory() / (1024.0 * 1024 * 1024), Runtime.version(), System.getProperty("java.vendor"),
                System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("os.arch"), load);
    }

    static void deleteTopic(String bootstrap, Settings s) {
        Properties p = new Properties();
        p.putAll(s.storeConfig().kafkaClientOverrides());
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        String topic = s.storeConfig().get(WorldStoreConfig.KAFKA_TOPIC);
        try (Admin admin = Admin.create(p)) {
            admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("warning: could not delete the bench topic " + topic + ": " + e.getMessage());
        }
    }

    // ---- phases ---------------------------------------------------------------------------------

    private void warmUp(Writer w, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        Thread loader = new Thread(() -> {
            while (System.nanoTime() < deadline) {
                long i = ThreadLocalRandom.current().nextLong(nKeys);
                w.store.read(w.key(i), ReadConsistency.LOCAL);
            }
        }, "bench-warmup-loads");
        loader.setDaemon(true);
        loader.start();
        w.runUntil(deadline, nConcurrency, i -> ThreadLocalRandom.current().nextLong(nKeys));
        loader.join();
    }

    private Phase loads(WorldStore store, int threads, int keyCount, int warmup, int seconds) throws InterruptedException {
        Writer keys = new Writer(store, 1, null, nWorlds);
        long warmEnd = System.nanoTime() + warmup * 1_000_000_000L;
        long end = warmEnd + seconds * 1_000_000_000L;
        Histogram[] hs = new Histogram[threads];
        long[] counts = new long[threads];
        long[] misses = new long[threads];
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int n = t;
            hs[t] = Latency.histogram();
            Thread th = new Thread(() -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                long now = System.nanoTime();
                while (now < end) {
                    Key k = keys.key(rnd.nextLong(keyCount));
                    boolean found = store.read(k, ReadConsistency.LOCAL).isPresent();
                    long after = System.nanoTime();
                    if (now >= warmEnd) {
                        Latency.record(hs[n], after - now);
                        counts[n]++;
                        misses[n] += found ? 0 : 1;
                    }
                    now = after;
                }
            }, "bench-load-" + t);
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) {
            th.join();
        }
        Histogram all = Latency.histogram();
        long total = 0;
        long missed = 0;
        for (int t = 0; t < threads; t++) {
            all.add(hs[t]);
            total += counts[t];
            missed += misses[t];
        }
        if (missed > 0) {
            progress("warning: " + Latency.count(missed) + " loads found no value (the pre-fill did not cover every key)");
        }
        return new Phase(total, seconds * 1_000_000_000L, all);
    }

    record Phase(long ops, long nanos, Histogram latency) {
    }

    /** Issues saves and tracks, per partition, the highest acknowledged offset so the projection can be awaited. */
    static final class Writer {
        final WorldStore store;
        final Payloads payloads;
        final int worlds;
        final AtomicLongArray highest;
        final AtomicLong failures = new AtomicLong();
        final AtomicReference<String> firstFailure = new AtomicReference<>();

        Writer(WorldStore store, int partitions, Payloads payloads, int worlds) {
            this.store = store;
            this.payloads = payloads;
            this.worlds = worlds;
            this.highest = new AtomicLongArray(partitions);
            for (int p = 0; p < partitions; p++) {
                highest.set(p, -1);
            }
        }

        Key.PlayerState key(long i) {
            return new Key.PlayerState("bench-w" + (i % worlds), "p" + i);
        }

        CompletableFuture<Saved> save(long i) {
            return store.writeAsync(Change.put(key(i), payloads.get(i)));
        }

        private void done(Saved s, Throwable error) {
            if (error != null) {
                failures.incrementAndGet();
                Throwable e = error.getCause() != null && error instanceof java.util.concurrent.CompletionException ? error.getCause() : error;
                firstFailure.compareAndSet(null, e.toString());
            } else {
                highest.accumulateAndGet(s.position().partition(), s.position().offset(), Math::max);
            }
        }

        /** {@code n} saves of keys {@code index(0..n-1)} with at most {@code inFlight} outstanding. */
        Phase run(long n, int inFlight, LongFunction<Long> index) throws InterruptedException {
            ConcurrentHistogram h = Latency.concurrent();
            Semaphore permits = new Semaphore(inFlight);
            long start = System.nanoTime();
            for (long i = 0; i < n; i++) {
                permits.acquire();
                long sent = System.nanoTime();
                save(index.apply(i)).whenComplete((s, e) -> {
                    Latency.record(h, System.nanoTime() - sent);
                    done(s, e);
                    permits.release();
                });
            }
            permits.acquire(inFlight);
            long nanos = System.nanoTime() - start;
            Histogram copy = Latency.histogram();
            copy.add(h);
            return new Phase(n, nanos, copy);
        }

        void runUntil(long deadline, int inFlight, LongFunction<Long> index) throws InterruptedException {
            Semaphore permits = new Semaphore(inFlight);
            for (long i = 0; System.nanoTime() < deadline; i++) {
                permits.acquire();
                save(index.apply(i)).whenComplete((s, e) -> {
                    done(s, e);
                    permits.release();
                });
            }
            permits.acquire(inFlight);
        }

        /**
         * Offers {@code rate} saves per second for {@code seconds}; each latency is measured from the
         * save's intended send time, so a stalled sender or store is charged in full (no
         * coordinated omission).
         */
        Phase fixedRate(int rate, int seconds, int keyCount) throws InterruptedException {
            ConcurrentHistogram h = Latency.concurrent();
            long n = (long) rate * seconds;
            int cap = 100_000;
            Semaphore permits = new Semaphore(cap);
            Random rnd = new Random(42);
            long start = System.nanoTime() + 1_000_000;
            for (long i = 0; i < n; i++) {
                long intended = start + (long) (i * (1e9 / rate));
                long now;
                while ((now = System.nanoTime()) < intended) {
                    LockSupport.parkNanos(intended - now);
                }
                permits.acquire();
                save(rnd.nextInt(keyCount)).whenComplete((s, e) -> {
                    Latency.record(h, System.nanoTime() - intended);
                    done(s, e);
                    permits.release();
                });
            }
            permits.acquire(cap);
            long nanos = System.nanoTime() - start;
            Histogram copy = Latency.histogram();
            copy.add(h);
            return new Phase(n, nanos, copy);
        }

        /** Waits until this node's projection includes every acknowledged save. */
        void awaitProjection() {
            for (int p = 0; p < highest.length(); p++) {
                long o = highest.get(p);
                if (o >= 0) {
                    store.awaitPosition(new LogPosition(p, o), Duration.ofMinutes(10));
                }
            }
        }
    }

    /** A fixed set of player states of one serialized size, built once (so memory stays bounded). */
    static final class Payloads {
        private final ObjectNode[] variants;

        Payloads(int bytes, int count) {
            Random rnd = new Random(7);
            variants = new ObjectNode[count];
            for (int v = 0; v < count; v++) {
                variants[v] = build(bytes, rnd);
            }
        }

        ObjectNode get(long i) {
            return variants[(int) (i % variants.length)];
        }

        static ObjectNode build(int bytes, Random rnd) {
            ObjectNode s = Json.object();
            s.set("position", Json.object().put("x", rnd.nextInt(1000)).put("y", rnd.nextInt(100)).put("z", rnd.nextInt(1000)));
            s.set("rotation", Json.object().put("x", 0).put("y", Math.round(rnd.nextDouble() * 100) / 100.0).put("z", 0).put("w", 1));
            s.put("health", rnd.nextInt(101)).put("mana", rnd.nextInt(51));
            ObjectNode skills = s.putObject("skills");
            skills.putObject("combat").put("level", rnd.nextInt(50)).put("xp", rnd.nextInt(100_000));
            skills.putObject("magic").put("level", rnd.nextInt(50)).put("xp", rnd.nextInt(100_000));
            ArrayNode inv = s.putArray("inventory");
            while (true) {
                ObjectNode item = Json.object().put("itemId", "item-" + rnd.nextInt(5000)).put("quantity", 1 + rnd.nextInt(99))
                        .put("durability", rnd.nextInt(101));
                if (size(s) + size(item) + 1 + 12 > bytes) {
                    break;
                }
                inv.add(item);
            }
            int left = bytes - size(s) - ",\"note\":\"\"".length();
            StringBuilder note = new StringBuilder();
            while (note.length() < left) {
                note.append((char) ('a' + rnd.nextInt(26)));
            }
            s.put("note", note.toString());
            return s;
        }

        private static int size(ObjectNode n) {
            return Json.bytes(n).length;
        }
    }
}
