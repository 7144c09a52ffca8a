package dev.worldstore.projector;

import dev.worldstore.AsOf;
import dev.worldstore.ErrorCode;
import dev.worldstore.Key;
import dev.worldstore.StorageException;
import dev.worldstore.Stored;
import dev.worldstore.Upgraders;
import dev.worldstore.ValidationException;
import dev.worldstore.WorldStoreConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;

/**
 * Offline work on projections, for operators and the CLI: look at the change log, rebuild a
 * projection from it, replay one world to a point in time (from the newest usable snapshot),
 * compare two projections byte for byte. Each call opens its own Kafka clients and closes them; no
 * node needs to run. The log is {@code kafka.bootstrap.servers}, or with none configured the
 * embedded broker of a running {@code worldstore serve} on {@code 127.0.0.1:<kafka.embedded.port>}.
 *
 * <p>Rebuilds and replays apply the log with the same rules as a live node; pass the node's
 * {@link Upgraders} so values in older data formats are upgraded as the node upgrades them.
 *
 * <p>Thread-safe (stateless). Errors: {@link dev.worldstore.LogUnavailableException} when Kafka
 * cannot be reached, {@link dev.worldstore.ConfigException} when the topic does not exist,
 * {@link ValidationException} for arguments that break a rule, {@link StorageException} for RocksDB,
 * {@link IllegalStateException} when the log holds a merge patch in a data format newer than the
 * given upgraders know (the message names the position, table and format).
 */
public final class ProjectionTools {
    private ProjectionTools() {
    }

    /** Outcome of a rebuild or replay: events applied, wall time, and the snapshot it started from ({@code null}: the log's start). */
    public record Run(long events, long millis, Path startedFrom) {
        public double eventsPerSecond() {
            return millis == 0 ? events : events * 1000.0 / millis;
        }
    }

    /**
     * What the change log holds now.
     *
     * @param beginnings per partition (index = partition) the first offset still in the log
     * @param ends per partition the next offset (one past the last record)
     */
    public record LogInfo(String bootstrapServers, String topic, int partitions, long[] beginnings, long[] ends) {
        public LogInfo {
            beginnings = beginnings.clone();
            ends = ends.clone();
        }

        @Override
        public long[] beginnings() {
            return beginnings.clone();
        }

        @Override
        public long[] ends() {
            return ends.clone();
        }

        /** Records in the log now, summed over partitions. */
        public long records() {
            long total = 0;
            for (int p = 0; p < partitions; p++) {
                total += ends[p] - beginnings[p];
            }
            return total;
        }

        /**
         * The partition of {@code worldId}.
         *
         * @throws ValidationException if the world id breaks the id rule
         */
        public int partitionOf(String worldId) {
            Key.checkWorldId(worldId);
            return new Partitioning(partitions).of(worldId);
        }
    }

    /** The change log's topic, partitions and offsets now. */
    public static LogInfo inspect(WorldStoreConfig config) {
        try (KafkaClients clients = clients(config)) {
            int partitions = clients.partitions();
            return new LogInfo(clients.settings().bootstrapServers(), clients.topic(), partitions,
                    clients.offsets(partitions, OffsetSpec.earliest()), clients.offsets(partitions, OffsetSpec.latest()));
        }
    }

    /**
     * Creates the change-log topic exactly as a node creates it when absent (partitions, retention,
     * message size, timestamp type from the configuration), e.g. before nodes are deployed.
     *
     * @return the topic's partition count (the existing count when it already exists)
     */
    public static int ensureTopic(WorldStoreConfig config) {
        try (KafkaClients clients = clients(config)) {
            return clients.ensureTopic(config.embeddedKafka());
        }
    }

    /**
     * Streams a consistent checkpoint of {@code store}'s projection (state, history and the offsets
     * they reflect) to {@code out} as a tar: the RocksDB files under {@code projection/}, then
     * {@code MANIFEST.json} with the format, topic, partitions and each file's size and SHA-256.
     * What a new node started with {@code bootstrap.from} fetches ({@code GET /v1/admin/checkpoint}).
     * Blocks for the transfer; takes no lock that writes wait for.
     *
     * @throws dev.worldstore.StorageException if the checkpoint cannot be taken
     * @throws java.io.IOException if writing to {@code out} fails
     */
    public static void exportCheckpoint(dev.worldstore.WorldStore store, java.io.OutputStream out) throws IOException {
        CheckpointTransfer.export(store.operations(), store.nodeId(), out);
    }

