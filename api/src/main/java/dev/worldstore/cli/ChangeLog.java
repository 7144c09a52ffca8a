package dev.worldstore.cli;

import dev.worldstore.AsOf;
import dev.worldstore.ConfigException;
import dev.worldstore.LogPosition;
import dev.worldstore.LogUnavailableException;
import dev.worldstore.ValidationException;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.internal.EventCodec;
import dev.worldstore.internal.Validator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * What the offline commands ({@code replay}, {@code rebuild}, {@code restore}) check on the change
 * log before they start, so a wrong address, topic, world or position is a clear one-line error
 * rather than a long wait: the topic exists, its partitions, and their first and end offsets.
 *
 * <p>The log is reached like {@code ProjectionTools} does: {@code kafka.bootstrap.servers}, or with
 * none configured the embedded broker of a running {@code worldstore serve} on
 * {@code 127.0.0.1:<kafka.embedded.port>}.
 */
final class ChangeLog implements AutoCloseable {
    private final Admin admin;
    private final String bootstrap;
    private final String topic;
    private final int partitions;

    private ChangeLog(WorldStoreConfig config) {
        this.bootstrap = bootstrap(config);
        this.topic = config.get(WorldStoreConfig.KAFKA_TOPIC);
        Properties p = new Properties();
        p.putAll(config.kafkaClientOverrides());
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        p.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        this.admin = Admin.create(p);
        try {
            this.partitions = get(admin.describeTopics(List.of(topic)).allTopicNames(), "describe topic " + topic).get(topic).partitions().size();
        } catch (RuntimeException e) {
            admin.close();
            throw e;
        }
    }

    /** Connects and checks that the topic exists. */
    static ChangeLog open(WorldStoreConfig config) {
        return new ChangeLog(config);
    }

    /** The address the offline tools use: the configured cluster, else a running serve's embedded broker. */
    static String bootstrap(WorldStoreConfig config) {
        String b = config.get(WorldStoreConfig.KAFKA_BOOTSTRAP_SERVERS);
        return b.isBlank() ? "127.0.0.1:" + config.getInt(WorldStoreConfig.KAFKA_EMBEDDED_PORT) : b;
    }

    /** "Kafka 127.0.0.1:9092 (a running serve's embedded broker)" or "Kafka host:9092". */
    static String describe(WorldStoreConfig config) {
        return "Kafka " + bootstrap(config) + (config.embeddedKafka() ? " (the embedded broker of a running `worldstore serve`)" : "");
    }

    private <T> T get(KafkaFuture<T> f, String what) {
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new ConfigException("kafka.topic", "topic " + topic + " does not exist on Kafka " + bootstrap
                        + " (check --kafka.topic and --kafka.bootstrap.servers)");
            }
            throw unreachable(what, e.getCause() == null ? e : e.getCause());
        } catch (TimeoutException e) {
            throw unreachable(what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LogUnavailableException("interrupted while trying to " + what, e);
        }
    }

    private LogUnavailableException unreachable(String what, Throwable cause) {
        return new LogUnavailableException("cannot " + what + " on Kafka " + bootstrap + ": " + cause.getMessage()
                + " (is Kafka, or a `worldstore serve` with its embedded broker, running there? set --kafka.bootstrap.servers "
                + "for a cluster)", cause);
    }

    String topic() {
        return topic;
    }

    String bootstrapServers() {
        return bootstrap;
    }

    int partitions() {
        return partitions;
    }

    int partitionOf(String worldId) {
        return EventCodec.partitionFor(worldId, partitions);
    }

    /** The next offset of each partition (the log end), by partition. */
    long[] ends() {
        return offsets(OffsetSpec.latest(), "read the end offsets of " + topic);
    }

    /** The first offset still in the log of each partition, by partition. */
    long[] beginnings() {
        return offsets(OffsetSpec.earliest(), "read the first offsets of " + topic);
    }

    private long[] offsets(OffsetSpec spec, String what) {
        Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            ask.put(new TopicPartition(topic, p), spec);
        }
        long[] r = new long[partitions];
        get(admin.listOffsets(ask).all(), what).forEach((tp, info) -> r[tp.partition()] = info.offset());
        return r;
    }

    /**
     * Checks that a log position given for {@code worldId} is in the world's partition and already
     * written, so a replay or restore to it can finish.
     *
     * @throws ConfigException naming {@code option} otherwise
     */
    void checkPosition(String option, String worldId, AsOf asOf) {
        if (!(asOf instanceof AsOf.AtPosition at)) {
            return;
        }
        LogPosition p = at.position();
        int partition = partitionOf(worldId);
        if (p.partition() != partition) {
            throw new ConfigException(option, "world " + worldId + " lives in partition " + partition + " of " + topic
                    + ", so its positions are written " + partition + "-OFFSET; was " + p);
        }
        long end = ends()[partition];
        if (p.offset() >= end) {
            throw new ConfigException(option, "position " + p + " has not been written yet (partition " + partition + " of " + topic
                    + " ends at " + (end == 0 ? "its start: it is empty" : partition + "-" + (end - 1)) + ")");
        }
    }

    /** Parses a {@code --world} value, naming the option and the rule when it is not a valid world id. */
    static String worldId(String option, String text) {
        try {
            Validator.checkId("worldId", text);
            return text;
        } catch (ValidationException e) {
            throw new ConfigException(option, e.rule());
        }
    }

    /** Parses a {@code --to} value: an ISO-8601 instant or a log position. */
    static AsOf asOf(String option, String text) {
        try {
            return AsOf.parse(option, text);
        } catch (ValidationException e) {
            throw new ConfigException(option, e.rule());
        }
    }

    /** {@code asOf} as the user reads it: {@code 2026-11-24T14:02:00Z} or {@code 3-1042}. */
    static String text(AsOf asOf) {
        return asOf instanceof AsOf.AtPosition p ? p.position().toString() : ((AsOf.AtTime) asOf).instant().toString();
    }

    @Override
    public void close() {
        admin.close(java.time.Duration.ofSeconds(5));
    }
}
