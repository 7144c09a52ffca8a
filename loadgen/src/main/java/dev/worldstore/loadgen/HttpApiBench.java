package dev.worldstore.loadgen;

import dev.worldstore.NodeOperations;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.projector.WorldStores;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * {@code worldstore bench --http}: the HTTP API under load from {@link HttpBench} (keep-alive
 * connections, one per worker). Four runs: GETs at the maximum rate, PUTs at the maximum rate, then
 * GETs and PUTs offered at half the measured maximum, where the latency that matters is read
 * (measured from each request's scheduled start, so a stalled server is charged in full). Against
 * {@link Options#url()}, or by default an in-process node: the store opened like the rest of the
 * bench, its HTTP API started by the caller's {@link HttpServerStarter} on a free loopback port.
 * Prints a markdown report.
 *
 * <p>One instance makes one run at a time; not thread-safe.
 */
public final class HttpApiBench {
    /** Issue 3's targets: ≥ 20,000 GETs/s, ≥ 10,000 PUTs/s of 1 KB player states, p99 under 20 ms at half that rate. */
    static final double TARGET_GETS = 20_000;
    static final double TARGET_PUTS = 10_000;
    static final double TARGET_P99_MS = 20;
    private static final int BATCH_CONNECTIONS = 8;
    /** Issue 11: changes per second through POST /batch with 8 connections, batches of 100. */
    private static final double TARGET_BATCH_CHANGES = 150_000;
    /** Issue 11: p99 of a consistent read of 100 keys at half its peak rate. */
    private static final double TARGET_READ_P99_MS = 5;

    /**
     * What to run. Immutable.
     *
     * @param url the API of a running node, e.g. {@code http://127.0.0.1:8080} (no path; it gets a
     *     {@code bench-http-*} world); {@code null} for an in-process node
     * @param apiKey a key with write access, sent as a bearer token; {@code null} for none; only with a {@code url}
     * @param concurrency keep-alive connections, each with one request in flight; at least 1
     * @param seconds measured duration of each of the 4 runs, in seconds; at least 1
     * @param warmupSeconds unmeasured warm-up before each run, in seconds; at least 0
     * @param players distinct player states the requests spread over; at least 1
     * @param payloadBytes size of each saved player state's JSON, in bytes; at least 64
     * @param commandLine the arguments after {@code worldstore bench} as the report shows them (secrets
     *     already masked), e.g. {@code " --http --quick"}; not null, may be empty
     * @throws NullPointerException if {@code commandLine} is null
     * @throws IllegalArgumentException if a number breaks its bound, or an {@code apiKey} comes without a {@code url}
     */
    public record Options(URI url, String apiKey, int concurrency, int seconds, int warmupSeconds, int players, int payloadBytes,
            String commandLine) {
        public Options {
            Objects.requireNonNull(commandLine, "commandLine");
            if (concurrency < 1 || seconds < 1 || warmupSeconds < 0 || players < 1 || payloadBytes < 64) {
                throw new IllegalArgumentException("concurrency, seconds, players >= 1, warmupSeconds >= 0, payloadBytes >= 64");
            }
            if (apiKey != null && url == null) {
                throw new IllegalArgumentException("apiKey needs a url (the in-process node runs with auth off)");
            }
        }
    }

    /** One of the load runs failed as a whole (e.g. the server refused the first saves); the message says which and why. */
    public static final class RunFailedException extends IOException {
        private static final long serialVersionUID = 1L;

        RunFailedException(String message, IOException cause) {
            super(message, cause);
        }
    }

    private final Options params;
    private final PrintWriter out;
    private final Consumer<String> progress;

    /**
     * @param options what to run; not null
     * @param out where the markdown report goes; not null; flushed at the end, not closed
     * @param progress receives one line per step (without a trailing newline), e.g. to show on stderr; not null
     */
    public HttpApiBench(Options options, PrintWriter out, Consumer<String> progress) {
        this.params = Objects.requireNonNull(options, "options");
        this.out = Objects.requireNonNull(out, "out");
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    /**
     * Runs the four measurements and prints the report. Blocks for their duration (about
     * 4 × (warm-up + measured seconds), plus seeding the players before each). For an in-process
     * node, opens the store (in a temporary folder unless {@code data.dir} is set; on an external
     * cluster without {@code kafka.topic}, on a topic of its own, deleted afterwards), starts its
     * HTTP API with {@code server}, and closes and removes all of it before returning.
     *
     * @param storeSettings the store configuration keys the caller set explicitly ({@link WorldStoreConfig}
     *     keys and {@code kafka.*} pass-through keys, by name); not null, may be empty; unused with a {@link Options#url()}
     * @param server starts the in-process node's HTTP API; not null; unused with a {@link Options#url()}
     * @return the number of failed requests (not HTTP 200, or connection errors) over the measured runs; 0 when all succeeded
     * @throws RunFailedException if a run failed as a whole (its message names the run and the target, and
     *     hints at {@code --api-key} on HTTP 401/403)
     * @throws dev.worldstore.ConfigException if the settings are invalid
     * @throws dev.worldstore.WorldStoreException if the in-process store cannot open
     * @throws IOException if the temporary folder cannot be created
     * @throws InterruptedException if the calling thread is interrupted
     */
    public long run(Map<String, String> storeSettings, HttpServerStarter server) throws IOException, InterruptedException {
        Objects.requireNonNull(server, "server");
        NodeConfig settings = NodeConfig.of(storeSettings);
        String run = UUID.randomUUID().toString().substring(0, 6);
        String worldId = "bench-http-" + run;
        boolean tempDir = params.url() == null && !settings.isSet(WorldStoreConfig.DATA_DIR.name());
        Path base = tempDir ? Files.createTempDirectory("worldstore-bench-http-") : settings.config().dataDir();
        boolean external = !settings.config().embeddedKafka();
        boolean ownTopic = params.url() == null && external && !settings.isSet(WorldStoreConfig.KAFKA_TOPIC.name());
        WorldStoreConfig config;
        try {
            config = settings.benchNode(base.resolve("bench-http"), "bench-http",
                    ownTopic ? "worldstore.bench." + run : null, params.payloadBytes()).config();
        } catch (RuntimeException e) {
            if (tempDir) {
                Dirs.deleteRecursively(base);
            }
            throw e;
        }
        WorldStore store = null;
        HttpServerStarter.Running http = null;
        try {
            URI url = params.url();
            String target;
            if (url == null) {
                progress.accept("opening an in-process node (" + (external ? "Kafka " + config.get(WorldStoreConfig.KAFKA_BOOTSTRAP_SERVERS)
                        : "embedded broker") + ", data in " + base + ") and its HTTP API");
                PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                store = WorldStores.open(config, registry, Clock.systemUTC());
                http = server.start(store, config.dataDir(), registry);
                url = http.uri();
                NodeOperations node = store.operations();
                target = "in-process node at " + url + " (Jetty, auth off, access log off), Kafka: "
                        + (external ? "external cluster " + node.bootstrapServers() : "embedded single-node broker in the same JVM (no fsync per message)")
                        + ", topic " + config.get(WorldStoreConfig.KAFKA_TOPIC) + ", " + node.partitions() + " partitions, "
                        + "acks=all, linger " + config.get(WorldStoreConfig.PRODUCER_LINGER_MS) + " ms; the load generator "
                        + "runs in the same JVM over loopback and shares the CPUs";
            } else {
                target = "the node at " + url + (params.apiKey() != null ? " (with an API key)" : "") + "; load generator on this machine";
            }

            List<String[]> rows = new ArrayList<>();
            long errors = 0;
            HttpBench.Result getMax = measure(url, worldId, HttpBench.Mode.GET, 0);
            rows.add(row("GET player state, max rate, " + params.concurrency() + " connections", getMax));
            HttpBench.Result putMax = measure(url, worldId, HttpBench.Mode.PUT, 0);
            rows.add(row("PUT player state, max rate, " + params.concurrency() + " connections", putMax));
            HttpBench.Result getHalf = half(url, worldId, HttpBench.Mode.GET, getMax, rows);
            HttpBench.Result putHalf = half(url, worldId, HttpBench.Mode.PUT, putMax, rows);
            // world transactions: Hyperfy-shaped entities in batches of 100 over 8 connections, and consistent reads of 100
            HttpBench.Result batchMax = measure(url, worldId, HttpBench.Mode.BATCH, 0, BATCH_CONNECTIONS);
            rows.add(row("POST batch of 100 entities, max rate, " + BATCH_CONNECTIONS + " connections", batchMax));
            HttpBench.Result readMax = measure(url, worldId, HttpBench.Mode.READ, 0, BATCH_CONNECTIONS);
            rows.add(row("POST read of 100 entities, max rate, " + BATCH_CONNECTIONS + " connections", readMax));
            HttpBench.Result readHalf = null;
            if (readMax.opsPerSecond() >= 2) {
                readHalf = measure(url, worldId, HttpBench.Mode.READ, readMax.opsPerSecond() / 2, BATCH_CONNECTIONS);
                rows.add(row("POST read of 100 entities at " + Latency.rate(readMax.opsPerSecond() / 2) + " offered (half of max)",
                        readHalf));
            }
            for (HttpBench.Result r : new HttpBench.Result[] {getMax, putMax, getHalf, putHalf, batchMax, readMax, readHalf}) {
                errors += r == null ? 0 : r.errors();
            }

            out.println("## worldstore bench --http");
            out.println();
            out.println("- command: `worldstore bench" + params.commandLine() + "`");
            out.println("- machine: " + Machine.describe());
            out.println("- server: " + target);
            out.println("- load: " + params.concurrency() + " keep-alive HTTP/1.1 connections (one per worker), "
                    + Latency.count(params.payloadBytes()) + "-byte player states, " + Latency.count(params.players())
                    + " players of world " + worldId + " (each saved once before every run), warm-up " + params.warmupSeconds()
                    + " s, " + params.seconds() + " s measured per row; max rate = each connection sends as soon as the answer "
                    + "arrived; half rate = requests scheduled at half the measured max, latency from the scheduled start "
                    + "(no coordinated omission)");
            out.println();
            out.println("| measurement | ops | errors | time | throughput | p50 | p99 | p99.9 | max |");
            out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (String[] r : rows) {
                out.println("| " + String.join(" | ", r) + " |");
            }
            out.println();
            out.println("Targets (issue 3): GETs ≥ " + Latency.rate(TARGET_GETS) + ": " + verdict(getMax.opsPerSecond() >= TARGET_GETS)
                    + "; PUTs ≥ " + Latency.rate(TARGET_PUTS) + ": " + verdict(putMax.opsPerSecond() >= TARGET_PUTS)
                    + "; p99 < " + (int) TARGET_P99_MS + " ms at half rate: GET " + p99(getHalf) + ", PUT " + p99(putHalf) + ".");
            out.println("Targets (issue 11): batch saves ≥ " + Latency.rate(TARGET_BATCH_CHANGES) + " changes: "
                    + Latency.rate(batchMax.keysPerSecond()) + " " + verdict(batchMax.keysPerSecond() >= TARGET_BATCH_CHANGES)
                    + "; read of 100 keys p99 ≤ " + (int) TARGET_READ_P99_MS + " ms at half rate: " + (readHalf == null ? "not measured"
                            : ms(readHalf.p99Ms()) + " " + verdict(readHalf.p99Ms() <= TARGET_READ_P99_MS)) + ".");
            if (errors > 0) {
                out.println();
                out.println("Failed requests (not HTTP 200, or connection errors): " + Latency.count(errors));
            }
            out.flush();
            return errors;
        } finally {
            if (http != null) {
                http.close();
            }
            if (store != null) {
                String bootstrap = store.operations().bootstrapServers();
                store.close();
                if (ownTopic) {
                    Topics.delete(bootstrap, config);
                }
            }
            if (tempDir) {
                Dirs.deleteRecursively(base);
            }
        }
    }

    private HttpBench.Result half(URI url, String worldId, HttpBench.Mode mode, HttpBench.Result max, List<String[]> rows)
            throws IOException, InterruptedException {
        double rate = max.opsPerSecond() / 2;
        if (rate < 1) {
            rows.add(new String[] {mode + " at half the max rate: skipped, the max-rate run completed no requests", "", "", "", "", "", "",
                    "", ""});
            return null;
        }
        HttpBench.Result r = measure(url, worldId, mode, rate);
        rows.add(row(mode + " player state at " + Latency.rate(rate) + " offered (half of max)", r));
        return r;
    }

    private HttpBench.Result measure(URI url, String worldId, HttpBench.Mode mode, double rate) throws IOException, InterruptedException {
        return measure(url, worldId, mode, rate, params.concurrency());
    }

    private HttpBench.Result measure(URI url, String worldId, HttpBench.Mode mode, double rate, int connections)
            throws IOException, InterruptedException {
        int keys = mode.batched() ? Math.max(params.players(), 100) : params.players();
        progress.accept("HTTP " + mode + " " + (rate > 0 ? "at " + Latency.rate(rate) + " offered" : "at max rate") + ": "
                + connections + " connections, saving " + Latency.count(keys) + (mode.batched() ? " entities" : " players") + " first, "
                + params.warmupSeconds() + " s warm-up, " + params.seconds() + " s measured");
        HttpBench.Options o = new HttpBench.Options(url, params.apiKey(), worldId, mode, connections,
                Duration.ofSeconds(params.warmupSeconds()), Duration.ofSeconds(params.seconds()), keys, params.payloadBytes(),
                rate, 100);
        try {
            return HttpBench.run(o);
        } catch (IOException e) {
            String hint = String.valueOf(e.getMessage()).contains("HTTP 401") || String.valueOf(e.getMessage()).contains("HTTP 403")
                    ? " (give --api-key with write access)" : "";
            throw new RunFailedException("HTTP " + mode + " run against " + url + " failed: " + e.getMessage() + hint, e);
        }
    }

    private static String[] row(String name, HttpBench.Result r) {
        String rate = Latency.rate(r.opsPerSecond()) + (r.keysPerRequest() > 1 ? " (" + Latency.rate(r.keysPerSecond()) + " keys)" : "");
        return new String[] {name, Latency.count(r.requests()), Latency.count(r.errors()), String.format(Locale.ROOT, "%.1f s", r.seconds()),
                rate, ms(r.p50Ms()), ms(r.p99Ms()), ms(r.p999Ms()), ms(r.maxMs())};
    }

    private static String ms(double ms) {
        return Latency.format(Math.round(ms * 1e6));
    }

    private static String verdict(boolean met) {
        return met ? "met" : "NOT met";
    }

    private static String p99(HttpBench.Result r) {
        return r == null ? "not measured" : ms(r.p99Ms()) + " " + verdict(r.p99Ms() < TARGET_P99_MS);
    }
}