    private static KafkaClients clients(WorldStoreConfig config) {
        return new KafkaClients(KafkaSettings.forTools(config), 30_000);
    }

    /** {@link #rebuild(WorldStoreConfig, Upgraders, Path, LongConsumer)} without data-format upgraders. */
    public static Run rebuild(WorldStoreConfig config, Path target, LongConsumer progress) {
        return rebuild(config, Upgraders.none(), target, progress);
    }

    /**
     * Re-projects the whole change log, as it is now, into {@code target}, which must be empty or
     * absent. With {@code bootstrap.from} set, starts instead from that peer's checkpoint (fetched
     * and verified as a new node does) and applies only the log after it.
     *
     * @param progress called with the events applied so far, after each atomic write
     * @throws dev.worldstore.ConfigException on {@code bootstrap.from} if the peer's checkpoint cannot be had or is refused
     */
    public static Run rebuild(WorldStoreConfig config, Upgraders upgraders, Path target, LongConsumer progress) {
        requireEmpty(target);
        long start = System.nanoTime();
        try (KafkaClients clients = clients(config)) {
            int partitions = clients.partitions();
            String peer = config.get(WorldStoreConfig.BOOTSTRAP_FROM);
            if (!peer.isBlank()) {
                CheckpointTransfer.fetch(java.net.URI.create(peer.trim()), config.get(WorldStoreConfig.BOOTSTRAP_API_KEY), target,
                        clients.topic(), bytes -> { });
            }
            long[] ends = clients.offsets(partitions, OffsetSpec.latest());
            Map<Integer, Long> targets = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                targets.put(p, ends[p]);
            }
            long events = project(clients, config, upgraders, target, partitions, targets, progress);
            return new Run(events, (System.nanoTime() - start) / 1_000_000, null);
        }
    }

    private static long project(KafkaClients clients, WorldStoreConfig config, Upgraders upgraders, Path dir, int partitions,
            Map<Integer, Long> targets, LongConsumer progress) {
        return project(clients, config, upgraders, dir, partitions, targets, null, progress);
    }

    /** With {@code timeLimits}, stops each partition before its first event with a later event time ({@link Applier}). */
    private static long project(KafkaClients clients, WorldStoreConfig config, Upgraders upgraders, Path dir, int partitions,
            Map<Integer, Long> targets, Map<Integer, Long> timeLimits, LongConsumer progress) {
        ProjectionSettings ps = ProjectionSettings.from(config).scratch(dir);
        try (RocksProjection projection = RocksProjection.open(dir, ps)) {
            if (projection.meta("topic") == null) {
                projection.putMeta("topic", clients.topic());
            }
            // what a live node remembers of the topic, so a rebuild is byte-identical to it
            projection.putMeta(RocksProjection.PARTITIONS_META, Integer.toString(partitions));
            Progress at = new Progress(partitions);
            Applier applier = new Applier(projection, new ProjectionRules(upgraders), at, new VerdictBoard(), new SimpleMeterRegistry());
            return BoundedReplay.run(clients, applier, at, ps.pollMaxRecords(), new HashMap<>(targets), timeLimits, progress);
        }
    }

    /** {@link #replayWorld(WorldStoreConfig, Upgraders, String, AsOf, boolean, Consumer, LongConsumer)} without upgraders. */
    public static Run replayWorld(WorldStoreConfig config, String worldId, AsOf asOf, boolean useSnapshots, Consumer<Stored> sink,
            LongConsumer progress) {
        return replayWorld(config, Upgraders.none(), worldId, asOf, useSnapshots, sink, progress);
    }

    /**
     * Replays {@code worldId} up to {@code asOf} from the change log into a scratch projection,
     * starting from the newest snapshot in {@code data.dir/snapshots} that does not pass
     * {@code asOf} (unless {@code useSnapshots} is false), and streams the world's keys as they were
     * (world state, entities, player states, app data). Points in time follow
     * {@link dev.worldstore.WorldStore#resolve}'s convention.
     *
     * @throws ValidationException if {@code asOf} is a position of another partition or past the log's end
     */
    public static Run replayWorld(WorldStoreConfig config, Upgraders upgraders, String worldId, AsOf asOf, boolean useSnapshots,
            Consumer<Stored> sink, LongConsumer progress) {
        Key.checkWorldId(worldId);
        long start = System.nanoTime();
        Path scratch = null;
        try (KafkaClients clients = clients(config)) {
            int partitions = clients.partitions();
            int partition = new Partitioning(partitions).of(worldId);
            long end = clients.endOffset(partition);
            // to a position: up to it; to an instant: up to the log's end now, stopping before the first
            // event whose event time is later, derived exactly as the nodes derive it (EventClock)
            long target = end;
            Long timeLimit = null;
            if (asOf instanceof AsOf.AtTime t) {
                timeLimit = t.instant().toEpochMilli();
            } else {
                if (asOf.partition() != partition) {
                    throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "asOf", "position " + asOf
                            + " is not in this world's partition " + partition + "; use a position the API gave for this world");
                }
                target = asOf instanceof AsOf.AtPosition p ? p.position().offset() + 1 : 0; // a start: no event
            }
            if (target > end) {
                throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "asOf", asOf + " is past the end of partition " + partition
                        + " of " + clients.topic() + " (next offset " + end + ")");
            }
            scratch = Files.createTempDirectory("worldstore-replay-");
            Path from = useSnapshots ? newestSnapshotNotAfter(config, partition, target, timeLimit, scratch) : null;
            long events = project(clients, config, upgraders, scratch, partitions, Map.of(partition, target),
                    timeLimit == null ? null : Map.of(partition, timeLimit), progress);
            try (RocksProjection projection = RocksProjection.open(scratch, ProjectionSettings.from(config).scratch(scratch))) {
                new StateReader(projection, upgraders, new Partitioning(partitions).of((String) null)).streamWorld(worldId, sink);
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

    /**
     * Links the newest usable snapshot's files into {@code scratch}; returns the snapshot, or null if
     * none fits. A snapshot fits if it has not passed {@code target} in {@code partition} nor, with a
     * {@code timeLimit}, an event time after it; snapshots of releases before event times do not
     * fit (their checkpoints cannot continue the event clock).
     */
    private static Path newestSnapshotNotAfter(WorldStoreConfig config, int partition, long target, Long timeLimit, Path scratch)
            throws IOException {
        ProjectionSettings ps = ProjectionSettings.from(config);
        List<Path> all = Snapshots.list(ps.snapshotsDir());
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
            boolean fits;
            try (RocksProjection p = RocksProjection.open(scratch, ps.scratch(scratch))) {
                long next = p.checkpoint(partition).nextOffset();
                java.util.OptionalLong time = p.lastEventTime(partition);
                boolean allPartitionsTimed = true;
                for (int q = 0; q < p.checkpoints().size(); q++) {
                    allPartitionsTimed &= p.lastEventTime(p.checkpoints().get(q).partition()).isPresent();
                }
                fits = allPartitionsTimed && next <= target && (timeLimit == null || time.getAsLong() <= timeLimit);
            }
            if (fits) {
                return snapshot;
            }
        }
        Snapshots.deleteRecursively(scratch);
        Files.createDirectories(scratch);
        return null;
    }

    /**
     * Compares two closed projections table by table, byte for byte.
     *
     * @return a description of the first difference, or empty when identical
     * @throws ValidationException if either is not a directory
     * @throws StorageException if either cannot be opened (a running node holds it, say)
     */
    public static Optional<String> compare(WorldStoreConfig config, Path a, Path b) {
        for (Path p : List.of(a, b)) {
            if (!Files.isDirectory(p)) {
                throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "projection", p + " is not a projection directory");
            }
        }
        ProjectionSettings ps = ProjectionSettings.from(config);
        try (RocksProjection pa = RocksProjection.open(a, ps.scratch(a)); RocksProjection pb = RocksProjection.open(b, ps.scratch(b))) {
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
