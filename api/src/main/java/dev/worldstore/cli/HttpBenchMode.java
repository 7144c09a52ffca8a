package dev.worldstore.cli;

import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.http.HttpConfig;
import dev.worldstore.http.HttpServer;
import dev.worldstore.loadgen.HttpBench;
import dev.worldstore.loadgen.Latency;
import dev.worldstore.projector.WorldStores;
import dev.worldstore.NodeOperations;
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
import java.util.UUID;
import java.util.function.Consumer;

/**
 * {@code bench --http}: the HTTP API under load from {@link HttpBench} (keep-alive connections, one
 * per worker). Four runs: GETs at the maximum rate, PUTs at the maximum rate, then GETs and PUTs
 * offered at half the measured maximum, where the latency that matters is read (measured from each
 * request's scheduled start, so a stalled server is charged in full). Against {@code --url}, or by
 * default an in-process node: the store opened like the rest of the bench, an {@link HttpServer} on
 * a free loopback port with auth off and the access log quiet.
 */
final class HttpBenchMode {
    /** Issue 3's targets: ≥ 20,000 GETs/s, ≥ 10,000 PUTs/s of 1 KB player states, p99 under 20 ms at half that rate. */
    static final double TARGET_GETS = 20_000;
    static final double TARGET_PUTS = 10_000;
    static final double TARGET_P99_MS = 20;

    record Params(URI url, String apiKey, int concurrency, int seconds, int warmupSeconds, int players, int payloadBytes,
            boolean verbose, String commandLine) {
    }

    private final Params params;
    private final PrintWriter out;
    private final Consumer<String> progress;

    HttpBenchMode(Params params, PrintWriter out, Consumer<String> progress) {
        this.params = params;
        this.out = out;
        this.progress = progress;
    }

    int run(Settings settings) throws IOException, InterruptedException {
        String run = UUID.randomUUID().toString().substring(0, 6);
        String worldId = "bench-http-" + run;
        boolean tempDir = params.url() == null && !settings.isSet(WorldStoreConfig.DATA_DIR.name());
        Path base = tempDir ? Files.createTempDirectory("worldstore-bench-http-") : settings.storeConfig().dataDir();
        boolean external = !settings.storeConfig().embeddedKafka();
        boolean ownTopic = params.url() == null && external && !settings.isSet(WorldStoreConfig.KAFKA_TOPIC.name());
        Settings sa = settings.with("data.dir", base.resolve("bench-http").toString()).with("node.id", "bench-http")
                .withDefault("kafka.embedded.port", "0")
                .withDefault(WorldStoreConfig.KAFKA_TOPIC.name(), ownTopic ? "worldstore.bench." + run : "worldstore.changes");
        if (Integer.parseInt(sa.storeConfig().get(WorldStoreConfig.VALUE_MAX_BYTES)) < params.payloadBytes() + 1024) {
            sa = sa.with(WorldStoreConfig.VALUE_MAX_BYTES.name(), Integer.toString(params.payloadBytes() + 1024));
        }
        WorldStore store = null;
        HttpServer server = null;
        Logging logs = Logging.quiet(params.verbose()).set("dev.worldstore.http.access", ch.qos.logback.classic.Level.WARN);
        if (!params.verbose()) {
            logs.set(HttpServer.class.getName(), ch.qos.logback.classic.Level.ERROR); // the bench's own auth-off banner
        }
        try {
            URI url = params.url();
            String target;
            if (url == null) {
                progress.accept("opening an in-process node (" + (external ? "Kafka " + sa.storeConfig().get(WorldStoreConfig.KAFKA_BOOTSTRAP_SERVERS)
                        : "embedded broker") + ", data in " + base + ") and its HTTP API");
                PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                store = WorldStores.open(sa.storeConfig(), registry, Clock.systemUTC());
                server = HttpServer.start(store, HttpConfig.of(Map.of("http.port", "0", "http.auth.enabled", "false")),
                        sa.storeConfig().dataDir(), registry);
                url = server.uri();
                NodeOperations node = store.operations();
                target = "in-process node at " + url + " (Jetty, auth off, access log off), Kafka: "
                        + (external ? "external cluster " + node.bootstrapServers() : "embedded single-node broker in the same JVM (no fsync per message)")
                        + ", topic " + sa.storeConfig().get(WorldStoreConfig.KAFKA_TOPIC) + ", " + node.partitions() + " partitions, "
                        + "acks=all, linger " + sa.storeConfig().get(WorldStoreConfig.PRODUCER_LINGER_MS) + " ms; the load generator "
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
            for (HttpBench.Result r : new HttpBench.Result[] {getMax, putMax, getHalf, putHalf}) {
                errors += r == null ? 0 : r.errors();
            }

            out.println("## worldstore bench --http");
            out.println();
            out.println("- command: `worldstore bench" + params.commandLine() + "`");
            out.println("- machine: " + BenchCommand.machine());
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
            if (errors > 0) {
                out.println();
                out.println("Failed requests (not HTTP 200, or connection errors): " + Latency.count(errors));
            }
            out.flush();
            return errors > 0 ? Main.EXIT_FAILURE : Main.EXIT_OK;
        } finally {
            if (server != null) {
                server.close();
            }
            if (store != null) {
                String bootstrap = store.operations().bootstrapServers();
                store.close();
                if (ownTopic) {
                    BenchCommand.deleteTopic(bootstrap, sa);
                }
            }
            if (tempDir) {
                DemoCommand.deleteRecursively(base);
            }
            logs.close();
        }
    }

    private HttpBench.Result half(URI url, String worldId, HttpBench.Mode mode, HttpBench.Result max, List<String[]> rows)
            throws InterruptedException {
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

    private HttpBench.Result measure(URI url, String worldId, HttpBench.Mode mode, double rate) throws InterruptedException {
        progress.accept("HTTP " + mode + " " + (rate > 0 ? "at " + Latency.rate(rate) + " offered" : "at max rate") + ": "
                + params.concurrency() + " connections, saving " + Latency.count(params.players()) + " players first, "
                + params.warmupSeconds() + " s warm-up, " + params.seconds() + " s measured");
        HttpBench.Options o = new HttpBench.Options(url, params.apiKey(), worldId, mode, params.concurrency(),
                Duration.ofSeconds(params.warmupSeconds()), Duration.ofSeconds(params.seconds()), params.players(), params.payloadBytes(),
                rate);
        try {
            return HttpBench.run(o);
        } catch (IOException e) {
            String hint = String.valueOf(e.getMessage()).contains("HTTP 401") || String.valueOf(e.getMessage()).contains("HTTP 403")
                    ? " (give --api-key with write access)" : "";
            throw new CliFailure("HTTP " + mode + " run against " + url + " failed: " + e.getMessage() + hint, e);
        }
    }

    private static String[] row(String name, HttpBench.Result r) {
        return new String[] {name, Latency.count(r.requests()), Latency.count(r.errors()), String.format(Locale.ROOT, "%.1f s", r.seconds()),
                Latency.rate(r.opsPerSecond()), ms(r.p50Ms()), ms(r.p99Ms()), ms(r.p999Ms()), ms(r.maxMs())};
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
