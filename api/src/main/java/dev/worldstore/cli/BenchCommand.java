package dev.worldstore.cli;

import dev.worldstore.ConfigException;
import dev.worldstore.WorldStore;
import dev.worldstore.http.HttpConfig;
import dev.worldstore.http.HttpServer;
import dev.worldstore.loadgen.HttpApiBench;
import dev.worldstore.loadgen.HttpServerStarter;
import dev.worldstore.loadgen.InProcessBench;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code worldstore bench}: its options, their defaults and checks, the log levels and the exit
 * code. The measurements are the loadgen module's: {@link InProcessBench} (save throughput, save
 * latency at a fixed rate, loads, projector catch-up, batch saves and catch-up over batches through
 * the Java API) and, with {@code --http},
 * {@link HttpApiBench} (the HTTP API, its in-process server started here with {@link HttpServer}).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        description = "Benchmark saves and loads against a fresh embedded broker (free port, temp dir) or --kafka.bootstrap.servers: "
                + "(a) save throughput with N async saves in flight, (b) save latency at a fixed offered rate, measured from the "
                + "intended send time, (c) local load throughput and latency, (d) projector catch-up of a fresh node, "
                + "(e) world transactions: batches of 100 Hyperfy-shaped entities (writeBatchAsync) with N in flight, on a topic "
                + "of their own, (f) projector catch-up of a fresh node over those batch events. "
                + "Progress goes to stderr, the results table (markdown) to stdout.",
        footer = {"", "With --http: benchmark the HTTP API instead, over keep-alive connections: GETs and PUTs of player states at "
                + "the maximum rate, then each at half its measured maximum for latency. Against --url, or by default an "
                + "in-process node (the store as above, the HTTP server on a free loopback port, auth and access log off). "
                + "Options of the measurements above do not apply; --payload-bytes, --keys (players; default 10000, quick 500), "
                + "--quick, --verbose and the store keys do.",
                "With --feed: benchmark the change feed's fan-out: per row (--feed-rows), subscribers on some worlds, then "
                + "--feed-rate saves/s for --feed-seconds over those worlds, each subscriber timing save start to event received and "
                + "counting what arrived 3 s after the last save; then --feed-idle idle subscribers and what they cost (heap after "
                + "GC, threads, RSS). Against --url or an in-process node.",
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

    @Option(names = "--skip-catchup", description = "(d)(f) Skip the projector catch-up measurements.")
    boolean skipCatchup;

    @Option(names = "--entities", paramLabel = "N",
            description = "(e)(f) Distinct Hyperfy-shaped entities (~220 bytes) the batches cycle through, rounded up to whole "
                    + "batches of 100. Default: 100000 (quick: 1000).")
    Integer entities;

    @Option(names = "--batches", paramLabel = "N", description = "(e) Batches of 100 entities to time. Default: 10000 (quick: 100).")
    Long batches;

    @Option(names = "--batch-in-flight", paramLabel = "N", description = "(e) Batches in flight. Default: 16.")
    Integer batchInFlight;

    @Option(names = "--skip-batches", description = "(e)(f) Skip the world-transaction measurements.")
    boolean skipBatches;

    @Option(names = "--quick", description = "A tiny smoke run (seconds): small counts and durations for every option not given.")
    boolean quick;

    @Option(names = "--http", description = "Benchmark the HTTP API instead (see below).")
    boolean http;

    @Option(names = "--feed", description = "Benchmark the change feed (SSE) fan-out instead (see below).")
    boolean feed;

    @Option(names = "--feed-rate", paramLabel = "N", description = "(--feed) Saves per second offered in each row. Default: 500 (quick: 100).")
    Integer feedRate;

    @Option(names = "--feed-seconds", paramLabel = "N", description = "(--feed) Measured seconds of saves per row. Default: 10 (quick: 2).")
    Integer feedSeconds;

    @Option(names = "--feed-rows", paramLabel = "WxS,...",
            description = "(--feed) Rows as worlds x subscribers per world. Default: 10x1,10x25,100x10 (quick: 10x1,10x10).")
    String feedRows;

    @Option(names = "--feed-idle", paramLabel = "N",
            description = "(--feed) Idle subscribers of the last row, over 100 worlds (0: none). Default: 9000 (quick: 500); "
                    + "in-process each costs two file descriptors.")
    Integer feedIdle;

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
            "--load-threads", "--load-keys", "--load-seconds", "--warmup-seconds", "--skip-catchup", "--entities", "--batches",
            "--batch-in-flight", "--skip-batches");
    private static final List<String> HTTP_ONLY = List.of("--http-concurrency", "--http-seconds",
            "--http-warmup-seconds");
    private static final List<String> FEED_ONLY = List.of("--feed-rate", "--feed-seconds", "--feed-rows", "--feed-idle");

    /** The options of the Java-API measurements, with the defaults (normal or --quick) of those not given, checked. */
    private InProcessBench.Options resolveOptions() {
        long nSaves = or(saves, 200_000L, 5_000L);
        int nConcurrency = or(concurrency, 256, 64);
        int nPayload = or(payloadBytes, 1024, 1024);
        int nKeys = or(keys, 100_000, 1_000);
        int nWorlds = or(worlds, 64, 64);
        int nRate = or(rate, 5_000, 1_000);
        int nLatencySeconds = or(latencySeconds, 10, 2);
        int nLoadThreads = or(loadThreads, 2, 2);
        int nLoadKeys = or(loadKeys, 1_000_000, 5_000);
        int nLoadSeconds = or(loadSeconds, 10, 2);
        int nWarmup = or(warmupSeconds, 5, 1);
        int nEntities = or(entities, 100_000, 1_000);
        long nBatches = or(batches, 10_000L, 100L);
        int nBatchInFlight = or(batchInFlight, 16, 16);
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
        check("--entities", nEntities, 1, 1_000_000);
        check("--batches", nBatches, 1, 100_000_000L);
        check("--batch-in-flight", nBatchInFlight, 1, 10_000);
        return new InProcessBench.Options(nSaves, nConcurrency, nPayload, nKeys, nWorlds, nRate, nLatencySeconds, nLoadThreads,
                nLoadKeys, nLoadSeconds, nWarmup, skipCatchup, nEntities, nBatches, nBatchInFlight, skipBatches, args());
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
        if (http && feed) {
            throw new ConfigException("--feed", "does not go with --http: run one mode at a time");
        }
        String mode = http ? "--http" : feed ? "--feed" : null;
        for (String o : STORE_ONLY) {
            if (mode != null && parsed.hasMatchedOption(o)) {
                throw new ConfigException(o, "does not apply to bench " + mode);
            }
        }
        for (String o : HTTP_ONLY) {
            if (!http && parsed.hasMatchedOption(o)) {
                throw new ConfigException(o, "needs --http");
            }
        }
        for (String o : FEED_ONLY) {
            if (!feed && parsed.hasMatchedOption(o)) {
                throw new ConfigException(o, "needs --feed");
            }
        }
        for (String o : List.of("--url", "--api-key")) {
            if (mode == null && parsed.hasMatchedOption(o)) {
                throw new ConfigException(o, "needs --http or --feed");
            }
        }
        if (http) {
            return callHttp();
        }
        if (feed) {
            return callFeed();
        }
        InProcessBench.Options options = resolveOptions();
        Settings settings = settings();
        Logging quiet = Logging.quiet(verbose);
        try {
            long failed = new InProcessBench(options, out(), this::progress).run(settings.explicitStoreValues());
            return failed > 0 ? Main.EXIT_FAILURE : Main.EXIT_OK;
        } finally {
            quiet.close();
        }
    }

    private int callFeed() throws IOException, InterruptedException {
        int rate = or(feedRate, 500, 100);
        int seconds = or(feedSeconds, 10, 2);
        int idle = or(feedIdle, 9_000, 500);
        check("--feed-rate", rate, 1, 100_000);
        check("--feed-seconds", seconds, 1, 3_600);
        check("--feed-idle", idle, 0, 100_000);
        List<int[]> rows = new java.util.ArrayList<>();
        for (String r : or(feedRows, "10x1,10x25,100x10", "10x1,10x10").split(",")) {
            String[] wx = r.trim().split("x");
            try {
                int worlds = Integer.parseInt(wx[0]);
                int per = Integer.parseInt(wx[1]);
                check("--feed-rows", worlds, 1, 10_000);
                check("--feed-rows", per, 1, 10_000);
                rows.add(new int[] {worlds, per});
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                throw new ConfigException("--feed-rows", "must be rows like 100x10 (worlds x subscribers per world), comma-separated; was '"
                        + feedRows + "'");
            }
        }
        URI target = target();
        Settings settings = settings();
        dev.worldstore.loadgen.FeedBench.Options o = new dev.worldstore.loadgen.FeedBench.Options(target, apiKey, rate, seconds, rows,
                idle, args());
        Logging logs = Logging.quiet(verbose).set("dev.worldstore.http.access", ch.qos.logback.classic.Level.WARN);
        if (!verbose) {
            logs.set(HttpServer.class.getName(), ch.qos.logback.classic.Level.ERROR);
        }
        try {
            long problems = new dev.worldstore.loadgen.FeedBench(o, out(), this::progress).run(settings.explicitStoreValues(),
                    (store, dataDir, registry) -> startHttpServer(store, dataDir, registry, Map.of("http.sse.max.clients", "100000")));
            return problems > 0 ? Main.EXIT_FAILURE : Main.EXIT_OK;
        } finally {
            logs.close();
        }
    }

    /** --url checked, or null without it (--api-key then refused). */
    private URI target() {
        URI target = null;
        if (url != null) {
            try {
                target = URI.create(url);
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
        return target;
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
        URI target = target();
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
        return startHttpServer(store, dataDir, registry, Map.of());
    }

    private static HttpServerStarter.Running startHttpServer(WorldStore store, Path dataDir, PrometheusMeterRegistry registry,
            Map<String, String> extra) {
        Map<String, String> settings = new java.util.HashMap<>(Map.of("http.port", "0", "http.auth.enabled", "false"));
        settings.putAll(extra);
        HttpServer server = HttpServer.start(store, HttpConfig.of(settings), dataDir, registry);
        return new HttpServerStarter.Running() {
            @Override
            public URI uri() {
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
}
