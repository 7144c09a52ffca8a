package dev.worldstore.projector.internal;

import dev.worldstore.AsOf;
import dev.worldstore.ErrorCode;
import dev.worldstore.Key;
import dev.worldstore.LogUnavailableException;
import dev.worldstore.StorageException;
import dev.worldstore.Stored;
import dev.worldstore.Upgraders;
import dev.worldstore.ValidationException;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.internal.EventCodec;
import dev.worldstore.internal.Validator;
import dev.worldstore.projector.internal.RocksProjection.Cf;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;

/**
 * Offline work on projections: rebuild from the log, replay one world to a point in time (from the
 * newest usable snapshot), compare two projections byte for byte. Each call opens its own clients
 * and closes them.
 */
public final class ProjectionTools {
    private ProjectionTools() {
    }

    /** Outcome of a rebuild or replay: events applied and wall time. */
    public record Run(long events, long millis, Path startedFrom) {
        public double eventsPerSecond() {
            return millis == 0 ? events : events * 1000.0 / millis;
        }
    }

    private static String bootstrap(WorldStoreConfig config) {
        String b = config.get(WorldStoreConfig.KAFKA_BOOTSTRAP_SERVERS);
        return b.isBlank() ? "127.0.0.1:" + config.getInt(WorldStoreConfig.KAFKA_EMBEDDED_PORT) : b;
    }

