package dev.worldstore.bench;

import dev.worldstore.BatchSaved;
import dev.worldstore.Change;
import dev.worldstore.Key;
import dev.worldstore.ProjectorState;
import dev.worldstore.ReadConsistency;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.http.HttpConfig;
import dev.worldstore.http.HttpServer;
import dev.worldstore.loadgen.HttpBench;
import dev.worldstore.loadgen.Latency;
import java.net.URI;
import org.HdrHistogram.Histogram;
import dev.worldstore.projector.WorldStores;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
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
        return open(broker, dir, topic, workload, Map.of());
    }

    /** A node with {@code settings} on top of the run's (broker, topic, data.dir). */
    static WorldStoreNode open(Broker broker, Path dir, String topic, Workload workload, Map<String, String> settings) {
        Map<String, String> all = new java.util.HashMap<>(settings);
        all.put("kafka.bootstrap.servers", broker.bootstrap());
        all.put("kafka.topic", topic);
        all.put("data.dir", dir.toString());
        return new WorldStoreNode(WorldStores.open(WorldStoreConfig.of(all)), dir, workload);
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

    /**
     * World transactions with {@link WorldStore#writeBatchAsync}: consecutive saves of one world are
     * collected into a batch of up to {@link Options#BATCH} changes of {@link Entities} rows, sent when
     * full, when the next save is of another world, or on {@link Writer#flush()}. Each save's future
     * is its batch's: it completes once Kafka acknowledged the batch. The changes are built once.
     * {@link BatchCounts} counts what was acknowledged (the catch-up of the topic needs the changes
     * per event). Used by one caller thread at a time, as every {@link Writer}.
     */
    Writer batchWriter(Entities entities, BatchCounts counts) {
        Change[] changes = new Change[entities.count()];
        for (int k = 0; k < changes.length; k++) {
            changes[k] = Change.putJson(new Key.Entity(Entities.worldId(k), Entities.entityId(k)), entities.bytes(k));
        }
        return new Writer() {
            private List<Change> pending = new ArrayList<>(Options.BATCH);
            private String world;
            private CompletableFuture<BatchSaved> batch = new CompletableFuture<>();

            @Override
            public CompletableFuture<?> write(int key, int variant) {
                String w = Entities.worldId(key);
                if (!pending.isEmpty() && !w.equals(world)) {
                    send();
                }
                world = w;
                pending.add(changes[key]);
                CompletableFuture<BatchSaved> mine = batch;
                if (pending.size() == Options.BATCH) {
                    send();
                }
                return mine;
            }

            @Override
            public void flush() {
                if (!pending.isEmpty()) {
                    send();
                }
            }

            private void send() {
                CompletableFuture<BatchSaved> target = batch;
                int size = pending.size();
                batch = new CompletableFuture<>();
                store.writeBatchAsync(world, pending, null).whenComplete((saved, error) -> {
                    if (error != null) {
                        target.completeExceptionally(error);
                    } else {
                        counts.add(size);
                        target.complete(saved);
                    }
                });
                pending = new ArrayList<>(Options.BATCH);
            }
        };
    }

    /** Batches and changes a {@link #batchWriter} had acknowledged. Thread-safe. */
    static final class BatchCounts {
        private final AtomicLong events = new AtomicLong();
        private final AtomicLong changes = new AtomicLong();

        void add(int batchSize) {
            events.incrementAndGet();
            changes.addAndGet(batchSize);
        }

        /** Mean changes per acknowledged batch; 1 before the first. */
        double changesPerEvent() {
            long e = events.get();
            return e == 0 ? 1 : (double) changes.get() / e;
        }
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
     * Requests over the HTTP API (auth off, loopback; the API started on first use) with the loadgen
     * module's load generator: see {@link #http(URI, HttpBench.Mode, int, int, long, long)}.
     */
    Sample http(HttpBench.Mode mode, int connections, int players, long warmupNanos, long nanos) throws Exception {
        return http(httpUri(), mode, connections, players, warmupNanos, nanos);
    }

    private synchronized URI httpUri() {
        if (http == null) {
            http = HttpServer.start(store, HttpConfig.of("http.port", "0", "http.auth.enabled", "false"), dir,
                    new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        }
        return http.uri();
    }

    /**
     * GETs or PUTs of player states of world {@code bench-http} at {@code base} with {@link HttpBench}:
     * keep-alive HTTP/1.1 connections on plain sockets, closed loop, so the client costs little CPU
     * next to the server. HttpBench first saves its {@code players} (1 KB each, PUT), then warms up,
     * then measures; latencies are kept exactly, so rounds merge.
     */
    static Sample http(URI base, HttpBench.Mode mode, int connections, int players, long warmupNanos, long nanos) throws Exception {
        Histogram latency = Latency.histogram();
        HttpBench.Result r = HttpBench.run(new HttpBench.Options(base, null, "bench-http", mode, connections,
                Duration.ofNanos(warmupNanos), Duration.ofNanos(nanos), players, 1024, 0), latency);
        return Sample.of(r.requests(), (long) (r.seconds() * 1e9), latency, r.errors(),
                r.errors() > 0 ? r.errors() + " requests failed or did not answer 200" : null);
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
        return catchUp(broker, parent, topic, workload, () -> 1);
    }

    /**
     * As {@link #catchUp(Broker, Path, String, Workload)}, counting {@code opsPerRecord} operations
     * per record applied: the changes per batch event for a topic of batches (asked when the run starts).
     */
    static CatchUp catchUp(Broker broker, Path parent, String topic, Workload workload, DoubleSupplier opsPerRecord) {
        return deadline -> {
            long records = broker.records(topic);
            double perRecord = opsPerRecord.getAsDouble();
            long start = System.nanoTime();
            try (WorldStoreNode fresh = open(broker, parent.resolve("fresh-" + FRESH.incrementAndGet()), topic, workload)) {
                while (!caughtUp(fresh.store) && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(1_000_000);
                }
                long applied = records - fresh.store.projectorLag();
                return Sample.of(Math.round(applied * perRecord), System.nanoTime() - start);
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
