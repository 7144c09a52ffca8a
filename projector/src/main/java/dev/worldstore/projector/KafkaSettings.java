package dev.worldstore.projector;

import dev.worldstore.WorldStoreConfig;
import java.util.Properties;

/**
 * How this node talks to Kafka, read once from the configuration: the cluster, the change-log
 * topic and the producer's settings. Immutable.
 *
 * @param bootstrapServers the cluster, or the embedded broker's address once it runs
 * @param writeTimeoutMs a save's whole wait: Kafka's delivery timeout and the verdict wait
 * @param maxRecordBytes the largest record: the larger of {@code value.max.bytes} and {@code batch.max.bytes}, plus
 *     room for headers and Kafka's batch overhead; the topic's {@code max.message.bytes} when worldstore creates it
 * @param minInsyncReplicas the topic's {@code min.insync.replicas} when worldstore creates it; -1 = the broker's default
 * @param clientOverrides the user's {@code kafka.*} pass-through settings, prefix removed (copied on read)
 * @param maxInFlightBytes most bytes of unacknowledged writes ({@code write.max.inflight.bytes})
 */
record KafkaSettings(String bootstrapServers, String topic, int partitions, int replicationFactor, int minInsyncReplicas,
        long retentionMs, int lingerMs, int batchBytes, String compression, long writeTimeoutMs, int maxRecordBytes, int valueMaxBytes,
        Properties clientOverrides, long maxInFlightBytes) {

    /** Room for headers and batch overhead on top of the largest value. */
    static final int RECORD_OVERHEAD_BYTES = 1024 * 1024;

    /**
     * @throws dev.worldstore.ConfigException for a {@code kafka.*} pass-through key that would do nothing
     *     ({@link KafkaClients#checkOverrides})
     */
    static KafkaSettings from(WorldStoreConfig c, String bootstrapServers) {
        int valueMax = c.getInt(WorldStoreConfig.VALUE_MAX_BYTES);
        int recordMax = Math.max(valueMax, c.getInt(WorldStoreConfig.BATCH_MAX_BYTES)) + RECORD_OVERHEAD_BYTES;
        KafkaSettings s = new KafkaSettings(bootstrapServers, c.get(WorldStoreConfig.KAFKA_TOPIC),
                c.getInt(WorldStoreConfig.KAFKA_TOPIC_PARTITIONS), c.getInt(WorldStoreConfig.KAFKA_TOPIC_REPLICATION_FACTOR),
                c.getInt(WorldStoreConfig.KAFKA_TOPIC_MIN_INSYNC_REPLICAS), c.getLong(WorldStoreConfig.KAFKA_TOPIC_RETENTION_MS),
                c.getInt(WorldStoreConfig.PRODUCER_LINGER_MS), c.getInt(WorldStoreConfig.PRODUCER_BATCH_BYTES),
                c.get(WorldStoreConfig.PRODUCER_COMPRESSION), c.getLong(WorldStoreConfig.WRITE_TIMEOUT_MS),
                recordMax, valueMax, c.kafkaClientOverrides(), c.getLong(WorldStoreConfig.WRITE_MAX_INFLIGHT_BYTES));
        KafkaClients.checkOverrides(s);
        return s;
    }

    /** The same settings without the user's pass-through ones. */
    KafkaSettings withoutOverrides() {
        return new KafkaSettings(bootstrapServers, topic, partitions, replicationFactor, minInsyncReplicas, retentionMs, lingerMs,
                batchBytes, compression, writeTimeoutMs, maxRecordBytes, valueMaxBytes, new Properties(), maxInFlightBytes);
    }

    /**
     * The address the offline tools use: the configured cluster, else a running {@code serve}'s
     * embedded broker on {@code 127.0.0.1:kafka.embedded.port}.
     */
    static KafkaSettings forTools(WorldStoreConfig c) {
        String b = c.get(WorldStoreConfig.KAFKA_BOOTSTRAP_SERVERS);
        return from(c, b.isBlank() ? "127.0.0.1:" + c.getInt(WorldStoreConfig.KAFKA_EMBEDDED_PORT) : b);
    }

    @Override
    public Properties clientOverrides() {
        Properties p = new Properties();
        p.putAll(clientOverrides);
        return p;
    }
}
