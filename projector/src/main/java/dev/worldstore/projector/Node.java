package dev.worldstore.projector;

import dev.worldstore.AsOf;
import dev.worldstore.BatchSaved;
import dev.worldstore.Change;
import dev.worldstore.ChangeFeed;
import dev.worldstore.DeadLetter;
import dev.worldstore.ErrorCode;
import dev.worldstore.ForkResult;
import dev.worldstore.HistoryPage;
import dev.worldstore.InterruptedWaitException;
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
import dev.worldstore.StorageException;
import dev.worldstore.StoreClosedException;
import dev.worldstore.Stored;
import dev.worldstore.ValidationException;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worldstore node: a short façade over its parts, each of which owns one concern. Built and
 * started by {@link NodeStarter} (open, then start: nothing runs before the node is complete).
 *
 * <ul>
 *   <li>writes: {@link Writer} (append, verdict wait; saves and registrations alike);
 *   <li>reads and history: {@link NodeReads}, over {@link ReadGate} (consistency waits), then
 *       {@link StateReader} (state, pages, players) or {@link HistoryReader}, with points in time
 *       resolved by {@link LogPositions};
 *   <li>change feeds: {@link SharedFeed}s over the {@link FeedHub}, tracked so that close ends them;
 *   <li>the projector ({@link Projector}), retention ({@link Retention}) and snapshots.
 * </ul>
 *
 * <p>Every call that touches RocksDB passes the {@link UseGate}, so {@link #close()} never frees
 * what a call still uses. Thread-safe.
 */
final class Node implements WorldStore {
    private static final Logger LOG = LoggerFactory.getLogger(Node.class);

    private final NodeParts parts;
    private final UseGate gate;
    private final Set<SharedFeed> feeds = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService housekeeping;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Operations operations;
    private final NodeReads reads;

    Node(NodeParts parts) {
        this.parts = parts;
        this.gate = new UseGate("the worldstore node " + parts.nodeId());
        this.operations = new Operations(parts, this::use);
        this.reads = new NodeReads(parts, this::use, operations);
        this.housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "worldstore-retention");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the projector and the retention sweeps. Once. */
    void start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("node " + parts.nodeId() + " already started");
        }
        parts.projector().start(parts.health().reachable());
        // always: besides the configured expiry and pruning, the sweep drops expired idempotency keys
        long every = parts.retentionEvery();
        housekeeping.scheduleWithFixedDelay(this::sweepQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    /** Runs {@code call} inside the gate, after checking that the projector has not failed. */
    <T> T use(Supplier<T> call) {
        gate.enter();
        try {
            checkProjector();
            return call.get();
        } finally {
            gate.exit();
        }
    }

    private void checkProjector() {
        if (parts.projector().state() == ProjectorState.FAILED) {
            Throwable t = parts.projector().failure();
            throw new StorageException("the projector stopped: " + (t == null ? "unknown error" : t.getMessage()), t);
        }
    }

    // ---- writes ---------------------------------------------------------------------------------

    @Override
    public CompletableFuture<Saved> writeAsync(Change change) {
        if (gate.closed()) {
            return CompletableFuture.failedFuture(new StoreClosedException("the worldstore node " + parts.nodeId() + " is closed"));
        }
        return parts.writer().write(change);
    }

    @Override
    public Saved write(Change change) {
        return join(writeAsync(change), "the write of " + change.key().describe());
    }

    @Override
    public CompletableFuture<BatchSaved> writeBatchAsync(String worldId, List<Change> changes, String actor, String idempotencyKey) {
        if (gate.closed()) {
            return CompletableFuture.failedFuture(new StoreClosedException("the worldstore node " + parts.nodeId() + " is closed"));
        }
        return parts.writer().writeBatch(worldId, changes, actor, null, idempotencyKey);
    }

    @Override
    public BatchSaved writeBatch(String worldId, List<Change> changes, String actor, String idempotencyKey) {
        return join(writeBatchAsync(worldId, changes, actor, idempotencyKey), "the batch of world " + worldId);
    }

    @Override
    public CompletableFuture<PlayerRecord> registerPlayerAsync(String playerId, String username) {
        if (gate.closed()) {
            return CompletableFuture.failedFuture(new StoreClosedException("the worldstore node " + parts.nodeId() + " is closed"));
        }
        return parts.writer().register(playerId, username);
    }

    @Override
    public PlayerRecord registerPlayer(String playerId, String username) {
        if (gate.closed()) {
            throw new StoreClosedException("the worldstore node " + parts.nodeId() + " is closed");
        }
        return join(parts.writer().register(playerId, username), "the registration of '" + username + "'");
    }

    /** Waits for {@code f}; throws its {@link WorldStoreException} unwrapped. */
    static <T> T join(CompletableFuture<T> f, String what) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(what + " failed", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedWaitException(what, e);
        }
    }

    // ---- reads ----------------------------------------------------------------------------------

    @Override
    public Optional<Stored> read(Key key, ReadConsistency consistency) {
        return reads.read(key, consistency);
    }

    @Override
    public List<Optional<Stored>> readMany(String worldId, List<Key> keys, ReadConsistency consistency) {
        return reads.readMany(worldId, keys, consistency);
    }

    @Override
    public Page scan(Scan scan, ReadConsistency consistency) {
        return reads.scan(scan, consistency);
    }

    @Override
    public Optional<PlayerRecord> player(String playerId, ReadConsistency consistency) {
        return reads.player(playerId, consistency);
    }

    @Override
    public Optional<PlayerRecord> playerByUsername(String username, ReadConsistency consistency) {
        return reads.playerByUsername(username, consistency);
    }

    // ---- history --------------------------------------------------------------------------------

    @Override
    public HistoryPage history(Key key, long before, int limit, boolean withResult, ReadConsistency consistency) {
        return reads.history(key, before, limit, withResult, consistency);
    }

    @Override
    public Optional<Stored> readAsOf(Key key, AsOf asOf, ReadConsistency consistency) {
        return reads.readAsOf(key, asOf, consistency);
    }

    @Override
    public void snapshot(String worldId, AsOf asOf, ReadConsistency consistency, Consumer<Stored> sink) {
        reads.snapshot(worldId, asOf, consistency, sink);
    }

    @Override
    public RestoreResult restoreWorld(String worldId, AsOf asOf, String actor) {
        Key.checkWorldId(worldId);
        return use(() -> Restore.run(sink -> snapshot(worldId, asOf, ReadConsistency.OWN_WRITES, sink),
                sink -> parts.state().streamWorld(worldId, sink), parts.writer()::write, actor));
    }

    @Override
    public ForkResult forkWorld(String sourceWorldId, String targetWorldId, AsOf asOf, String actor) {
        Key.checkWorldId(sourceWorldId);
        Key.checkWorldId(targetWorldId);
        if (sourceWorldId.equals(targetWorldId)) {
            throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "to", "a fork needs a new world id, not the source's");
        }
        return use(() -> Fork.run(this, parts, sourceWorldId, targetWorldId, asOf, actor));
    }

    // ---- worlds (the console's world list and timeline) -----------------------------------------

    @Override
    public List<String> worldIds(String after, int limit) {
        return reads.worldIds(after, limit);
    }

    @Override
    public dev.worldstore.WorldSummary worldSummary(String worldId, ReadConsistency consistency) {
        return reads.worldSummary(worldId, consistency);
    }

    @Override
    public dev.worldstore.WorldTimeline timeline(String worldId, int buckets, ReadConsistency consistency) {
        return reads.timeline(worldId, buckets, consistency);
    }

    @Override
    public RestoreResult planRestore(String worldId, AsOf asOf) {
        Key.checkWorldId(worldId);
        return use(() -> Restore.plan(sink -> snapshot(worldId, asOf, ReadConsistency.OWN_WRITES, sink),
                sink -> parts.state().streamWorld(worldId, sink)));
    }

    @Override
    public PlayerData readPlayerData(String worldId, String playerId, ReadConsistency consistency) {
        return reads.readPlayerData(worldId, playerId, consistency);
    }

    @Override
    public Optional<LogPosition> resolve(String worldId, AsOf asOf) {
        return reads.resolve(worldId, asOf);
    }

    // ---- change feeds and positions ---------------------------------------------------------------

    @Override
    public ChangeFeed changes(String worldId, LogPosition after) {
        Key.checkWorldId(worldId);
        if (after != null && after.offset() == Long.MAX_VALUE) {
            throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "position", "position " + after + " is past the end of the log");
        }
        return changesFrom(worldId, after == null ? endOf(worldId) : new LogPosition(after.partition(), after.offset() + 1));
    }

    @Override
    public ChangeFeed changesFrom(String worldId, LogPosition from) {
        Key.checkWorldId(worldId);
        int partition = parts.partitioning().of(worldId);
        if (from.partition() != partition) {
            throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "position",
                    "position " + from + " is not in world " + worldId + "'s partition " + partition
                            + "; use a position the API gave for this world");
        }
        return use(() -> {
            parts.positions().checkFeedStart(worldId, from, parts.feeds().holds(worldId, partition, from.offset()));
            SharedFeed[] feed = new SharedFeed[1];
            feed[0] = new SharedFeed(worldId, partition, from.offset(), parts.feeds(), parts.clients(), parts.projection(),
                    parts.progress(), this::use, () -> feeds.remove(feed[0]));
            feeds.add(feed[0]);
            return feed[0];
        });
    }

    @Override
    public LogPosition startOf(String worldId) {
        Key.checkWorldId(worldId);
        int partition = parts.partitioning().of(worldId);
        return use(() -> new LogPosition(partition, parts.clients().startOffset(partition)));
    }

    @Override
    public LogPosition endOf(String worldId) {
        Key.checkWorldId(worldId);
        return use(() -> parts.positions().end(parts.partitioning().of(worldId)));
    }

    @Override
    public LogPosition positionAt(String worldId, Instant time) {
        Key.checkWorldId(worldId);
        return use(() -> parts.positions().firstAtOrAfter(parts.partitioning().of(worldId), time));
    }

    @Override
    public void awaitPosition(LogPosition position, Duration timeout) {
        use(() -> {
            parts.gate().await(position, timeout.toMillis());
            return null;
        });
    }

    // ---- operations -----------------------------------------------------------------------------

    @Override
    public String nodeId() {
        return parts.nodeId();
    }

    @Override
    public ProjectorState projectorState() {
        return parts.projector().state();
    }

    @Override
    public long projectorLag() {
        return parts.projector().lag();
    }

    @Override
    public boolean logReachable() {
        return parts.health().reachable();
    }

    @Override
    public NodeOperations operations() {
        return operations;
    }

    @Override
    public List<DeadLetter> deadLetters(int limit) {
        return use(() -> DeadLetters.newest(parts.projection(), limit));
    }

    private void sweepQuietly() {
        try {
            if (parts.projector().state() == ProjectorState.LIVE) {
                operations.sweepRetention();
            }
        } catch (RuntimeException e) {
            LOG.warn("retention sweep failed: {}", e.toString());
        }
    }

    /**
     * Closes the node, once. Order matters: (1) refuse new calls; (2) stop the retention timer,
     * waiting for a sweep in progress, since it reads RocksDB and writes; (3) end the change feeds
     * handed out, which read RocksDB; (4) wait for calls still inside the gate; (5) close the writer,
     * so in-flight saves get their acknowledgement; (6) stop the projector, which joins its threads;
     * (7) close RocksDB; (8) the admin client and the embedded broker they both talk to.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        gate.refuse();
        housekeeping.shutdown();
        try {
            if (!housekeeping.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("a retention sweep still runs after 30 s; closing anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (SharedFeed f : List.copyOf(feeds)) {
            f.close();
        }
        if (!gate.closeAndAwait(30_000)) {
            LOG.warn("calls still use the projection after 30 s; closing anyway");
        }
        parts.close();
        LOG.info("worldstore node {} closed", parts.nodeId());
    }
}
