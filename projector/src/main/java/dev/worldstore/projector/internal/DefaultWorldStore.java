package dev.worldstore.projector.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.AsOf;
import dev.worldstore.Change;
import dev.worldstore.HistoryPage;
import dev.worldstore.ChangeFeed;
import dev.worldstore.Condition;
import dev.worldstore.ConflictException;
import dev.worldstore.CorruptDataException;
import dev.worldstore.DeadLetter;
import dev.worldstore.ErrorCode;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.LogUnavailableException;
import dev.worldstore.Op;
import dev.worldstore.Page;
import dev.worldstore.PlayerRecord;
import dev.worldstore.ProjectorState;
import dev.worldstore.ReadConsistency;
import dev.worldstore.Saved;
import dev.worldstore.Scan;
import dev.worldstore.StorageException;
import dev.worldstore.StoreClosedException;
import dev.worldstore.Stored;
import dev.worldstore.Upgraders;
import dev.worldstore.UsernameTakenException;
import dev.worldstore.ValidationException;
import dev.worldstore.World;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.WorldStoreException;
import dev.worldstore.internal.ChangeEvent;
import dev.worldstore.internal.EventCodec;
import dev.worldstore.internal.Json;
import dev.worldstore.internal.KafkaChangeLog;
import dev.worldstore.internal.Validator;
import dev.worldstore.internal.WorldHandle;
import dev.worldstore.kafka.EmbeddedKafka;
import dev.worldstore.projector.internal.RocksProjection.Cf;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind {@link WorldStore}: the Kafka writer, the projector and the RocksDB projection of
 * one node, and the embedded broker when no cluster is configured.
 */
