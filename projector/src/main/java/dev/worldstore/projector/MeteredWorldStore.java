package dev.worldstore.projector;

import dev.worldstore.AsOf;
import dev.worldstore.BatchConflictException;
import dev.worldstore.BatchSaved;
import dev.worldstore.Change;
import dev.worldstore.ChangeFeed;
import dev.worldstore.ConflictException;
import dev.worldstore.DeadLetter;
import dev.worldstore.ForkResult;
import dev.worldstore.HistoryPage;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.NodeOperations;
import dev.worldstore.Page;
import dev.worldstore.PlayerData;
import dev.worldstore.PlayerRecord;
import dev.worldstore.ProjectorState;
import dev.worldstore.ReadConsistency;
import dev.worldstore.Saved;
import dev.worldstore.Scan;
import dev.worldstore.Stored;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Metrics around a store, as a decorator (Kafka Streams' {@code Metered…} stores): saves timed by
 * table and outcome ({@code worldstore.saves}; batches as table {@code batch}), loads timed ({@code worldstore.loads}), refused
 * conditions counted by table ({@code worldstore.conflicts}). Both timers publish histogram buckets at
 * service-level boundaries a world server plans with ({@link #SAVE_SLOS}, {@link #LOAD_SLOS}), so
 * Prometheus can compute any percentile across nodes; the applied-save timer and the conflict
 * counter of every table exist from the start (at 0). Everything else is passed through.
 * Thread-safe.
 */
final class MeteredWorldStore implements WorldStore {
    private final WorldStore inner;
    private final MeterRegistry metrics;
    private final Timer loads;
    private final ConcurrentHashMap<String, Timer> saves = new ConcurrentHashMap<>();

    /** Bucket boundaries of {@code worldstore.saves}: a tick's budget at the low end, the write timeout's range at the top. */
    static final Duration[] SAVE_SLOS = millis(1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000);
    /** Bucket boundaries of {@code worldstore.loads}: local reads take microseconds, a read-your-writes wait up to seconds. */
    static final Duration[] LOAD_SLOS = concat(new Duration[] {Duration.ofMillis(1).dividedBy(10), Duration.ofMillis(1).dividedBy(4),
            Duration.ofMillis(1).dividedBy(2)}, millis(1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000));

    MeteredWorldStore(WorldStore inner, MeterRegistry metrics) {
        this.inner = inner;
        this.metrics = metrics;
        this.loads = Timer.builder("worldstore.loads").description("Loads from the local projection")
                .serviceLevelObjectives(LOAD_SLOS).register(metrics);
        // every table's applied saves and conflicts from the start, so rates and ratios have a series before the first save
        for (String table : java.util.stream.Stream.concat(java.util.Arrays.stream(dev.worldstore.Table.values())
                .map(dev.worldstore.Table::wireName), java.util.stream.Stream.of("batch")).toList()) {
            saveTimer(table, "applied");
            conflicts(table);
        }
    }

    private io.micrometer.core.instrument.Counter conflicts(String table) {
        return io.micrometer.core.instrument.Counter.builder("worldstore.conflicts")
                .description("Conditional writes refused because the condition failed (409/412), by table")
                .tag("table", table).register(metrics);
    }

    private static Duration[] millis(long... ms) {
        return java.util.Arrays.stream(ms).mapToObj(Duration::ofMillis).toArray(Duration[]::new);
    }

    private static Duration[] concat(Duration[] a, Duration[] b) {
        return java.util.stream.Stream.concat(java.util.Arrays.stream(a), java.util.Arrays.stream(b)).toArray(Duration[]::new);
    }

    @Override
    public CompletableFuture<Saved> writeAsync(Change change) {
        long start = System.nanoTime();
        String table = change.key().table().wireName();
        return inner.writeAsync(change).whenComplete((saved, error) -> {
            Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (e instanceof ConflictException) {
                conflicts(table).increment();
            }
            saveTimer(table, e == null ? "applied" : outcome(e)).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        });
    }

    @Override
    public Saved write(Change change) {
        return Node.join(writeAsync(change), "the write of " + change.key().describe());
    }

    @Override
    public CompletableFuture<BatchSaved> writeBatchAsync(String worldId, List<Change> changes, String actor, String idempotencyKey) {
        long start = System.nanoTime();
        return inner.writeBatchAsync(worldId, changes, actor, idempotencyKey).whenComplete((saved, error) -> {
            Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (e instanceof BatchConflictException) {
                conflicts("batch").increment();
            }
            saveTimer("batch", e == null ? "applied" : outcome(e)).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        });
    }

    @Override
    public BatchSaved writeBatch(String worldId, List<Change> changes, String actor, String idempotencyKey) {
        return Node.join(writeBatchAsync(worldId, changes, actor, idempotencyKey), "the batch of world " + worldId);
    }

    @Override
    public List<Optional<Stored>> readMany(String worldId, List<Key> keys, ReadConsistency consistency) {
        long start = System.nanoTime();
        try {
            return inner.readMany(worldId, keys, consistency);
        } finally {
            loads.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    private Timer saveTimer(String table, String outcome) {
        return saves.computeIfAbsent(table + '/' + outcome, k -> Timer.builder("worldstore.saves")
                .description("Saves, from call to acknowledgement (and verdict for conditional writes)")
                .tag("table", table)
                .tag("outcome", outcome)
                .serviceLevelObjectives(SAVE_SLOS)
                .register(metrics));
    }

    private static String outcome(Throwable e) {
        return e instanceof WorldStoreException w ? w.code().name().toLowerCase(Locale.ROOT) : "error";
    }

    @Override
    public Optional<Stored> read(Key key, ReadConsistency consistency) {
        long start = System.nanoTime();
        try {
            return inner.read(key, consistency);
        } finally {
            loads.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    // ---- passed through -------------------------------------------------------------------------

    @Override
    public Page scan(Scan scan, ReadConsistency consistency) {
        return inner.scan(scan, consistency);
    }

    @Override
    public ChangeFeed changes(String worldId, LogPosition after) {
        return inner.changes(worldId, after);
    }

    @Override
    public ChangeFeed changesFrom(String worldId, LogPosition from) {
        return inner.changesFrom(worldId, from);
    }

    @Override
    public LogPosition endOf(String worldId) {
        return inner.endOf(worldId);
    }

    @Override
    public LogPosition startOf(String worldId) {
        return inner.startOf(worldId);
    }

    @Override
    public LogPosition positionAt(String worldId, Instant time) {
        return inner.positionAt(worldId, time);
    }

    @Override
    public Optional<LogPosition> resolve(String worldId, AsOf asOf) {
        return inner.resolve(worldId, asOf);
    }

    @Override
    public HistoryPage history(Key key, long before, int limit, boolean withResult, ReadConsistency consistency) {
        return inner.history(key, before, limit, withResult, consistency);
    }

    @Override
    public Optional<Stored> readAsOf(Key key, AsOf asOf, ReadConsistency consistency) {
        return inner.readAsOf(key, asOf, consistency);
    }

    @Override
    public void snapshot(String worldId, AsOf asOf, ReadConsistency consistency, Consumer<Stored> sink) {
        inner.snapshot(worldId, asOf, consistency, sink);
    }

    @Override
    public RestoreResult restoreWorld(String worldId, AsOf asOf, String actor) {
        return inner.restoreWorld(worldId, asOf, actor);
    }

    @Override
    public ForkResult forkWorld(String sourceWorldId, String targetWorldId, AsOf asOf, String actor) {
        return inner.forkWorld(sourceWorldId, targetWorldId, asOf, actor);
    }

    @Override
    public List<String> worldIds(String after, int limit) {
        return inner.worldIds(after, limit);
    }

    @Override
    public dev.worldstore.WorldSummary worldSummary(String worldId, ReadConsistency consistency) {
        return inner.worldSummary(worldId, consistency);
    }

    @Override
    public dev.worldstore.WorldTimeline timeline(String worldId, int buckets, ReadConsistency consistency) {
        return inner.timeline(worldId, buckets, consistency);
    }

    @Override
    public RestoreResult planRestore(String worldId, AsOf asOf) {
        return inner.planRestore(worldId, asOf);
    }

    @Override
    public PlayerData readPlayerData(String worldId, String playerId, ReadConsistency consistency) {
        return inner.readPlayerData(worldId, playerId, consistency);
    }

    @Override
    public PlayerRecord registerPlayer(String playerId, String username) {
        long start = System.nanoTime();
        String outcome = "applied";
        try {
            return inner.registerPlayer(playerId, username);
        } catch (RuntimeException e) {
            outcome = outcome(e);
            if (e instanceof ConflictException || e instanceof dev.worldstore.UsernameTakenException) {
                conflicts(dev.worldstore.Table.PLAYERS.wireName()).increment();
            }
            throw e;
        } finally {
            saveTimer(dev.worldstore.Table.PLAYERS.wireName(), outcome).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public CompletableFuture<PlayerRecord> registerPlayerAsync(String playerId, String username) {
        long start = System.nanoTime();
        return inner.registerPlayerAsync(playerId, username).whenComplete((p, error) -> {
            Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            String outcome = e == null ? "applied" : outcome(e);
            if (e instanceof ConflictException || e instanceof dev.worldstore.UsernameTakenException) {
                conflicts(dev.worldstore.Table.PLAYERS.wireName()).increment();
            }
            saveTimer(dev.worldstore.Table.PLAYERS.wireName(), outcome).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        });
    }

    @Override
    public Optional<PlayerRecord> player(String playerId, ReadConsistency consistency) {
        return inner.player(playerId, consistency);
    }

    @Override
    public Optional<PlayerRecord> playerByUsername(String username, ReadConsistency consistency) {
        return inner.playerByUsername(username, consistency);
    }

    @Override
    public void awaitPosition(LogPosition position, Duration timeout) {
        inner.awaitPosition(position, timeout);
    }

    @Override
    public String nodeId() {
        return inner.nodeId();
    }

    @Override
    public ProjectorState projectorState() {
        return inner.projectorState();
    }

    @Override
    public long projectorLag() {
        return inner.projectorLag();
    }

    @Override
    public boolean logReachable() {
        return inner.logReachable();
    }

    @Override
    public NodeOperations operations() {
        return inner.operations();
    }

    @Override
    public List<DeadLetter> deadLetters(int limit) {
        return inner.deadLetters(limit);
    }

    @Override
    public void close() {
        inner.close();
    }
}
