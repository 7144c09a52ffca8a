package dev.worldstore.projector;

import dev.worldstore.ConfigException;
import dev.worldstore.WorldStoreConfig;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.utils.AppInfoParser;

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
     *     ({@link #checkOverrides})
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
        checkOverrides(s);
        return s;
    }

    /**
     * Checks the user's {@code kafka.*} pass-through settings: each must be a setting of the Kafka
     * producer, consumer or admin client (or under Kafka's {@code config.providers.} prefix), and
     * at least one client that knows it must use it, i.e. worldstore does not set it itself in every
     * such client. A setting that would be ignored is an error, not a warning in a log.
     *
     * @throws ConfigException naming the {@code kafka.*} key, and the worldstore key to use instead where there is one
     */
    static void checkOverrides(KafkaSettings settings) {
        Properties overrides = settings.clientOverrides();
        if (overrides.isEmpty()) {
            return;
        }
        KafkaSettings bare = settings.withoutOverrides();
        // per client: the settings it knows, and those worldstore sets after the user's
        List<Map.Entry<Set<String>, Set<String>>> clients = List.of(
                Map.entry(AdminClientConfig.configNames(), KafkaClients.adminProperties(bare).stringPropertyNames()),
                Map.entry(ProducerConfig.configNames(), KafkaClients.producerProperties(bare).stringPropertyNames()),
                Map.entry(ConsumerConfig.configNames(), KafkaClients.consumerProperties(bare, "check", 1, true).stringPropertyNames()));
        for (String name : new TreeSet<>(overrides.stringPropertyNames())) {
            if (name.startsWith("config.providers.") || name.equals("config.providers")) {
                continue;
            }
            boolean known = false;
            boolean used = false;
            for (Map.Entry<Set<String>, Set<String>> client : clients) {
                if (client.getKey().contains(name)) {
                    known = true;
                    // a default worldstore puts only where the user gave none (KafkaClients.DEFAULTS) is the user's to set
                    used |= !client.getValue().contains(name) || KafkaClients.DEFAULTS.contains(name);
                }
            }
            String key = "kafka." + name;
            if (!known) {
                throw new ConfigException(key, "is neither a worldstore key nor a setting of the Kafka " + AppInfoParser.getVersion()
                        + " producer, consumer or admin client, so it would do nothing (only those pass through, without the "
                        + "kafka. prefix; topic settings are kafka.topic.* keys, see the README's configuration table)");
            }
            if (!used) {
                String instead = WORLDSTORE_KEY_FOR.get(name);
                throw new ConfigException(key, "is set by worldstore itself in every Kafka client that reads it, so it would do nothing"
                        + (instead == null ? "" : "; use " + instead));
            }
        }
    }

    /** The worldstore key behind each Kafka client setting worldstore fixes from one. */
    private static final Map<String, String> WORLDSTORE_KEY_FOR = Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "kafka.bootstrap.servers",
            ProducerConfig.LINGER_MS_CONFIG, "producer.linger.ms",
            ProducerConfig.BATCH_SIZE_CONFIG, "producer.batch.bytes",
            ProducerConfig.COMPRESSION_TYPE_CONFIG, "producer.compression",
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "write.timeout.ms",
            ProducerConfig.MAX_BLOCK_MS_CONFIG, "write.timeout.ms",
            ProducerConfig.BUFFER_MEMORY_CONFIG, "write.max.inflight.bytes",
            ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "value.max.bytes and batch.max.bytes",
            ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "projector.poll.max.records");

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