public final class DefaultWorldStore implements WorldStore {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultWorldStore.class);

    private final WorldStoreConfig config;
    private final Clock clock;
    private final String nodeId;
    private final EmbeddedKafka broker;
    private final Admin admin;
    private final RocksProjection projection;
    private final Projector projector;
    private final KafkaChangeLog log;
    private final VerdictBoard verdicts = new VerdictBoard();
    private final HistoryStore history;
    private final Upgraders upgraders;
    private final Retention retention;
    private final java.util.concurrent.ScheduledExecutorService housekeeping;
    private final Validator validator;
    private final AtomicLongArray written;
    private final int partitions;
    private final long readWaitMs;
    private final long writeTimeoutMs;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final MeterRegistry metrics;
    private final Timer loadTimer;
    private final java.util.concurrent.ConcurrentHashMap<String, Timer> saveTimers = new java.util.concurrent.ConcurrentHashMap<>();

    private DefaultWorldStore(WorldStoreConfig config, MeterRegistry metrics, Clock clock, EmbeddedKafka broker,
            String bootstrap, Upgraders upgraders) {
        this.config = config;
        this.upgraders = upgraders;
        this.metrics = metrics;
        this.clock = clock;
        this.broker = broker;
        this.readWaitMs = config.getLong(WorldStoreConfig.READ_WAIT_TIMEOUT_MS);
        this.writeTimeoutMs = config.getLong(WorldStoreConfig.WRITE_TIMEOUT_MS);
        this.validator = new Validator(config.getInt(WorldStoreConfig.VALUE_MAX_BYTES));
        this.nodeId = nodeId(config);
        String topic = config.get(WorldStoreConfig.KAFKA_TOPIC);
        // Resources opened so far, closed newest first if a later step fails, so a failed open leaks nothing.
        java.util.Deque<AutoCloseable> opened = new java.util.ArrayDeque<>();
        try {
            Properties ap = new Properties();
            ap.putAll(config.kafkaClientOverrides());
            ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            ap.put(AdminClientConfig.CLIENT_ID_CONFIG, "worldstore-admin");
            this.admin = Admin.create(ap);
            opened.push(admin);
            this.partitions = KafkaChangeLog.ensureTopic(admin, config, broker != null, writeTimeoutMs);
            this.projection = RocksProjection.open(config.dataDir().resolve("projection"), config);
            opened.push(projection);
            String projectedTopic = projection.meta("topic");
            if (projectedTopic == null) {
                projection.putMeta("topic", topic);
            } else if (!projectedTopic.equals(topic)) {
                throw new StorageException(config.dataDir().resolve("projection") + " holds a projection of topic " + projectedTopic
                        + ", not " + topic + "; use another data.dir or the same kafka.topic", null);
            }
            this.history = new HistoryStore(projection, upgraders);
            this.written = new AtomicLongArray(partitions);
            for (int p = 0; p < partitions; p++) {
                written.set(p, -1);
            }
            this.projector = new Projector(projection, bootstrap, config, partitions, verdicts, metrics, upgraders);
            opened.push(projector);
            this.log = new KafkaChangeLog(bootstrap, config, partitions);
            opened.push(log);
            this.loadTimer = Timer.builder("worldstore.loads").description("Loads from the local projection").register(metrics);
            Gauge.builder("worldstore.rocksdb.size.bytes", projection, RocksProjection::sizeBytes)
                    .description("Projection size on disk and in memtables").register(metrics);
            projector.start();
            this.retention = new Retention(projection, this, config, clock);
            this.housekeeping = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "worldstore-retention");
                t.setDaemon(true);
                return t;
            });
        } catch (RuntimeException e) {
            opened.forEach(DefaultWorldStore::closeQuietly);
            throw e;
        }
        if (retention.enabled()) {
            long every = config.getLong(WorldStoreConfig.RETENTION_CHECK_INTERVAL_MS);
            housekeeping.scheduleWithFixedDelay(this::sweepQuietly, every, every, TimeUnit.MILLISECONDS);
        }
        LOG.info("worldstore node {} open: topic {} ({} partitions) on {}{}, projection in {}", nodeId, topic, partitions,
                bootstrap, broker != null ? " (embedded broker)" : "", projection.dir());
    }

    /**
     * Opens a node. Starts the embedded broker first when {@code kafka.bootstrap.servers} is empty.
     * On failure everything already started is closed again.
     */
    public static DefaultWorldStore open(WorldStoreConfig config, MeterRegistry metrics, Clock clock, Upgraders upgraders) {
        EmbeddedKafka broker = null;
        try {
            Files.createDirectories(config.dataDir());
            String bootstrap = config.get(WorldStoreConfig.KAFKA_BOOTSTRAP_SERVERS);
            if (config.embeddedKafka()) {
                broker = EmbeddedKafka.start(config.dataDir().resolve("kafka"), config.getInt(WorldStoreConfig.KAFKA_EMBEDDED_PORT),
                        config.getBoolean(WorldStoreConfig.KAFKA_EMBEDDED_FLUSH_EVERY_MESSAGE));
                bootstrap = broker.bootstrapServers();
            }
            return new DefaultWorldStore(config, metrics, clock, broker, bootstrap, upgraders);
        } catch (IOException e) {
            closeQuietly(broker);
            throw new StorageException("cannot create data.dir " + config.dataDir() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(broker);
            throw e;
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("close after failed start: {}", e.toString());
            }
        }
    }

    private static String nodeId(WorldStoreConfig config) {
        String configured = config.get(WorldStoreConfig.NODE_ID);
        if (!configured.isBlank()) {
            return configured;
        }
        Path file = config.dataDir().resolve("node-id");
        try {
            if (Files.exists(file)) {
                return Files.readString(file, StandardCharsets.UTF_8).trim();
            }
            String id = "node-" + UUID.randomUUID().toString().substring(0, 8);
            Files.writeString(file, id + "\n", StandardCharsets.UTF_8);
            return id;
        } catch (IOException e) {
            throw new StorageException("cannot read or write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The bootstrap address in use (the embedded broker's when one runs). */
    public String bootstrapServers() {
        return broker != null ? broker.bootstrapServers() : config.get(WorldStoreConfig.KAFKA_BOOTSTRAP_SERVERS);
    }

    public int partitions() {
        return partitions;
    }

    public WorldStoreConfig config() {
        return config;
    }

    // ---- writes -----------------------------------------------------------------------------

    @Override
    public World world(String worldId) {
        return new WorldHandle(this, worldId);
    }

    @Override
    public CompletableFuture<Saved> writeAsync(Change change) {
        long start = System.nanoTime();
        CompletableFuture<Saved> result;
        try {
            ensureOpen();
            if (change.key() instanceof Key.Player) {
                throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "key", "players are written with registerPlayer");
            }
            result = append(change, validator.check(change));
        } catch (WorldStoreException e) {
            result = CompletableFuture.failedFuture(e);
        }
        String table = change.key().table().wireName();
        return result.whenComplete((saved, error) -> saveTimer(table, error == null ? "applied" : outcome(error))
                .record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
    }

    private Timer saveTimer(String table, String outcome) {
        return saveTimers.computeIfAbsent(table + '/' + outcome, k -> Timer.builder("worldstore.saves")
                .description("Saves, from call to acknowledgement (and verdict for conditional writes)")
                .tag("table", table)
                .tag("outcome", outcome)
                .register(metrics));
    }

    private static String outcome(Throwable error) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return e instanceof WorldStoreException w ? w.code().name().toLowerCase(java.util.Locale.ROOT) : "error";
    }

    private CompletableFuture<Saved> append(Change change, byte[] payload) {
        ChangeEvent event = new ChangeEvent(newEventId(), change.key(), change.op(), payload, change.condition(),
                upgraders.current(change.key().table()), nodeId, change.actor(), clock.millis());
        if (!change.condition().isConditional()) {
            // bounded by the producer's delivery.timeout.ms (= write.timeout.ms): no timer per save
            return log.append(event).thenApply(position -> {
                written.accumulateAndGet(position.partition(), position.offset(), Math::max);
                return new Saved(position.offset(), position);
            });
        }
        CompletableFuture<Verdict> verdict = verdicts.register(event.eventId());
        CompletableFuture<Saved> saved = log.append(event).thenCompose(position -> {
            written.accumulateAndGet(position.partition(), position.offset(), Math::max);
            return verdict.thenApply(v -> toSaved(change.key(), change.condition(), v, position));
        });
        return withTimeout(saved, event.eventId(), change.key());
    }

    /** A random event id; ThreadLocalRandom, not SecureRandom, whose lock concurrent writers would share. */
    private static String newEventId() {
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        return new UUID((r.nextLong() & ~0xF000L) | 0x4000L, (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L).toString();
    }

    private CompletableFuture<Saved> withTimeout(CompletableFuture<Saved> saved, String eventId, Object what) {
        return saved.orTimeout(writeTimeoutMs, TimeUnit.MILLISECONDS).handle((s, error) -> {
            verdicts.forget(eventId);
            if (error == null) {
                return s;
            }
            Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (e instanceof TimeoutException) {
                throw new LogUnavailableException("no outcome for the write of " + what + " within write.timeout.ms=" + writeTimeoutMs
                        + " ms (Kafka topic " + log.topic() + "); the write may still be applied, retry with a condition", e);
            }
            throw e instanceof RuntimeException r ? r : new CompletionException(e);
        });
    }

    private Saved toSaved(Key key, Condition condition, Verdict v, LogPosition position) {
        if (v instanceof Verdict.Applied a) {
            return new Saved(a.version(), position);
        } else if (v instanceof Verdict.Conflict c) {
            metrics.counter("worldstore.conflicts", "table", key.table().wireName()).increment();
            throw new ConflictException(key, condition, c.actualVersion());
        } else if (v instanceof Verdict.Rejected r) {
            throw new ValidationException(ErrorCode.INVALID_SHAPE, "value", "the projector could not apply it: " + r.reason());
        }
        throw new IllegalStateException("unexpected verdict " + v);
    }

    @Override
    public Saved write(Change change) {
        return join(writeAsync(change));
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof WorldStoreException w) {
                throw w;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new CompletionException(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreClosedException("interrupted while waiting for a write");
        }
    }

    // ---- players ----------------------------------------------------------------------------

    @Override
    public PlayerRecord registerPlayer(String playerId, String username) {
        ensureOpen();
        String id = playerId == null ? UUID.randomUUID().toString() : playerId;
        Key.Player key = new Key.Player(id);
        Validator.checkKey(key);
        Validator.normalizeUsername(username);
        ObjectNode body = Json.object().put("id", id).put("username", username);
        Change change = new Change(key, Op.PUT, body, Condition.absent(), null);
        ChangeEvent event = new ChangeEvent(newEventId(), key, Op.PUT, validator.check(change),
                Condition.absent(), EventCodec.FORMAT_VERSION, nodeId, null, clock.millis());
        CompletableFuture<Verdict> verdict = verdicts.register(event.eventId());
        CompletableFuture<Saved> saved = log.append(event).thenCompose(position -> {
            written.accumulateAndGet(position.partition(), position.offset(), Math::max);
            return verdict.thenApply(v -> {
                if (v instanceof Verdict.UsernameTaken) {
                    throw new UsernameTakenException(username);
                }
                return toSaved(key, Condition.absent(), v, position);
            });
        });
        Saved s = join(withTimeout(saved, event.eventId(), key));
        Instant at = Instant.ofEpochMilli(event.timestampMs());
        return new PlayerRecord(id, username, at, at, s.version(), s.position());
    }

    @Override
    public Optional<PlayerRecord> player(String playerId, ReadConsistency consistency) {
        Key.Player key = new Key.Player(playerId);
        Validator.checkKey(key);
        awaitPlayers(consistency);
        return read(key, ReadConsistency.LOCAL).map(s -> toPlayer(key, s));
    }

    @Override
    public Optional<PlayerRecord> playerByUsername(String username, ReadConsistency consistency) {
        String normalized = Validator.normalizeUsername(username);
        awaitPlayers(consistency);
        byte[] id = projection.get(Cf.USERNAMES, normalized.getBytes(StandardCharsets.UTF_8));
        if (id == null) {
            return Optional.empty();
        }
        Key.Player key = new Key.Player(new String(id, StandardCharsets.UTF_8));
        return read(key, ReadConsistency.LOCAL).map(s -> toPlayer(key, s));
    }

    private PlayerRecord toPlayer(Key.Player key, Stored s) {
        JsonNode v = s.value();
        Instant created;
        try {
            created = Instant.parse(v.path("createdAt").asText());
        } catch (RuntimeException e) {
            throw new CorruptDataException(key, "createdAt is not an instant", e);
        }
        byte[] seen = projection.get(Cf.LAST_SEEN, key.playerId().getBytes(StandardCharsets.UTF_8));
        Instant lastSeen = seen == null || seen.length != 8 ? created : Instant.ofEpochMilli(ByteBuffer.wrap(seen).getLong());
        if (lastSeen.isBefore(created)) {
            lastSeen = created;
        }
        return new PlayerRecord(key.playerId(), v.path("username").asText(), created, lastSeen, s.version(),
                new LogPosition(partitionOf(null), s.version()));
    }

    // ---- reads ------------------------------------------------------------------------------

    private int partitionOf(String worldIdOrNull) {
        return EventCodec.partitionFor(worldIdOrNull == null ? EventCodec.PLAYERS_ROUTING_KEY : worldIdOrNull, partitions);
    }

    private void awaitOwnWrites(int partition) {
        long w = written.get(partition);
        if (w >= 0) {
            projector.progress().await(new LogPosition(partition, w), readWaitMs);
        }
    }

    /** lastSeen folds in player-state saves of every world, so a player lookup waits for all partitions. */
    private void awaitPlayers(ReadConsistency consistency) {
        ensureOpen();
        if (consistency instanceof ReadConsistency.OwnWrites) {
            for (int p = 0; p < partitions; p++) {
                awaitOwnWrites(p);
            }
        } else if (consistency instanceof ReadConsistency.AtLeast a) {
            projector.progress().await(a.position(), readWaitMs);
        }
    }

    private void await(String worldIdOrNull, ReadConsistency consistency) {
        ensureOpen();
        if (consistency instanceof ReadConsistency.OwnWrites) {
            awaitOwnWrites(partitionOf(worldIdOrNull));
        } else if (consistency instanceof ReadConsistency.AtLeast a) {
            projector.progress().await(a.position(), readWaitMs);
        }
    }

    @Override
    public Optional<Stored> read(Key key, ReadConsistency consistency) {
        long start = System.nanoTime();
        Validator.checkKey(key);
        await(key.worldId(), consistency);
        byte[] v = projection.get(Cf.of(key.table()), KeyCodec.encode(key));
        Optional<Stored> result = v == null ? Optional.empty() : Optional.of(upgrade(StoredCodec.decode(key, v)));
        loadTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        return result;
    }

    @Override
    public Page scan(Scan scan, ReadConsistency consistency) {
        Validator.checkScan(scan.prefix());
        await(scan.prefix().worldId(), consistency);
        Cf cf = scan.prefix() instanceof Scan.Entities ? Cf.ENTITY_STATES
                : scan.prefix() instanceof Scan.PlayerStates ? Cf.PLAYER_STATES : Cf.APP_STORAGE;
        byte[] prefix = KeyCodec.prefix(scan.prefix());
        byte[] scopePrefix = scan.prefix() instanceof Scan.AppData a
                ? KeyCodec.prefix(new Scan.AppData(a.worldId(), a.appId(), a.playerId(), ""))
                : prefix;
        List<Page.Entry> items = new ArrayList<>();
        String next = null;
        try (ReadOptions ro = new ReadOptions(); RocksIterator it = projection.iterator(cf, ro)) {
            if (scan.after() == null) {
                it.seek(prefix);
            } else {
                byte[] from = concat(scopePrefix, scan.after().getBytes(StandardCharsets.UTF_8));
                it.seek(from);
                if (it.isValid() && java.util.Arrays.equals(it.key(), from)) {
                    it.next();
                }
            }
            for (; it.isValid() && KeyCodec.startsWith(it.key(), prefix); it.next()) {
                String id = KeyCodec.lastPart(it.key());
                if (items.size() == scan.limit()) {
                    next = lastId(items.get(items.size() - 1).key());
                    break;
                }
                Key key = KeyCodec.keyOf(scan.prefix(), id);
                items.add(new Page.Entry(key, upgrade(StoredCodec.decode(key, it.value()))));
            }
        }
        return new Page(items, Optional.ofNullable(next));
    }

    private static String lastId(Key k) {
        if (k instanceof Key.Entity e) {
            return e.entityId();
        } else if (k instanceof Key.PlayerState p) {
            return p.playerId();
        }
        return ((Key.AppData) k).key();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** The value in its table's current data format (upgraded on the fly if written in an older one). */
    private Stored upgrade(Stored s) {
        int current = upgraders.current(s.key().table());
        if (s.formatVersion() >= current) {
            return s;
        }
        return new Stored(s.key(), Json.bytes(upgraders.upgrade(s.key().table(), s.formatVersion(), s.value())), s.version(),
                s.updatedAt(), current, s.origin(), s.actor());
    }

    // ---- history ------------------------------------------------------------------------------

    @Override
    public HistoryPage history(Key key, long before, int limit, boolean withResult, ReadConsistency consistency) {
        Validator.checkKey(key);
        if (limit < 1 || limit > 1000) {
            throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "limit", "must be between 1 and 1000, was " + limit);
        }
        if (before < 0) {
            throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "before", "must be a version (>= 0), was " + before);
        }
        await(key.worldId(), consistency);
        return history.history(key, before, limit, withResult);
    }

    @Override
    public Optional<Stored> readAsOf(Key key, AsOf asOf, ReadConsistency consistency) {
        Validator.checkKey(key);
        checkPartition(key.worldId(), asOf);
        await(key.worldId(), consistency);
        Optional<AsOf> at = atPosition(key.worldId(), asOf);
        return at.isEmpty() ? Optional.empty() : history.readAsOf(key, at.get()).map(this::upgrade);
    }

    @Override
    public void snapshot(String worldId, AsOf asOf, ReadConsistency consistency, java.util.function.Consumer<Stored> sink) {
        Validator.checkId("worldId", worldId);
        checkPartition(worldId, asOf);
        await(worldId, consistency);
        Optional<AsOf> at = atPosition(worldId, asOf);
        if (at.isPresent()) {
            history.snapshot(worldId, at.get(), s -> sink.accept(upgrade(s)));
        }
    }

    /**
     * An instant resolved once to the last position of the partition written at or before it (by
     * Kafka's time index), so a snapshot at a time is cut at one log position even when writers'
     * clocks disagree. Empty when nothing was written by then.
     */
    private Optional<AsOf> atPosition(String worldIdOrNull, AsOf asOf) {
        if (asOf instanceof AsOf.AtPosition) {
            return Optional.of(asOf);
        }
        Instant t = ((AsOf.AtTime) asOf).instant();
        int partition = partitionOf(worldIdOrNull);
        org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(log.topic(), partition);
        long firstAfter = listOffset(tp, org.apache.kafka.clients.admin.OffsetSpec.forTimestamp(t.toEpochMilli() + 1));
        if (firstAfter < 0) {
            firstAfter = listOffset(tp, org.apache.kafka.clients.admin.OffsetSpec.latest());
        }
        return firstAfter == 0 ? Optional.empty() : Optional.of(AsOf.position(new LogPosition(partition, firstAfter - 1)));
    }

    @Override
    public RestoreResult restoreWorld(String worldId, AsOf asOf, String actor) {
        Map<Key, Stored> past = new java.util.LinkedHashMap<>();
        snapshot(worldId, asOf, ReadConsistency.OWN_WRITES, s -> past.put(s.key(), s));
        Map<Key, Stored> now = new java.util.LinkedHashMap<>();
        ProjectionTools.streamWorld(projection, worldId, s -> now.put(s.key(), s));
        List<CompletableFuture<Saved>> puts = new ArrayList<>();
        List<CompletableFuture<Saved>> deletes = new ArrayList<>();
        int unchanged = 0;
        for (Map.Entry<Key, Stored> e : past.entrySet()) {
            Stored current = now.get(e.getKey());
            if (current != null && java.util.Arrays.equals(current.jsonBytes(), e.getValue().jsonBytes())) {
                unchanged++;
                continue;
            }
            Condition c = current == null ? Condition.absent() : Condition.version(current.version());
            puts.add(writeAsync(new Change(e.getKey(), Op.PUT, e.getValue().value(), c, actor)));
        }
        for (Map.Entry<Key, Stored> e : now.entrySet()) {
            if (!past.containsKey(e.getKey())) {
                deletes.add(writeAsync(new Change(e.getKey(), Op.DELETE, null, Condition.version(e.getValue().version()), actor)));
            }
        }
        int putConflicts = conflicts(puts);
        int deleteConflicts = conflicts(deletes);
        return new RestoreResult(puts.size() - putConflicts, deletes.size() - deleteConflicts, unchanged,
                putConflicts + deleteConflicts);
    }

    /** Waits for every write; returns how many were refused by their condition. */
    private static int conflicts(List<CompletableFuture<Saved>> writes) {
        int conflicts = 0;
        for (CompletableFuture<Saved> w : writes) {
            try {
                join(w);
            } catch (ConflictException e) {
                conflicts++;
            }
        }
        return conflicts;
    }

    private void checkPartition(String worldIdOrNull, AsOf asOf) {
        if (asOf instanceof AsOf.AtPosition p && p.position().partition() != partitionOf(worldIdOrNull)) {
            throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "asOf", "position " + p.position()
                    + " is not in this key's partition " + partitionOf(worldIdOrNull));
        }
    }

    // ---- change feed ---------------------------------------------------------------------------

    @Override
    public ChangeFeed changes(String worldId, LogPosition after) {
        Validator.checkId("worldId", worldId);
        if (after == null) {
            return changesFrom(worldId, endOf(worldId));
        }
        return changesFrom(worldId, new LogPosition(after.partition(), after.offset() + 1));
    }

    @Override
    public ChangeFeed changesFrom(String worldId, LogPosition from) {
        Validator.checkId("worldId", worldId);
        ensureOpen();
        int partition = partitionOf(worldId);
        if (from.partition() != partition) {
            throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "position",
                    "world " + worldId + " lives in partition " + partition + ", not " + from.partition());
        }
        return new WorldFeed(worldId, partition, from.offset(), bootstrapServers(), config, projection, projector.progress(),
                () -> closed.get() || projector.state() == ProjectorState.CLOSED);
    }

    @Override
    public LogPosition positionAt(String worldId, Instant time) {
        Validator.checkId("worldId", worldId);
        int partition = partitionOf(worldId);
        org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(log.topic(), partition);
        long offset = listOffset(tp, org.apache.kafka.clients.admin.OffsetSpec.forTimestamp(time.toEpochMilli()));
        return offset >= 0 ? new LogPosition(partition, offset) : endOf(worldId);
    }

    @Override
    public LogPosition endOf(String worldId) {
        Validator.checkId("worldId", worldId);
        int partition = partitionOf(worldId);
        org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(log.topic(), partition);
        return new LogPosition(partition, listOffset(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()));
    }

    private long listOffset(org.apache.kafka.common.TopicPartition tp, org.apache.kafka.clients.admin.OffsetSpec spec) {
        try {
            return admin.listOffsets(Map.of(tp, spec)).partitionResult(tp).get(writeTimeoutMs, TimeUnit.MILLISECONDS).offset();
        } catch (ExecutionException | TimeoutException e) {
            throw new LogUnavailableException("cannot read offsets of " + tp + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreClosedException("interrupted while reading offsets of " + tp);
        }
    }

    // ---- operations ---------------------------------------------------------------------------

    @Override
    public void awaitPosition(LogPosition position, Duration timeout) {
        ensureOpen();
        projector.progress().await(position, timeout.toMillis());
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public ProjectorState projectorState() {
        return projector.state();
    }

    @Override
    public long projectorLag() {
        return projector.lag();
    }

    /**
     * Runs expiry and history pruning now (they also run every {@code retention.check.interval.ms}).
     *
     * @return the number of expiry deletes sent
     */
    public int sweepRetention() {
        ensureOpen();
        return retention.sweep();
    }

    private void sweepQuietly() {
        try {
            if (projector.state() == ProjectorState.LIVE) {
                retention.sweep();
            }
        } catch (RuntimeException e) {
            LOG.warn("retention sweep failed: {}", e.toString());
        }
    }

    /** Checkpoints the projection into {@code data.dir/snapshots} now; returns the snapshot directory. */
    public Path takeSnapshot() {
        ensureOpen();
        return projector.snapshotNow();
    }

    /** Next offset to apply per partition (for tools and tests). */
    public long[] appliedOffsets() {
        long[] r = new long[partitions];
        for (int p = 0; p < partitions; p++) {
            r[p] = projector.progress().next(p);
        }
        return r;
    }

    /** Events applied per partition as stored with the state (each record of the log counts once). */
    public Map<Integer, long[]> storedOffsets() {
        return projection.offsets();
    }

    @Override
    public List<DeadLetter> deadLetters(int limit) {
        List<DeadLetter> result = new ArrayList<>();
        try (ReadOptions ro = new ReadOptions(); RocksIterator it = projection.iterator(Cf.DEAD_LETTERS, ro)) {
            for (it.seekToLast(); it.isValid() && result.size() < limit; it.prev()) {
                try {
                    JsonNode n = Json.parse(it.value());
                    byte[] value = n.hasNonNull("value") ? Base64.getDecoder().decode(n.get("value").asText()) : null;
                    result.add(new DeadLetter(new LogPosition(n.path("partition").asInt(), n.path("offset").asLong()),
                            Instant.ofEpochMilli(n.path("recordedAt").asLong()), n.path("reason").asText(),
                            n.path("headers").asText(), value));
                } catch (IOException e) {
                    LOG.warn("unreadable dead letter entry: {}", e.toString());
                }
            }
        }
        return result;
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new StoreClosedException("the worldstore node " + nodeId + " is closed");
        }
        if (projector.state() == ProjectorState.FAILED) {
            Throwable t = projector.failure();
            throw new StorageException("the projector stopped: " + (t == null ? "unknown error" : t.getMessage()), t);
        }
    }

    /**
     * Close order matters: housekeeping first (it writes), then the writer, so in-flight saves get their acknowledgement; then the
     * projector, which stops using RocksDB; then RocksDB; then the admin client and the broker they
     * both talk to.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        housekeeping.shutdownNow();
        closeQuietly(log);
        closeQuietly(projector);
        closeQuietly(projection);
        admin.close(Duration.ofSeconds(5));
        closeQuietly(broker);
        LOG.info("worldstore node {} closed", nodeId);
    }
}
