package dev.worldstore.projector;

import dev.worldstore.LogUnavailableException;
import dev.worldstore.StorageException;
import dev.worldstore.Upgraders;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.kafka.EmbeddedKafka;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a node: the embedded broker when no cluster is configured, the Kafka clients and the topic,
 * the projection, then every part wired to the ones it uses; then starts it. On failure everything
 * already opened is closed again, newest first, so a failed open leaks nothing.
 */
final class NodeStarter {
    private static final Logger LOG = LoggerFactory.getLogger(NodeStarter.class);

    private NodeStarter() {
    }

    static Node open(WorldStoreConfig config, MeterRegistry metrics, Clock clock, Upgraders upgraders) {
        Deque<AutoCloseable> opened = new ArrayDeque<>();
        try {
            Files.createDirectories(config.dataDir());
            String nodeId = nodeId(config);
            String bootstrap = config.get(WorldStoreConfig.KAFKA_BOOTSTRAP_SERVERS);
            EmbeddedKafka broker = null;
            if (config.embeddedKafka()) {
                broker = EmbeddedKafka.start(config.dataDir().resolve("kafka"), config.getInt(WorldStoreConfig.KAFKA_EMBEDDED_PORT),
                        config.getBoolean(WorldStoreConfig.KAFKA_EMBEDDED_FLUSH_EVERY_MESSAGE));
                opened.push(broker);
                bootstrap = broker.bootstrapServers();
            }
            KafkaSettings kafka = KafkaSettings.from(config, bootstrap);
            KafkaClients clients = new KafkaClients(kafka, kafka.writeTimeoutMs());
            opened.push(clients);
            KafkaHealth health = new KafkaHealth(clients, clock);
            opened.push(health);

            ProjectionSettings ps = ProjectionSettings.from(config);
            CheckpointTransfer.bootstrapIfEmpty(config, ps.projectionDir(), kafka.topic());
            RocksProjection projection = RocksProjection.open(ps.projectionDir(), ps);
            opened.push(projection);
            checkTopic(projection, kafka.topic(), ps.projectionDir());
            Partitioning partitioning = new Partitioning(partitions(clients, health, projection, broker != null));
            // a projection of a release before event times is upgraded once, from the log (needs Kafka)
            EventTimeUpgrade.run(clients, projection, partitioning, ps.pollMaxRecords());
            Gauge.builder("worldstore.rocksdb.size.bytes", projection, RocksProjection::sizeBytes)
                    .description("Projection size on disk (SST and blob files) and in memtables").register(metrics);
            // counts what the projection holds, so it does not start again at 0 when the node restarts
            FunctionCounter.builder("worldstore.projector.deadlettered", projection, RocksProjection::deadLetterCount)
                    .description("Change-log records this node's projection could not decode or apply: kept in dead_letters "
                            + "(WorldStore.deadLetters) and skipped; counted from the projection, so it survives restarts")
                    .register(metrics);
            if (projection.deadLetterCount() > 0) {
                LOG.warn("the projection holds {} dead letter(s): records of the log it could not decode or apply "
                        + "(WorldStore.deadLetters lists them; GET /health/ready counts them)", projection.deadLetterCount());
            }

            Progress progress = new Progress(partitioning.partitions());
            VerdictBoard verdicts = new VerdictBoard();
            FeedHub feeds = new FeedHub(partitioning.partitions(), config.getLong(WorldStoreConfig.FEED_BUFFER_BYTES),
                    config.getInt(WorldStoreConfig.FEED_CATCHUP_MAX_COUNT));
            opened.push(feeds);
            Gauge.builder("worldstore.feed.buffer.bytes", feeds, FeedHub::bufferedBytes)
                    .description("Recent applied events held in memory for change feeds at the log's tail (accounted bytes)").register(metrics);
            Gauge.builder("worldstore.feed.catchup.readers", feeds.readers(), LogReaders::active)
                    .description("Change feeds reading the log on their own (behind the in-memory tail)").register(metrics);
            ProjectionRules rules = new ProjectionRules(upgraders);
            Applier applier = new Applier(projection, rules, progress, verdicts, metrics, feeds);
            Projector projector = new Projector(clients, projection, applier, progress, new Snapshots(ps, Clock.systemUTC()),
                    ps.pollMaxRecords(), metrics);
            opened.push(projector);
            LogWriter log = new LogWriter(clients, partitioning.partitions(), kafka.maxInFlightBytes(), health);
            opened.push(log);
            OwnWrites own = new OwnWrites(partitioning.partitions());
            Writer.BatchLimits batchLimits = new Writer.BatchLimits(config.getInt(WorldStoreConfig.BATCH_MAX_CHANGES),
                    config.getInt(WorldStoreConfig.BATCH_MAX_BYTES));
            Writer writer = new Writer(log, new Validator(kafka.valueMaxBytes()), batchLimits, verdicts, own, upgraders, nodeId, clock,
                    kafka.writeTimeoutMs(), config.getLong(WorldStoreConfig.IDEMPOTENCY_WINDOW_MS));
            RetentionSettings rs = RetentionSettings.from(config);
            NodeParts parts = new NodeParts(config, nodeId, broker, clients, health, projection, partitioning, progress, log, writer, projector,
                    new ReadGate(progress, own, partitioning, config.getLong(WorldStoreConfig.READ_WAIT_TIMEOUT_MS)),
                    new StateReader(projection, upgraders, partitioning.of((String) null)), new HistoryReader(projection, upgraders),
                    new LogPositions(clients, projection, progress), new Retention(projection, writer::write, rs, clock, rules::latestEventMs),
                    rs.checkIntervalMs(), feeds);
            Node node = new Node(parts);
            opened.push(node);
            node.start();
            health.start();
            LOG.info("worldstore node {} open: topic {} ({} partitions) on {}{}, projection in {}", nodeId, kafka.topic(),
                    partitioning.partitions(), bootstrap, broker != null ? " (embedded broker)" : "", projection.dir());
            return node;
        } catch (IOException e) {
            opened.forEach(NodeParts::closeQuietly);
            throw new StorageException("cannot create data.dir " + config.dataDir() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            opened.forEach(NodeParts::closeQuietly);
            throw e;
        }
    }

    /**
     * The topic's partition count: from Kafka (creating the topic if absent), remembered in the
     * projection. When an external Kafka cannot be reached and the projection remembers the count,
     * the node starts anyway, read-only ({@link KafkaHealth}), serving loads from its projection.
     *
     * @throws LogUnavailableException when Kafka cannot be reached and this projection never saw it
     * @throws StorageException when Kafka's count differs from the one the projection was built with
     */
    private static int partitions(KafkaClients clients, KafkaHealth health, RocksProjection projection, boolean embedded) {
        String remembered = projection.meta(RocksProjection.PARTITIONS_META);
        int partitions;
        try {
            partitions = clients.ensureTopic(embedded);
        } catch (LogUnavailableException e) {
            if (embedded || remembered == null) {
                throw e;
            }
            health.startUnreachable(e.getMessage());
            LOG.warn("Kafka is unreachable at start ({}); serving loads from the projection in {}, read-only, until it returns",
                    e.getMessage(), projection.dir());
            return Integer.parseInt(remembered);
        }
        if (remembered != null && Integer.parseInt(remembered) != partitions) {
            throw new StorageException(projection.dir() + " was built from " + remembered + " partitions of topic " + clients.topic()
                    + ", which now has " + partitions + "; rebuild the projection (worldstore rebuild)", null);
        }
        projection.putMeta(RocksProjection.PARTITIONS_META, Integer.toString(partitions));
        return partitions;
    }

    /** A projection holds one topic's state: refuse to mix two. */
    private static void checkTopic(RocksProjection projection, String topic, Path dir) {
        String projected = projection.meta("topic");
        if (projected == null) {
            projection.putMeta("topic", topic);
        } else if (!projected.equals(topic)) {
            throw new StorageException(dir + " holds a projection of topic " + projected + ", not " + topic
                    + "; use another data.dir or the same kafka.topic", null);
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
}
