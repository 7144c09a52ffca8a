package dev.worldstore.http;

import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.projector.WorldStores;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import javax.net.ssl.SSLSocketFactory;
import org.HdrHistogram.Histogram;

/**
 * A load generator for the HTTP API: {@code concurrency} workers, each with its own keep-alive
 * HTTP/1.1 connection (a minimal client on a plain socket, so the generator costs little CPU next to
 * the server), GETs and/or PUTs of ~1 KB player states, latencies in an HdrHistogram.
 *
 * <p>Without a target rate each worker sends its next request as soon as the previous answer
 * arrived (closed loop: maximum throughput). With {@code targetOpsPerSecond} requests are scheduled
 * at that total rate and latency is measured from each request's scheduled start, so a stalled
 * server shows up in the percentiles (no coordinated omission).
 *
 * <p>{@link #run} is the entry point for the CLI; {@link #main} runs it from the command line and,
 * without {@code --url}, first starts a throw-away local node (embedded Kafka, auth off).
 */
public final class HttpBench {

    /** What each request does. */
    public enum Mode { GET, PUT, MIXED }

    /**
     * @param baseUrl the API, e.g. {@code http://127.0.0.1:8080}
     * @param apiKey sent as a bearer key; {@code null} when auth is off
     * @param players distinct player states the requests spread over (all saved once before the run)
     * @param valueBytes approximate size of each saved state's JSON
     * @param targetOpsPerSecond total request rate to hold; 0 = as fast as the server answers
     */
    public record Options(URI baseUrl, String apiKey, String worldId, Mode mode, int concurrency, Duration warmup, Duration duration,
            int players, int valueBytes, double targetOpsPerSecond) {
        public Options {
            Objects.requireNonNull(baseUrl, "baseUrl");
            Objects.requireNonNull(worldId, "worldId");
            Objects.requireNonNull(mode, "mode");
            if (concurrency < 1 || players < 1 || valueBytes < 64 || duration.isNegative() || duration.isZero() || warmup.isNegative()) {
                throw new IllegalArgumentException("concurrency, players >= 1, valueBytes >= 64, duration > 0, warmup >= 0");
            }
        }

        public static Options defaults(URI baseUrl) {
            return new Options(baseUrl, null, "bench", Mode.GET, 64, Duration.ofSeconds(5), Duration.ofSeconds(20), 10_000, 1024, 0);
        }
    }

    /** Outcome of one run; latencies in milliseconds. */
    public record Result(Mode mode, int concurrency, double targetOpsPerSecond, long requests, long errors, double seconds,
            double opsPerSecond, double p50Ms, double p90Ms, double p99Ms, double p999Ms, double maxMs) {
        public String summary() {
            return String.format(Locale.ROOT, "HTTP %s: %,.0f ops/s (%d requests, %d errors, %.1f s, concurrency %d%s) latency ms: "
                    + "p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f", mode, opsPerSecond, requests, errors, seconds, concurrency,
                    targetOpsPerSecond > 0 ? String.format(Locale.ROOT, ", target %,.0f ops/s", targetOpsPerSecond) : "",
                    p50Ms, p90Ms, p99Ms, p999Ms, maxMs);
        }
    }

    private HttpBench() {
    }

