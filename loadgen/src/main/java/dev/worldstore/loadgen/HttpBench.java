package dev.worldstore.loadgen;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * A load generator for worldstore's HTTP API: {@code concurrency} workers, each with its own
 * keep-alive HTTP/1.1 connection (a minimal client on a plain socket, so the generator costs little
 * CPU next to the server), GETs and/or PUTs of ~1 KB player states, latencies in an HdrHistogram.
 *
 * <p>Without a target rate each worker sends its next request as soon as the previous answer
 * arrived (closed loop: maximum throughput). With {@code targetOpsPerSecond} requests are scheduled
 * at that total rate and latency is measured from each request's scheduled start, so a stalled
 * server shows up in the percentiles (no coordinated omission).
 *
 * <p>{@link #run} is the entry point for {@code worldstore bench --http} ({@link HttpApiBench}) and
 * the bench module; {@link #main} runs it from the command line against a running node. Stateless:
 * concurrent runs are independent (each uses its own threads and connections).
 */
public final class HttpBench {

    /**
     * What each request does: GET or PUT one player state (MIXED: either at random), or, over
     * Hyperfy-shaped entities (~220 bytes of JSON each), POST one batch that saves
     * {@link Options#batchSize()} of them (BATCH), or POST one consistent read of that many (READ).
     */
    public enum Mode {
        GET, PUT, MIXED, BATCH, READ;

        /** True for the modes over entities in batches: their rate in keys is requests × batch size. */
        public boolean batched() {
            return this == BATCH || this == READ;
        }
    }

    /**
     * What to run. Immutable.
     *
     * @param baseUrl the API, e.g. {@code http://127.0.0.1:8080} (no path); not null
     * @param apiKey sent as a bearer key; {@code null} when auth is off
     * @param worldId the world whose player states are read and written; not null
     * @param mode what each request does; not null
     * @param concurrency workers, each with one connection and one request in flight; at least 1
     * @param warmup unmeasured time before the measurement (zero for none); not null, not negative
     * @param duration measured time; not null, positive
     * @param players distinct player states (entities, for the batched modes) the requests spread over, all saved
     *     once before the run; at least 1 (and at least {@code batchSize} for the batched modes)
     * @param valueBytes approximate size of each saved state's JSON, in bytes; at least 64 (entities are ~220 bytes)
     * @param targetOpsPerSecond total request rate to hold, requests per second; 0 = as fast as the server answers
     * @param batchSize keys per request of the batched modes, 1 to 1,000
     * @throws NullPointerException if a non-null component is null
     * @throws IllegalArgumentException if a number breaks its bound
     */
    public record Options(URI baseUrl, String apiKey, String worldId, Mode mode, int concurrency, Duration warmup, Duration duration,
            int players, int valueBytes, double targetOpsPerSecond, int batchSize) {
        public Options {
            Objects.requireNonNull(baseUrl, "baseUrl");
            Objects.requireNonNull(worldId, "worldId");
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(warmup, "warmup");
            Objects.requireNonNull(duration, "duration");
            if (concurrency < 1 || players < 1 || valueBytes < 64 || duration.isNegative() || duration.isZero() || warmup.isNegative()) {
                throw new IllegalArgumentException("concurrency, players >= 1, valueBytes >= 64, duration > 0, warmup >= 0");
            }
            if (batchSize < 1 || batchSize > 1_000 || (mode.batched() && players < batchSize)) {
                throw new IllegalArgumentException("batchSize 1 to 1000, and players >= batchSize for the batched modes");
            }
        }

        /** As the canonical constructor with batches of 100. */
        public Options(URI baseUrl, String apiKey, String worldId, Mode mode, int concurrency, Duration warmup, Duration duration,
                int players, int valueBytes, double targetOpsPerSecond) {
            this(baseUrl, apiKey, worldId, mode, concurrency, warmup, duration, players, valueBytes, targetOpsPerSecond, 100);
        }

        /** GETs of world {@code bench}, 64 connections, 5 s warm-up, 20 s measured, 10,000 players of 1 KB, max rate; {@code baseUrl} not null. */
        public static Options defaults(URI baseUrl) {
            return new Options(baseUrl, null, "bench", Mode.GET, 64, Duration.ofSeconds(5), Duration.ofSeconds(20), 10_000, 1024, 0);
        }
    }

    /**
     * Outcome of one run: {@code requests} measured (after the warm-up) of which {@code errors}
     * did not answer 200 or failed to connect, over {@code seconds}; latencies in milliseconds.
     * Immutable.
     */
    public record Result(Mode mode, int concurrency, double targetOpsPerSecond, long requests, long errors, double seconds,
            double opsPerSecond, double p50Ms, double p90Ms, double p99Ms, double p999Ms, double maxMs, int keysPerRequest) {
        /** Keys saved or read per second: requests per second × keys per request. */
        public double keysPerSecond() {
            return opsPerSecond * keysPerRequest;
        }

        /** The result in one line, for a terminal. */
        public String summary() {
            return String.format(Locale.ROOT, "HTTP %s%s: %,.0f ops/s (%d requests, %d errors, %.1f s, concurrency %d%s) latency ms: "
                    + "p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f", mode, keysPerRequest > 1 ? String.format(Locale.ROOT,
                    " of %d (%,.0f keys/s)", keysPerRequest, keysPerSecond()) : "", opsPerSecond, requests, errors, seconds, concurrency,
                    targetOpsPerSecond > 0 ? String.format(Locale.ROOT, ", target %,.0f ops/s", targetOpsPerSecond) : "",
                    p50Ms, p90Ms, p99Ms, p999Ms, maxMs);
        }
    }

    private HttpBench() {
    }

    /**
     * Saves every player state once (PUT, up to 32 connections), then runs warm-up and measurement.
     * Blocks the caller for their duration; the workers are daemon threads of their own.
     *
     * @param o what to run; not null
     * @return the measurement; failed requests during it are counted in {@link Result#errors()}, not thrown
     * @throws IOException if saving the player states first fails (connection refused, an answer other than 200)
     * @throws InterruptedException if the caller is interrupted while waiting for the workers
     */
    public static Result run(Options o) throws IOException, InterruptedException {
        return run(o, null);
    }

    /**
     * As {@link #run(Options)}, also adding every measured latency (nanoseconds, from each
     * request's start or scheduled start) to {@code measured}, so runs can be merged exactly.
     *
     * @param measured where the measured latencies go as well; {@code null} for nowhere
     */
    public static Result run(Options o, Histogram measured) throws IOException, InterruptedException {
        byte[][] bodies = new byte[Math.min(o.players(), 64)][];
        for (int i = 0; i < bodies.length; i++) {
            bodies[i] = playerState(i, o.valueBytes());
        }
        if (o.mode().batched()) {
            seedEntities(o);
        } else {
            seed(o, bodies);
        }

        long warmupEnd = System.nanoTime() + o.warmup().toNanos();
        long end = warmupEnd + o.duration().toNanos();
        List<HttpBenchWorker> workers = new ArrayList<>();
        for (int i = 0; i < o.concurrency(); i++) {
            workers.add(new HttpBenchWorker(o, bodies, i, warmupEnd, end));
        }
        List<Thread> threads = new ArrayList<>();
        for (HttpBenchWorker w : workers) {
            Thread t = new Thread(w, "http-bench-" + threads.size());
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        Histogram all = new Histogram(3);
        long errors = 0;
        for (HttpBenchWorker w : workers) {
            all.add(w.histogram);
            errors += w.errors;
        }
        if (measured != null) {
            measured.add(all);
        }
        double seconds = o.duration().toNanos() / 1e9;
        long requests = all.getTotalCount();
        return new Result(o.mode(), o.concurrency(), o.targetOpsPerSecond(), requests, errors, seconds, requests / seconds,
                ms(all.getValueAtPercentile(50)), ms(all.getValueAtPercentile(90)), ms(all.getValueAtPercentile(99)),
                ms(all.getValueAtPercentile(99.9)), ms(all.getMaxValue()), o.mode().batched() ? o.batchSize() : 1);
    }

    /**
     * A Hyperfy-shaped entity of about 220 bytes: id, type, blueprint, position and quaternion
     * arrays, scale and a small state. Deterministic for {@code (id, tick)}.
     */
    public static String entity(int id, int tick) {
        return Bodies.entity(id, tick);
    }

    static String batchPath(Options o) {
        return "/v1/worlds/" + o.worldId() + "/batch";
    }

    static String readPath(Options o) {
        return "/v1/worlds/" + o.worldId() + "/read";
    }

    /** Saves every entity once, in batches of {@code batchSize} over up to 8 connections. */
    private static void seedEntities(Options o) throws IOException, InterruptedException {
        int size = o.batchSize();
        int batches = (o.players() + size - 1) / size;
        inParallel(o, Math.min(8, batches), batches, (c, b) -> {
            int first = b * size;
            int status = c.exchange("POST", batchPath(o), Bodies.batch(first, Math.min(size, o.players() - first), o.players(), 0));
            if (status != 200) {
                throw new IOException("seeding entities " + first + "+ answered HTTP " + status);
            }
        });
    }

    /** Saves every player's state once, over up to 32 connections. */
    private static void seed(Options o, byte[][] bodies) throws IOException, InterruptedException {
        inParallel(o, Math.min(o.concurrency(), 32), o.players(), (c, p) -> {
            int status = c.exchange("PUT", path(o, p), bodies[p % bodies.length]);
            if (status != 200) {
                throw new IOException("seeding player " + p + " answered HTTP " + status);
            }
        });
    }

    /** One seeding request for item {@code i}, over a connection of its thread's own. */
    private interface SeedRequest {
        void send(HttpConnection c, int i) throws IOException;
    }

    /**
     * Sends items {@code 0} to {@code items - 1} once each, from {@code threads} threads with a
     * connection each; returns when all are sent, or throws the first failure (a thread that fails
     * stops; the others finish their items).
     */
    private static void inParallel(Options o, int threads, int items, SeedRequest request) throws IOException, InterruptedException {
        AtomicLong next = new AtomicLong();
        List<Thread> seeders = new ArrayList<>();
        List<IOException> failures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                try (HttpConnection c = new HttpConnection(o.baseUrl(), o.apiKey())) {
                    for (long i; (i = next.getAndIncrement()) < items; ) {
                        request.send(c, (int) i);
                    }
                } catch (IOException e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }, "http-bench-seed-" + t);
            seeders.add(th);
            th.start();
        }
        for (Thread th : seeders) {
            th.join();
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    static String path(Options o, int player) {
        return "/v1/worlds/" + o.worldId() + "/players/bench-" + player + "/state";
    }

    /**
     * A guide-shaped player state padded to about {@code size} bytes of JSON (UTF-8), the body of
     * every PUT; never less than its fixed head (about 250 bytes). Deterministic for a {@code seed}.
     */
    public static byte[] playerState(int seed, int size) {
        String head = String.format(Locale.ROOT, "{\"position\":{\"x\":%d.5,\"y\":50,\"z\":%d},\"rotation\":{\"x\":0,\"y\":1.5,\"z\":0,"
                + "\"w\":1},\"health\":100,\"mana\":50,\"inventory\":[{\"itemId\":\"sword\",\"quantity\":1},{\"itemId\":\"potion\","
                + "\"quantity\":%d}],\"skills\":{\"combat\":{\"level\":10,\"xp\":1500}},\"notes\":\"", seed, seed * 7, seed % 9);
        int pad = Math.max(0, size - head.length() - 2);
        return (head + "x".repeat(pad) + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * {@code HttpBench --url=http://host:port [--key=K] [--mode=get|put|mixed|batch|read] [--concurrency=64] [--seconds=20]
     * [--warmup=5] [--players=10000] [--bytes=1024] [--rate=0] [--batch=100] [--world=bench]}: one run against a
     * running node, its {@linkplain Result#summary() summary} on stdout. To benchmark a throw-away
     * in-process node use {@code worldstore bench --http}, which starts one.
     *
     * @throws IllegalArgumentException for an argument that is not {@code --name=value}, an unknown
     *     name, a bad number, or no {@code --url}
     * @throws IOException if saving the player states first fails
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        URI url = null;
        Options d = Options.defaults(URI.create("http://127.0.0.1:8080"));
        String key = null;
        String world = d.worldId();
        Mode mode = d.mode();
        int concurrency = d.concurrency();
        long seconds = d.duration().toSeconds();
        long warmup = d.warmup().toSeconds();
        int players = d.players();
        int bytes = d.valueBytes();
        double rate = 0;
        int batch = 100;
        for (String a : args) {
            int eq = a.indexOf('=');
            if (!a.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("arguments are --name=value, was " + a);
            }
            String v = a.substring(eq + 1);
            switch (a.substring(2, eq)) {
                case "url" -> url = URI.create(v);
                case "key" -> key = v;
                case "world" -> world = v;
                case "mode" -> mode = Mode.valueOf(v.toUpperCase(Locale.ROOT));
                case "concurrency" -> concurrency = Integer.parseInt(v);
                case "seconds" -> seconds = Long.parseLong(v);
                case "warmup" -> warmup = Long.parseLong(v);
                case "players" -> players = Integer.parseInt(v);
                case "bytes" -> bytes = Integer.parseInt(v);
                case "rate" -> rate = Double.parseDouble(v);
                case "batch" -> batch = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (url == null) {
            throw new IllegalArgumentException("--url is required (for a throw-away in-process node run `worldstore bench --http`)");
        }
        Options o = new Options(url, key, world, mode, concurrency, Duration.ofSeconds(warmup), Duration.ofSeconds(seconds), players,
                bytes, rate, batch);
        System.out.println(run(o).summary());
    }
}