    private static Admin admin(WorldStoreConfig config) {
        Properties p = new Properties();
        p.putAll(config.kafkaClientOverrides());
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(config));
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        return Admin.create(p);
    }

    private static <T> T get(org.apache.kafka.common.KafkaFuture<T> f, String what) {
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new LogUnavailableException("cannot " + what + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LogUnavailableException("interrupted while trying to " + what, e);
        }
    }

    private static int partitions(Admin admin, String topic) {
        return get(admin.describeTopics(List.of(topic)).allTopicNames(), "describe topic " + topic).get(topic).partitions().size();
    }

    /** Re-projects the whole change log, as it is now, into the empty directory {@code target}. */
    public static Run rebuild(WorldStoreConfig config, Path target, LongConsumer progress) {
        requireEmpty(target);
        String topic = config.get(WorldStoreConfig.KAFKA_TOPIC);
        long start = System.nanoTime();
        try (Admin admin = admin(config)) {
            int partitions = partitions(admin, topic);
            Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                ask.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = get(admin.listOffsets(ask).all(), "read end offsets of " + topic);
            Map<Integer, Long> targets = new HashMap<>();
            ends.forEach((tp, info) -> targets.put(tp.partition(), info.offset()));
            long events = project(config, target, partitions, targets, progress);
            return new Run(events, (System.nanoTime() - start) / 1_000_000, null);
        }
    }

    private static long project(WorldStoreConfig config, Path dir, int partitions, Map<Integer, Long> targets, LongConsumer progress) {
        Upgraders upgraders = Upgraders.none();
        long[] applied = new long[1];
        try (RocksProjection projection = RocksProjection.open(dir, config)) {
            if (projection.meta("topic") == null) {
                projection.putMeta("topic", config.get(WorldStoreConfig.KAFKA_TOPIC));
            }
            Projector projector = new Projector(projection, bootstrap(config), config.with(
                    WorldStoreConfig.PROJECTOR_SNAPSHOT_INTERVAL_MS.name(), "0"), partitions, new VerdictBoard(), new SimpleMeterRegistry(), upgraders);
            projector.catchUp(targets, n -> {
                applied[0] = n;
                progress.accept(n);
            });
        }
        return applied[0];
    }

    /**
     * Replays {@code worldId} up to {@code asOf} from the change log into a scratch projection,
     * starting from the newest snapshot in {@code data.dir/snapshots} that does not pass
     * {@code asOf} (unless {@code useSnapshots} is false), and streams the world's keys as they were.
     */
    public static Run replayWorld(WorldStoreConfig config, String worldId, AsOf asOf, boolean useSnapshots,
            Consumer<Stored> sink, LongConsumer progress) {
        Validator.checkId("worldId", worldId);
        String topic = config.get(WorldStoreConfig.KAFKA_TOPIC);
        long start = System.nanoTime();
        Path scratch = null;
        try (Admin admin = admin(config)) {
            int partitions = partitions(admin, topic);
            int partition = EventCodec.partitionFor(worldId, partitions);
            TopicPartition tp = new TopicPartition(topic, partition);
            long target;
            if (asOf instanceof AsOf.AtPosition p) {
                if (p.position().partition() != partition) {
                    throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "asOf",
                            "world " + worldId + " lives in partition " + partition + ", not " + p.position().partition());
                }
                target = p.position().offset() + 1;
            } else {
                long ts = ((AsOf.AtTime) asOf).instant().toEpochMilli() + 1;
                long found = get(admin.listOffsets(Map.of(tp, OffsetSpec.forTimestamp(ts))).partitionResult(tp),
                        "find the offset of " + asOf).offset();
                target = found >= 0 ? found
                        : get(admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp), "read the end of " + tp).offset();
            }
            long end = get(admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp), "read the end of " + tp).offset();
            if (target > end) {
                throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "asOf", asOf + " is past the end of " + tp
                        + " (next offset " + end + ")");
            }
            scratch = Files.createTempDirectory("worldstore-replay-");
            Path from = useSnapshots ? newestSnapshotNotAfter(config, partition, target, scratch) : null;
            long events = project(config, scratch, partitions, Map.of(partition, target), progress);
            try (RocksProjection projection = RocksProjection.open(scratch, config)) {
                streamWorld(projection, worldId, sink);
            }
            return new Run(events, (System.nanoTime() - start) / 1_000_000, from);
        } catch (IOException e) {
            throw new StorageException("replay of world " + worldId + " failed: " + e.getMessage(), e);
        } finally {
            if (scratch != null) {
                try {
                    Snapshots.deleteRecursively(scratch);
                } catch (IOException ignored) {
                    // a temporary directory; the OS reclaims it
                }
            }
        }
    }

    /** Links the newest usable snapshot's files into {@code scratch}; returns the snapshot, or null if none fits. */
    private static Path newestSnapshotNotAfter(WorldStoreConfig config, int partition, long target, Path scratch) throws IOException {
        List<Path> all = Snapshots.list(config.dataDir().resolve("snapshots"));
        for (int i = all.size() - 1; i >= 0; i--) {
            Path snapshot = all.get(i);
            Snapshots.deleteRecursively(scratch);
            Files.createDirectories(scratch);
            try (Stream<Path> files = Files.list(snapshot)) {
                for (Path f : files.toList()) {
                    Path to = scratch.resolve(f.getFileName());
                    if (f.getFileName().toString().endsWith(".sst")) {
                        Files.createLink(to, f);
                    } else {
                        Files.copy(f, to);
                    }
                }
            }
            long next;
            try (RocksProjection p = RocksProjection.open(scratch, config)) {
                next = p.offsets().getOrDefault(partition, new long[] {0, 0})[0];
            }
            if (next <= target) {
                return snapshot;
            }
        }
        Snapshots.deleteRecursively(scratch);
        Files.createDirectories(scratch);
        return null;
    }

    /** Every current key of a world in the projection: world state, entities, player states, app data. */
    static void streamWorld(RocksProjection projection, String worldId, Consumer<Stored> sink) {
        Key.WorldState ws = new Key.WorldState(worldId);
        byte[] state = projection.get(Cf.WORLD_STATE, KeyCodec.encode(ws));
        if (state != null) {
            sink.accept(StoredCodec.decode(ws, state));
        }
        byte[] prefix = (worldId + "\0").getBytes(StandardCharsets.UTF_8);
        for (Cf cf : List.of(Cf.ENTITY_STATES, Cf.PLAYER_STATES, Cf.APP_STORAGE)) {
            dev.worldstore.Table table = cf == Cf.ENTITY_STATES ? dev.worldstore.Table.ENTITY_STATES
                    : cf == Cf.PLAYER_STATES ? dev.worldstore.Table.PLAYER_STATES : dev.worldstore.Table.APP_STORAGE;
            try (ReadOptions ro = new ReadOptions(); RocksIterator it = projection.iterator(cf, ro)) {
                for (it.seek(prefix); it.isValid() && KeyCodec.startsWith(it.key(), prefix); it.next()) {
                    Key key = KeyCodec.decode(table, it.key());
                    sink.accept(StoredCodec.decode(key, it.value()));
                }
            }
        }
    }

    /**
     * Compares two closed projections table by table, byte for byte.
     *
     * @return a description of the first difference, or empty when identical
     */
    public static Optional<String> compare(WorldStoreConfig config, Path a, Path b) {
        for (Path p : List.of(a, b)) {
            if (!Files.isDirectory(p)) {
                throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "projection", p + " is not a projection directory");
            }
        }
        try (RocksProjection pa = RocksProjection.open(a, config); RocksProjection pb = RocksProjection.open(b, config)) {
            for (Cf cf : Cf.values()) {
                try (ReadOptions r1 = new ReadOptions(); ReadOptions r2 = new ReadOptions();
                        RocksIterator i1 = pa.iterator(cf, r1); RocksIterator i2 = pb.iterator(cf, r2)) {
                    i1.seekToFirst();
                    i2.seekToFirst();
                    long n = 0;
                    for (; i1.isValid() && i2.isValid(); i1.next(), i2.next(), n++) {
                        if (!Arrays.equals(i1.key(), i2.key()) || !Arrays.equals(i1.value(), i2.value())) {
                            return Optional.of("table " + cf.cfName + " differs at entry " + n);
                        }
                    }
                    if (i1.isValid() != i2.isValid()) {
                        return Optional.of("table " + cf.cfName + " has " + (i1.isValid() ? "more" : "fewer") + " entries in " + a);
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static void requireEmpty(Path dir) {
        try {
            if (Files.exists(dir)) {
                try (Stream<Path> s = Files.list(dir)) {
                    if (s.findAny().isPresent()) {
                        throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "target", dir + " must be empty or absent");
                    }
                }
            }
        } catch (IOException e) {
            throw new StorageException("cannot read " + dir + ": " + e.getMessage(), e);
        }
    }
}
