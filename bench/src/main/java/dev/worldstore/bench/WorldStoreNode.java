package dev.worldstore.bench;

import dev.worldstore.Change;
import dev.worldstore.Key;
import dev.worldstore.ProjectorState;
import dev.worldstore.ReadConsistency;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.http.HttpConfig;
import dev.worldstore.http.HttpServer;
import dev.worldstore.loadgen.HttpBench;
import dev.worldstore.projector.WorldStores;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/** A worldstore node on its own topic of a run's broker, as a user opens it. */
final class WorldStoreNode implements AutoCloseable {
    private static final AtomicInteger FRESH = new AtomicInteger();

    private final WorldStore store;
    private final Path dir;
    private final Workload workload;
    private HttpServer http;

    private WorldStoreNode(WorldStore store, Path dir, Workload workload) {
        this.store = store;
        this.dir = dir;
        this.workload = workload;
    }

    static WorldStoreNode open(Broker broker, Path dir, String topic, Workload workload) {
        return new WorldStoreNode(WorldStores.open(WorldStoreConfig.of("kafka.bootstrap.servers", broker.bootstrap(),
                "kafka.topic", topic, "data.dir", dir.toString())), dir, workload);
    }

    private static Key.PlayerState key(int key) {
        return new Key.PlayerState(Workload.worldId(key), Workload.playerId(key));
    }

    /**
     * Saves with {@link WorldStore#writeAsync}: completes once Kafka acknowledged the change. Sends the
     * variant's JSON bytes ({@link Change#putJson(Key, byte[])}), the same input the bare Kafka producer sends.
     */
    Writer writer() {
        return (key, variant) -> store.writeAsync(Change.putJson(key(key), workload.bytes(variant)));
    }

    /** In-process loads of the local projection, not waiting for anything ({@link ReadConsistency#LOCAL}). */
    Reader.Source localLoads() {
        return () -> key -> {
            if (store.read(key(key), ReadConsistency.LOCAL).isEmpty()) {
                throw new IllegalStateException("worldstore has no value for key " + key);
            }
        };
    }

    /**
     * Loads over the HTTP API (auth off, loopback) with the loadgen module's load generator,
     * {@link HttpBench}: keep-alive HTTP/1.1 connections on plain sockets, closed loop, so the
     * client costs little CPU next to the server. HttpBench first saves its own {@code players}
     * (PUT, world {@code bench-http}), then warms up, then measures.
     */
    synchronized Sample httpLoads(int connections, int players, long warmupNanos, long nanos) throws Exception {
        if (http == null) {
            http = HttpServer.start(store, HttpConfig.of("http.port", "0", "http.auth.enabled", "false"), dir,
                    new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        }
        HttpBench.Result r = HttpBench.run(new HttpBench.Options(http.uri(), null, "bench-http", HttpBench.Mode.GET, connections,
                Duration.ofNanos(warmupNanos), Duration.ofNanos(nanos), players, workload.bytes(0).length, 0));
        Percentiles latency = new Percentiles.Reported(Map.of(50.0, millisToNanos(r.p50Ms()), 99.0, millisToNanos(r.p99Ms()),
                99.9, millisToNanos(r.p999Ms())));
        return new Sample(r.requests(), (long) (r.seconds() * 1e9), latency, r.errors(),
                r.errors() > 0 ? r.errors() + " requests failed or did not answer 200" : null);
    }

    private static long millisToNanos(double millis) {
        return Math.round(millis * 1e6);
    }

    /** Waits until the node's projector has applied everything in its topic. */
    void awaitProjected(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (!caughtUp(store)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("projection still " + store.projectorLag() + " events behind");
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    private static boolean caughtUp(WorldStore s) {
        if (s.projectorState() == ProjectorState.FAILED) {
            throw new IllegalStateException("the projector of node " + s.nodeId() + " failed");
        }
        return s.projectorLag() == 0 && s.projectorState() == ProjectorState.LIVE;
    }

    /**
     * Projector catch-up: each run opens a fresh node (empty data.dir under {@code parent}) on the
     * pre-filled {@code topic} and waits until its projector is LIVE with no lag. Includes opening
     * the node (RocksDB, consumer, topic metadata), as a user restarting a node would see.
     */
    static CatchUp catchUp(Broker broker, Path parent, String topic, Workload workload) {
        return deadline -> {
            long records = broker.records(topic);
            long start = System.nanoTime();
            try (WorldStoreNode fresh = open(broker, parent.resolve("fresh-" + FRESH.incrementAndGet()), topic, workload)) {
                while (!caughtUp(fresh.store) && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(1_000_000);
                }
                return Sample.of(records - fresh.store.projectorLag(), System.nanoTime() - start);
            }
        };
    }

    @Override
    public synchronized void close() {
        if (http != null) {
            http.close();
        }
        store.close();
    }
}
