package dev.worldstore.loadgen;

import dev.worldstore.NodeOperations;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.projector.WorldStores;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * {@code worldstore bench --feed}: the change feed (SSE) under fan-out. Each row opens subscribers
 * on a number of worlds, waits until every one has its {@code ready} event, then saves entities over
 * HTTP at a fixed rate spread over those worlds, each value carrying its save's start time; every
 * subscriber times save-start → event received (one JVM, one clock). After the last save it waits
 * 3 s and counts what arrived: every subscriber of a world must get every save of it, once. A last
 * row opens many idle subscribers and measures what they cost the JVM (heap after a full GC,
 * threads, resident memory).
 *
 * <p>Against {@link Options#url()}, or by default an in-process node (started like
 * {@link HttpApiBench}'s). One instance makes one run at a time; not thread-safe.
 */
public final class FeedBench {
    /** Issue 16's targets. */
    static final double TARGET_P99_1000_MS = 100;
    static final double TARGET_P99_10_MS = 30;
    static final long TARGET_IDLE_HEAP_BYTES = 1L << 30;
    /** Subscribers per world (of 10) in the unmeasured warm-up row. */
    private static final int WARMUP_PER_WORLD = 10;
    private static final Duration SETTLE = Duration.ofSeconds(3);

    /**
     * What to run. Immutable.
     *
     * @param url the API of a running node (no path), or {@code null} for an in-process node
     * @param apiKey bearer token with access to {@code feed-*} worlds, or {@code null}; only with a url
     * @param rate saves per second offered in each measured row; at least 1
     * @param seconds measured duration of each row with saves; at least 1
     * @param rows subscriber layouts of the measured rows, each {@code {worlds, subscribers per world}}
     * @param idleSubscribers subscribers of the idle row (0 = no idle row), spread over 100 worlds
     * @param commandLine the arguments after {@code worldstore bench}, for the report; not null
     */
    public record Options(URI url, String apiKey, int rate, int seconds, List<int[]> rows, int idleSubscribers, String commandLine) {
        public Options {
            Objects.requireNonNull(commandLine, "commandLine");
            rows = List.copyOf(rows);
            if (rate < 1 || seconds < 1 || idleSubscribers < 0) {
                throw new IllegalArgumentException("rate, seconds >= 1, idleSubscribers >= 0");
            }
            if (apiKey != null && url == null) {
                throw new IllegalArgumentException("apiKey needs a url (the in-process node runs with auth off)");
            }
        }
    }

    private final Options params;
    private final PrintWriter out;
    private final Consumer<String> progress;

    public FeedBench(Options options, PrintWriter out, Consumer<String> progress) {
        this.params = Objects.requireNonNull(options, "options");
        this.out = Objects.requireNonNull(out, "out");
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    /**
     * Runs the rows and prints the report (markdown).
     *
     * @param storeSettings explicit store settings for the in-process node; unused with a url
     * @param server starts the in-process node's HTTP API (with room for the subscribers); unused with a url
     * @return events not delivered (or delivered twice) over the measured rows, plus failed saves
     * @throws IOException if a subscriber or the writer cannot connect at all
     * @throws InterruptedException if interrupted
     */
    public long run(Map<String, String> storeSettings, HttpServerStarter server) throws IOException, InterruptedException {
        NodeConfig settings = NodeConfig.of(storeSettings);
        String run = UUID.randomUUID().toString().substring(0, 6);
        boolean tempDir = params.url() == null && !settings.isSet(WorldStoreConfig.DATA_DIR.name());
        Path base = tempDir ? Files.createTempDirectory("worldstore-bench-feed-") : settings.config().dataDir();
        WorldStoreConfig config = settings.benchNode(base.resolve("bench-feed"), "bench-feed", null, 1024).config();
        WorldStore store = null;
        HttpServerStarter.Running http = null;
        ExecutorService clientThreads = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "bench-feed-client");
            t.setDaemon(true);
            return t;
        });
        try {
            URI url = params.url();
            String target;
            if (url == null) {
                progress.accept("opening an in-process node (data in " + base + ") and its HTTP API");
                PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                store = WorldStores.open(config, registry, Clock.systemUTC());
                http = server.start(store, config.dataDir(), registry);
                url = http.uri();
                NodeOperations node = store.operations();
                target = "in-process node at " + url + " (auth off, access log off), embedded broker in the same JVM, "
                        + node.partitions() + " partitions; subscribers and writer in the same JVM over loopback, sharing the CPUs";
            } else {
                target = "the node at " + url + "; subscribers and writer on this machine";
            }
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(clientThreads)
                    .connectTimeout(Duration.ofSeconds(30)).build();
            List<String[]> rows = new ArrayList<>();
            long problems = 0;
            int rowNo = 0;
            Row tenRow = null;
            Row bigRow = null;
            // unmeasured warm-up (JIT, connection pools) as long as a measured row: with 5 s, the first
            // measured row still paid for the JIT (10 subscribers: p99 41-51 ms first, 13 ms when measured again)
            measure(client, url, "feed-" + run + "-warmup", 10, WARMUP_PER_WORLD, params.seconds());
            for (int[] layout : params.rows()) {
                Row r = measure(client, url, "feed-" + run + "-r" + (rowNo++), layout[0], layout[1], params.seconds());
                rows.add(r.cells());
                problems += r.missing() + r.duplicates() + r.failedSaves();
                if (layout[0] * layout[1] == 10) {
                    tenRow = r;
                }
                if (layout[0] * layout[1] == 1000) {
                    bigRow = r;
                }
            }
            Idle idle = params.idleSubscribers() > 0 ? idle(client, url, "feed-" + run + "-idle", params.idleSubscribers()) : null;

            out.println("## worldstore bench --feed");
            out.println();
            out.println("- command: `worldstore bench" + params.commandLine() + "`");
            out.println("- machine: " + Machine.describe());
            out.println("- server: " + target);
            out.println("- load: after an unmeasured warm-up row (" + 10 * WARMUP_PER_WORLD + " subscribers, " + params.seconds() + " s), per row, subscribers (`GET /v1/worlds/{w}/changes`, one HTTP/1.1 connection each, JDK HttpClient on "
                    + "2 threads) all got `ready` before " + Latency.count(params.rate()) + " entity saves/s (PUT, ~200 bytes) for "
                    + params.seconds() + " s, round-robin over the row's worlds; latency = save's scheduled start → event parsed by "
                    + "the subscriber; delivered = arrived by " + SETTLE.toSeconds() + " s after the last save");
            out.println();
            out.println("| subscribers | saves | deliveries expected | delivered | duplicates | p50 | p99 | p99.9 | max | JVM threads | heap after GC | RSS |");
            out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (String[] r : rows) {
                out.println("| " + String.join(" | ", r) + " |");
            }
            if (idle != null) {
                out.println();
                out.println("Idle: " + Latency.count(idle.subscribers) + " subscribers over " + idle.worlds + " worlds open: heap after GC "
                        + mib(idle.heapBefore) + " → " + mib(idle.heapAfter) + " (" + String.format(Locale.ROOT, "%.1f KB", idle.perSubscriberBytes() / 1024.0)
                        + " per subscriber, client side included when in-process), JVM threads " + idle.threadsBefore + " → "
                        + idle.threadsAfter + ", RSS " + mib(idle.rssBefore) + " → " + mib(idle.rssAfter) + "; " + idle.failed
                        + " failed to open.");
            }
            out.println();
            out.println("Targets (issue 16): 1,000 subscribers at 500 saves/s, all delivered, p99 ≤ " + (int) TARGET_P99_1000_MS + " ms: "
                    + (bigRow == null ? "not measured" : verdict(bigRow.missing() == 0 && bigRow.p99Ms() <= TARGET_P99_1000_MS)
                            + " (p99 " + Latency.format(Math.round(bigRow.p99Ms() * 1e6)) + ", " + Latency.count(bigRow.missing()) + " missing)")
                    + "; 10 subscribers p99 ≤ " + (int) TARGET_P99_10_MS + " ms: " + (tenRow == null ? "not measured"
                            : verdict(tenRow.missing() == 0 && tenRow.p99Ms() <= TARGET_P99_10_MS) + " ("
                                    + Latency.format(Math.round(tenRow.p99Ms() * 1e6)) + ")")
                    + "; 10,000 idle subscribers < 1 GiB heap: " + (idle == null ? "not measured"
                            : verdict(idle.heapAfter - idle.heapBefore + (long) (Math.max(0, 10_000 - idle.subscribers) * idle.perSubscriberBytes())
                                    < TARGET_IDLE_HEAP_BYTES) + " (" + (idle.subscribers >= 10_000 ? "measured" : "extrapolated from "
                                            + Latency.count(idle.subscribers)) + ": " + mib((long) (idle.perSubscriberBytes() * 10_000)) + ")")
                    + ".");
            out.flush();
            return problems;
        } finally {
            clientThreads.shutdownNow();
            if (http != null) {
                http.close();
            }
            if (store != null) {
                store.close();
            }
            if (tempDir) {
                Dirs.deleteRecursively(base);
            }
        }
    }

    // ---- one measured row -------------------------------------------------------------------------

    private record Row(int subscribers, long saves, long expected, long delivered, long duplicates, long failedSaves, ConcurrentHistogram latency,
            int threads, long heap, long rss) {
        long missing() {
            return Math.max(0, expected - (delivered - duplicates));
        }

        double p99Ms() {
            return latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(99) / 1e6;
        }

        String[] cells() {
            return new String[] {Latency.count(subscribers), Latency.count(saves) + (failedSaves > 0 ? " (" + failedSaves + " failed)" : ""),
                Latency.count(expected), Latency.count(delivered - duplicates), Latency.count(duplicates), Latency.p(latency, 50),
                Latency.p(latency, 99), Latency.p(latency, 99.9), Latency.max(latency), Integer.toString(threads), mib(heap), mib(rss)};
        }
    }

    private Row measure(HttpClient client, URI url, String prefix, int worlds, int perWorld, int seconds)
            throws IOException, InterruptedException {
        int n = worlds * perWorld;
        progress.accept("feed: opening " + Latency.count(n) + " subscribers (" + perWorld + " on each of " + worlds + " worlds)");
        ConcurrentHistogram latency = Latency.concurrent();
        List<Subscriber> subs = new ArrayList<>(n);
        try {
            for (int w = 0; w < worlds; w++) {
                for (int s = 0; s < perWorld; s++) {
                    subs.add(Subscriber.open(client, request(url, "/v1/worlds/" + prefix + "-w" + w + "/changes").GET().build(), latency, w));
                }
            }
            awaitReady(subs);
            progress.accept("feed: " + Latency.count(params.rate()) + " saves/s for " + seconds + " s over " + worlds + " worlds");
            long[] savesPerWorld = new long[worlds];
            long failed = write(url, prefix, worlds, savesPerWorld, seconds);
            long expected = 0;
            for (Subscriber s : subs) {
                s.expected = savesPerWorld[s.world];
                expected += s.expected;
            }
            long deadline = System.nanoTime() + SETTLE.toNanos();
            while (System.nanoTime() < deadline && subs.stream().anyMatch(s -> s.delivered.get() < s.expected)) {
                TimeUnit.MILLISECONDS.sleep(20); // a bounded wait for stragglers: the report counts what arrived in it
            }
            long delivered = 0;
            long duplicates = 0;
            for (Subscriber s : subs) {
                delivered += s.delivered.get();
                duplicates += s.duplicates.get();
            }
            int threads = Thread.activeCount();
            long rss = rss();
            long heap = heapAfterGc();
            long saves = 0;
            for (long c : savesPerWorld) {
                saves += c;
            }
            return new Row(n, saves, expected, delivered, duplicates, failed, latency, threads, heap, rss);
        } finally {
            subs.forEach(Subscriber::close);
        }
    }

    private void awaitReady(List<Subscriber> subs) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        for (Subscriber s : subs) {
            long left = deadline - System.nanoTime();
            if (!s.ready.await(Math.max(1, left), TimeUnit.NANOSECONDS)) {
                throw new IOException("a subscriber did not get its ready event within 120 s" + (s.failure != null ? ": " + s.failure : ""));
            }
            if (s.failure != null) {
                throw new IOException("a subscriber could not open: " + s.failure);
            }
        }
    }

    /** Saves at the fixed rate, round-robin over the worlds; returns failed saves. */
    private long write(URI url, String prefix, int worlds, long[] savesPerWorld, int seconds) throws InterruptedException {
        HttpClient writer = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(30)).build();
        long total = (long) params.rate() * seconds;
        long intervalNanos = 1_000_000_000L / params.rate();
        AtomicLong failed = new AtomicLong();
        Semaphore inFlight = new Semaphore(256);
        String pad = "x".repeat(120);
        long start = System.nanoTime();
        for (long i = 0; i < total; i++) {
            long scheduled = start + i * intervalNanos;
            long wait = scheduled - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait); // pacing the offered rate, not synchronisation
            }
            int w = (int) (i % worlds);
            savesPerWorld[w]++;
            String body = "{\"t\":" + scheduled + ",\"seq\":" + i + ",\"pad\":\"" + pad + "\"}";
            inFlight.acquire();
            writer.sendAsync(request(url, "/v1/worlds/" + prefix + "-w" + w + "/entities/e" + (i % 50)).header("Content-Type",
                    "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding())
                    .whenComplete((r, e) -> {
                        inFlight.release();
                        if (e != null || r.statusCode() != 200) {
                            failed.incrementAndGet();
                        }
                    });
        }
        inFlight.acquire(256);
        inFlight.release(256);
        return failed.get();
    }

    // ---- idle subscribers -----------------------------------------------------------------------------

    private record Idle(int subscribers, int worlds, long heapBefore, long heapAfter, int threadsBefore, int threadsAfter, long rssBefore,
            long rssAfter, long failed) {
        double perSubscriberBytes() {
            return subscribers == 0 ? 0 : Math.max(0, heapAfter - heapBefore) / (double) (subscribers - failed);
        }
    }

    private Idle idle(HttpClient client, URI url, String prefix, int n) throws InterruptedException {
        int worlds = Math.min(100, n);
        long heapBefore = heapAfterGc();
        int threadsBefore = Thread.activeCount();
        long rssBefore = rss();
        progress.accept("feed: opening " + Latency.count(n) + " idle subscribers over " + worlds + " worlds");
        ConcurrentHistogram unused = Latency.concurrent();
        List<Subscriber> subs = new ArrayList<>(n);
        long failed = 0;
        try {
            for (int i = 0; i < n; i++) {
                subs.add(Subscriber.open(client, request(url, "/v1/worlds/" + prefix + "-w" + (i % worlds) + "/changes").GET().build(), unused,
                        i % worlds));
                if (i % 500 == 499) {
                    progress.accept("feed: " + Latency.count(i + 1) + " idle subscribers asked for");
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
            for (Subscriber s : subs) {
                if (!s.ready.await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS) || s.failure != null) {
                    failed++;
                }
            }
            progress.accept("feed: " + Latency.count(n - failed) + " idle subscribers open (" + failed + " failed); measuring");
            int threadsAfter = Thread.activeCount();
            long rssAfter = rss();
            long heapAfter = heapAfterGc();
            return new Idle(n, worlds, heapBefore, heapAfter, threadsBefore, threadsAfter, rssBefore, rssAfter, failed);
        } finally {
            subs.forEach(Subscriber::close);
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private HttpRequest.Builder request(URI url, String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(url.resolve(path));
        if (params.apiKey() != null) {
            b.header("Authorization", "Bearer " + params.apiKey());
        }
        return b;
    }

    static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Resident memory of this process in bytes, or 0 where /proc is absent. */
    static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
    }

    private static String verdict(boolean met) {
        return met ? "met" : "NOT met";
    }
}
