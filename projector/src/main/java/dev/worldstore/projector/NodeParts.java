package dev.worldstore.projector;

import dev.worldstore.WorldStoreConfig;
import dev.worldstore.kafka.EmbeddedKafka;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts of one node, as {@link NodeStarter} built them. {@link #close()} closes what the
 * node owns, in order: the writer (in-flight saves get their acknowledgement), the Kafka health
 * checks, the projector (joins
 * its threads), RocksDB, the Kafka admin client, the embedded broker. Each part's close is
 * idempotent; a failing close is logged and the rest still close.
 *
 * @param broker the embedded broker, or {@code null} with an external cluster
 * @param retentionEvery milliseconds between retention sweeps
 * @param feeds the change feeds' shared reader of applied events
 */
record NodeParts(WorldStoreConfig config, String nodeId, EmbeddedKafka broker, KafkaClients clients, KafkaHealth health,
        RocksProjection projection,
        Partitioning partitioning, Progress progress, LogWriter log, Writer writer, Projector projector, ReadGate gate,
        StateReader state, HistoryReader history, LogPositions positions, Retention retention, long retentionEvery, FeedHub feeds) {

    private static final Logger LOG = LoggerFactory.getLogger(NodeParts.class);

    void close() {
        closeQuietly(log);
        closeQuietly(health);
        closeQuietly(projector);
        closeQuietly(feeds);
        closeQuietly(projection);
        closeQuietly(clients);
        closeQuietly(broker);
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("closing {}: {}", c.getClass().getSimpleName(), e.toString());
        }
    }
}