    /** Saves every player state once, then runs warm-up and measurement. Blocks for their duration. */
    public static Result run(Options o) throws IOException, InterruptedException {
        byte[][] bodies = new byte[Math.min(o.players(), 64)][];
        for (int i = 0; i < bodies.length; i++) {
            bodies[i] = playerState(i, o.valueBytes());
        }
        seed(o, bodies);

        long warmupEnd = System.nanoTime() + o.warmup().toNanos();
        long end = warmupEnd + o.duration().toNanos();
        List<Worker> workers = new ArrayList<>();
        for (int i = 0; i < o.concurrency(); i++) {
            workers.add(new Worker(o, bodies, i, warmupEnd, end));
        }
        List<Thread> threads = new ArrayList<>();
        for (Worker w : workers) {
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
        for (Worker w : workers) {
            all.add(w.histogram);
            errors += w.errors;
        }
        double seconds = o.duration().toNanos() / 1e9;
        long requests = all.getTotalCount();
        return new Result(o.mode(), o.concurrency(), o.targetOpsPerSecond(), requests, errors, seconds, requests / seconds,
                ms(all.getValueAtPercentile(50)), ms(all.getValueAtPercentile(90)), ms(all.getValueAtPercentile(99)),
                ms(all.getValueAtPercentile(99.9)), ms(all.getMaxValue()));
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static String path(Options o, int player) {
        return "/v1/worlds/" + o.worldId() + "/players/bench-" + player + "/state";
    }

    /** A guide-shaped player state padded to about {@code size} bytes of JSON. */
    static byte[] playerState(int seed, int size) {
        String head = String.format(Locale.ROOT, "{\"position\":{\"x\":%d.5,\"y\":50,\"z\":%d},\"rotation\":{\"x\":0,\"y\":1.5,\"z\":0,"
                + "\"w\":1},\"health\":100,\"mana\":50,\"inventory\":[{\"itemId\":\"sword\",\"quantity\":1},{\"itemId\":\"potion\","
                + "\"quantity\":%d}],\"skills\":{\"combat\":{\"level\":10,\"xp\":1500}},\"notes\":\"", seed, seed * 7, seed % 9);
        int pad = Math.max(0, size - head.length() - 2);
        return (head + "x".repeat(pad) + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static void seed(Options o, byte[][] bodies) throws IOException, InterruptedException {
        int threads = Math.min(o.concurrency(), 32);
        AtomicLong nextPlayer = new AtomicLong();
        List<Thread> seeders = new ArrayList<>();
        List<IOException> failures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                try (Connection c = new Connection(o.baseUrl(), o.apiKey())) {
                    for (long p; (p = nextPlayer.getAndIncrement()) < o.players(); ) {
                        int status = c.exchange("PUT", path(o, (int) p), bodies[(int) (p % bodies.length)]);
                        if (status != 200) {
                            throw new IOException("seeding player " + p + " answered HTTP " + status);
                        }
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

    private static final class Worker implements Runnable {
        final Histogram histogram = new Histogram(3);
        long errors;
        private final Options o;
        private final byte[][] bodies;
        private final int index;
        private final long warmupEnd;
        private final long end;

        Worker(Options o, byte[][] bodies, int index, long warmupEnd, long end) {
            this.o = o;
            this.bodies = bodies;
            this.index = index;
            this.warmupEnd = warmupEnd;
            this.end = end;
        }

        @Override
        public void run() {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            long interval = o.targetOpsPerSecond() > 0 ? (long) (1e9 * o.concurrency() / o.targetOpsPerSecond()) : 0;
            long scheduled = System.nanoTime() + (interval > 0 ? random.nextLong(interval) : 0);
            Connection c = null;
            while (true) {
                long start;
                if (interval > 0) {
                    long now;
                    while ((now = System.nanoTime()) < scheduled) {
                        LockSupport.parkNanos(scheduled - now);
                    }
                    start = scheduled;
                    scheduled += interval;
                } else {
                    start = System.nanoTime();
                }
                if (start >= end) {
                    break;
                }
                int player = random.nextInt(o.players());
                boolean put = o.mode() == Mode.PUT || (o.mode() == Mode.MIXED && random.nextBoolean());
                int status;
                try {
                    if (c == null) {
                        c = new Connection(o.baseUrl(), o.apiKey());
                    }
                    status = put ? c.exchange("PUT", path(o, player), bodies[player % bodies.length])
                            : c.exchange("GET", path(o, player), null);
                } catch (IOException e) {
                    status = -1;
                    if (c != null) {
                        c.close();
                    }
                    c = null;
                }
                long done = System.nanoTime();
                if (start >= warmupEnd) {
                    histogram.recordValue(Math.max(0, done - start));
                    if (status != 200) {
                        errors++;
                    }
                }
            }
            if (c != null) {
                c.close();
            }
        }
    }

    /** One keep-alive HTTP/1.1 connection: writes a request, reads the status and skips the body. */
    static final class Connection implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;
        private final String host;
        private final String auth;

        Connection(URI base, String apiKey) throws IOException {
            boolean tls = "https".equalsIgnoreCase(base.getScheme());
            int port = base.getPort() > 0 ? base.getPort() : tls ? 443 : 80;
            this.socket = tls ? SSLSocketFactory.getDefault().createSocket() : new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(base.getHost(), port), 10_000);
            socket.setSoTimeout(60_000);
            this.out = new BufferedOutputStream(socket.getOutputStream(), 8192);
            this.in = new BufferedInputStream(socket.getInputStream(), 16384);
            this.host = base.getHost() + ":" + port;
            this.auth = apiKey == null ? "" : "Authorization: Bearer " + apiKey + "\r\n";
        }

        int exchange(String method, String path, byte[] body) throws IOException {
            StringBuilder head = new StringBuilder(256).append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ")
                    .append(host).append("\r\n").append(auth);
            if (body != null) {
                head.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
            }
            head.append("\r\n");
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            if (body != null) {
                out.write(body);
            }
            out.flush();
            return readResponse();
        }

        private int readResponse() throws IOException {
            String status = line();
            if (status.length() < 12 || !status.startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP response: " + status);
            }
            int code = Integer.parseInt(status.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            boolean close = false;
            for (String h; !(h = line()).isEmpty(); ) {
                int colon = h.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = h.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "connection" -> close = value.equalsIgnoreCase("close");
                    default -> {
                    }
                }
            }
            if (chunked) {
                for (long size; (size = Long.parseLong(line().split(";", 2)[0].trim(), 16)) > 0; ) {
                    skip(size);
                    line();
                }
                while (!line().isEmpty()) {
                    // trailers
                }
            } else if (length > 0) {
                skip(length);
            } else if (length < 0 && code != 204 && code != 304) {
                throw new IOException("response without length");
            }
            if (close) {
                throw new IOException("server closed the connection");
            }
            return code;
        }

        private void skip(long n) throws IOException {
            long left = n;
            while (left > 0) {
                long s = in.skip(left);
                if (s <= 0) {
                    if (in.read() < 0) {
                        throw new IOException("connection closed mid-body");
                    }
                    s = 1;
                }
                left -= s;
            }
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            for (int b; (b = in.read()) != '\n'; ) {
                if (b < 0) {
                    throw new IOException("connection closed");
                }
                if (b != '\r') {
                    sb.append((char) b);
                }
            }
            return sb.toString();
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /**
     * {@code HttpBench [--url=http://host:port] [--key=K] [--mode=get|put|mixed] [--concurrency=64] [--seconds=20]
     * [--warmup=5] [--players=10000] [--bytes=1024] [--rate=0] [--world=bench]}. Without {@code --url} a local
     * node (embedded Kafka in a temporary folder, auth off, access log off) is started for the run.
     */
    public static void main(String[] args) throws Exception {
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
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        Path tmp = null;
        WorldStore store = null;
        HttpServer server = null;
        try {
            if (url == null) {
                quietAccessLog();
                tmp = Files.createTempDirectory("worldstore-http-bench-");
                PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                store = WorldStores.open(WorldStoreConfig.of("data.dir", tmp.toString(), "kafka.embedded.port", "0"), registry,
                        Clock.systemUTC());
                server = HttpServer.start(store, HttpConfig.of("http.port", "0", "http.auth.enabled", "false"), tmp, registry);
                url = server.uri();
            }
            Options o = new Options(url, key, world, mode, concurrency, Duration.ofSeconds(warmup), Duration.ofSeconds(seconds), players,
                    bytes, rate);
            System.out.println(run(o).summary());
        } finally {
            if (server != null) {
                server.close();
            }
            if (store != null) {
                store.close();
            }
            if (tmp != null) {
                try (Stream<Path> files = Files.walk(tmp)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    /** The access log costs throughput at bench rates; a self-hosted bench turns it off when Logback is the backend. */
    static void quietAccessLog() {
        org.slf4j.Logger access = org.slf4j.LoggerFactory.getLogger("dev.worldstore.http.access");
        if (access instanceof ch.qos.logback.classic.Logger l) {
            l.setLevel(ch.qos.logback.classic.Level.WARN);
        }
    }
}
