package dev.worldstore.projector;

import dev.worldstore.ConfigException;
import dev.worldstore.InterruptedWaitException;
import dev.worldstore.LogUnavailableException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every Kafka client worldstore uses is built here, and every Kafka failure is translated here, once:
 * an {@link Admin} for topic and offset look-ups, the idempotent {@code acks=all} producer of the
 * {@link LogWriter}, and group-less byte-array consumers for the projector, change feeds and
 * tools. The user's {@code kafka.*} settings go first so security settings pass through; the fixed
 * ones here win.
 *
 * <p>Owns the admin client it makes (closed by {@link #close()}); producers and consumers it hands
 * out belong to the caller. Thread-safe.
 */
final class KafkaClients implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaClients.class);
    private final KafkaSettings settings;
    private final Admin admin;
    private final long timeoutMs;

    /**
     * @param timeoutMs how long an admin call may take before it fails with {@link LogUnavailableException}
     * @throws LogUnavailableException if the admin client cannot be created (a malformed address, say)
     */
    KafkaClients(KafkaSettings settings, long timeoutMs) {
        this.settings = settings;
        this.timeoutMs = timeoutMs;
        try {
            this.admin = Admin.create(adminProperties(settings));
        } catch (KafkaException e) {
            throw unavailable("create a Kafka admin client", e);
        }
    }

    KafkaSettings settings() {
        return settings;
    }

    String topic() {
        return settings.topic();
    }

    // ---- clients ------------------------------------------------------------------------------

    /** Longest a send waits for a partition's metadata (a cold start, a cluster gone). */
    static final long METADATA_WAIT_MS = 2_000;

    /** The writer's producer: idempotent, {@code acks=all}, a save's whole wait bounded by {@code write.timeout.ms}. */
    KafkaProducer<byte[], byte[]> producer() {
        try {
            return new KafkaProducer<>(producerProperties(settings));
        } catch (KafkaException e) {
            throw unavailable("create the Kafka producer for topic " + topic(), e);
        }
    }

    /** The admin client's settings: the user's {@code kafka.*} ones, then worldstore's fixed ones. */
    static Properties adminProperties(KafkaSettings settings) {
        Properties p = settings.clientOverrides();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "worldstore-admin");
        return p;
    }

    /** Requests in flight per broker unless {@code kafka.max.in.flight.requests.per.connection} says otherwise. */
    static final String DEFAULT_MAX_IN_FLIGHT_REQUESTS = "5";

    /** Settings worldstore puts only where the user's {@code kafka.*} ones leave them out: defaults, not fixed. */
    static final Set<String> DEFAULTS = Set.of(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION);

    /** The producer's settings: the user's {@code kafka.*} ones, then worldstore's fixed ones. */
    static Properties producerProperties(KafkaSettings settings) {
        Properties p = settings.clientOverrides();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        // up to 5 requests in flight per broker (the most idempotence allows) unless kafka.max.in.flight.requests.per.connection
        // says fewer: with 1, records wait while one request is out and go in the next, batching by load
        p.putIfAbsent(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, DEFAULT_MAX_IN_FLIGHT_REQUESTS);
        p.put(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(settings.lingerMs()));
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(settings.batchBytes()));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, settings.compression());
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(settings.maxRecordBytes()));
        // Kafka's delivery timeout enforces the write timeout; it must cover linger + one request
        // (WorldStoreConfig checks write.timeout.ms > producer.linger.ms at start).
        long writeTimeout = settings.writeTimeoutMs();
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(writeTimeout));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.min(30_000, writeTimeout - settings.lingerMs())));
        // send() must never wait: the writer keeps unacknowledged bytes under write.max.inflight.bytes,
        // so the accumulator (room for that and one more record) never fills; what remains is the
        // wait for a partition's metadata, cut short so an unreachable cluster fails a write at once
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(settings.maxInFlightBytes() + settings.maxRecordBytes()));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(Math.min(writeTimeout, METADATA_WAIT_MS)));
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "worldstore-writer");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    /**
     * A consumer without a group (callers assign partitions and seek to positions they keep),
     * never committing, fetching records as large as the largest value allows.
     *
     * @param bulk true for the projector (fetches of up to 64 MiB, 1 MiB of each partition, a larger
     *     record whole); false for change feeds, which fetch about one maximal record at a time so
     *     many idle or slow feeds stay cheap, and never skip: a position the log no longer holds is
     *     an {@link org.apache.kafka.clients.consumer.OffsetOutOfRangeException} on poll, not a jump
     *     to the log's start
     */
    KafkaConsumer<byte[], byte[]> consumer(String clientId, int maxPollRecords, boolean bulk) {
        try {
            return new KafkaConsumer<>(consumerProperties(settings, clientId, maxPollRecords, bulk));
        } catch (KafkaException e) {
            throw unavailable("create a Kafka consumer of topic " + topic(), e);
        }
    }

    /** Bytes of one partition a projector's fetch asks for (see {@link #consumerProperties}). */
    static final int BULK_PARTITION_FETCH_BYTES = 1024 * 1024;

    /** A consumer's settings: the user's {@code kafka.*} ones, then worldstore's fixed ones. */
    static Properties consumerProperties(KafkaSettings settings, String clientId, int maxPollRecords, boolean bulk) {
        int recordBytes = settings.maxRecordBytes() + 1024 * 1024;
        Properties c = settings.clientOverrides();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, bulk ? "earliest" : "none");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(maxPollRecords));
        c.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(bulk ? Math.max(64 * 1024 * 1024, recordBytes) : recordBytes));
        // The projector fetches at most 1 MiB of a partition at a time (Kafka's default; a larger record
        // still comes whole, as a fetch always returns at least one record batch), so a poll of world
        // transactions, 100 changes per record, holds tens of thousands of changes, not hundreds of
        // thousands: the apply thread starts sooner and less is decoded ahead of it (a catch-up of
        // 2,200,000 batch changes: GC 0.7-1.4 instead of 1.7-3.1 CPU-s, throughput 256-309k against
        // 231-282k changes/s, alternating runs). Polls of single changes are bounded by records anyway.
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(bulk ? BULK_PARTITION_FETCH_BYTES : recordBytes));
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return c;
    }

    // ---- topic and offsets ----------------------------------------------------------------------

    /**
     * Creates the change-log topic if it is absent, with history-keeping retention, and returns its
     * partition count (the existing count when it already exists).
     *
     * @param embedded the embedded single-node broker: replication factor 1 unless set
     * @throws LogUnavailableException naming the topic when Kafka cannot be reached or refuses
     */
    int ensureTopic(boolean embedded) {
        short replication = (short) (settings.replicationFactor() == -1 && embedded ? 1 : settings.replicationFactor());
        Map<String, String> configs = new HashMap<>(Map.of(
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(settings.retentionMs()),
                TopicConfig.RETENTION_BYTES_CONFIG, "-1",
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(settings.maxRecordBytes()),
                TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "CreateTime"));
        if (settings.minInsyncReplicas() > 0) {
            configs.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(settings.minInsyncReplicas()));
        }
        NewTopic nt = new NewTopic(topic(), Optional.of(settings.partitions()), Optional.of(replication)).configs(configs);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try {
            admin.createTopics(List.of(nt)).all().get(timeoutMs, TimeUnit.MILLISECONDS);
            return settings.partitions();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw unavailable("create topic " + topic(), e.getCause());
            }
        } catch (TimeoutException e) {
            throw unavailable("create topic " + topic() + " within " + timeoutMs + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedWaitException("Kafka to create topic " + topic(), e);
        }
        // It exists (maybe created a moment ago by another node): describe it, retrying while the
        // metadata of a brand-new topic is still propagating.
        while (true) {
            try {
                int partitions = describePartitions();
                warnAboutTopicSettings();
                return partitions;
            } catch (LogUnavailableException e) {
                if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
                    throw e;
                }
                pause(50);
            }
        }
    }

    /**
     * Asks the cluster for its id: an answer means Kafka is reachable.
     *
     * @throws LogUnavailableException when no answer comes within {@code timeoutMs}
     */
    void ping(long timeoutMs) {
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeoutMs)).clusterId().get(timeoutMs,
                    TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw unavailable("describe the cluster", e.getCause());
        } catch (TimeoutException e) {
            throw unavailable("describe the cluster within " + timeoutMs + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedWaitException("Kafka to describe the cluster", e);
        }
    }

    /**
     * The topic's partition count.
     *
     * @throws ConfigException on {@code kafka.topic} if the topic does not exist
     * @throws LogUnavailableException if Kafka cannot be reached
     */
    int partitions() {
        try {
            return describePartitions();
        } catch (LogUnavailableException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new ConfigException("kafka.topic", "topic " + topic() + " does not exist on Kafka " + settings.bootstrapServers()
                        + " (check --kafka.topic and --kafka.bootstrap.servers)");
            }
            throw e;
        }
    }

    /**
     * {@code kafka.topic.min.insync.replicas} applies when worldstore creates the topic; on a topic
     * that exists with another value it cannot take effect, so that is logged with the command that
     * would apply it. Best effort: a cluster that does not let this client describe the topic's
     * configuration is not checked.
     */
    private void warnAboutTopicSettings() {
        if (settings.minInsyncReplicas() <= 0) {
            return;
        }
        String name = TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG;
        String wanted = Integer.toString(settings.minInsyncReplicas());
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic());
        Config actual;
        try {
            actual = await(admin.describeConfigs(List.of(resource)).values().get(resource), "describe the configuration of topic "
                    + topic());
        } catch (LogUnavailableException e) {
            LOG.debug("not checking the settings of topic {}: {}", topic(), e.getMessage());
            return;
        }
        ConfigEntry entry = actual.get(name);
        if (entry != null && entry.value() != null && !entry.value().equals(wanted)) {
            LOG.warn("topic {} exists with {}={}, but kafka.topic.{} is {}: it applies only when worldstore creates the topic; "
                    + "to change the topic: kafka-configs.sh --bootstrap-server {} --alter --entity-type topics --entity-name {} "
                    + "--add-config {}={}", topic(), name, entry.value(), name, wanted, settings.bootstrapServers(), topic(), name,
                    wanted);
        }
    }

    private int describePartitions() {
        return await(admin.describeTopics(List.of(topic())).allTopicNames(), "describe topic " + topic()).get(topic()).partitions()
                .size();
    }

    /** The first offset {@code partition} still holds (its start: 0 until retention deletes records). */
    long startOffset(int partition) {
        return offset(partition, OffsetSpec.earliest());
    }

    /** The next offset of {@code partition} (its end). */
    long endOffset(int partition) {
        return offset(partition, OffsetSpec.latest());
    }

    /** The first offset of {@code partition} whose record's timestamp is at or after {@code epochMs}, or -1 if none. */
    long firstOffsetAtOrAfter(int partition, long epochMs) {
        return offset(partition, OffsetSpec.forTimestamp(epochMs));
    }

    /** Per partition (index = partition), the offset {@code spec} names. */
    long[] offsets(int partitions, OffsetSpec spec) {
        Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            ask.put(new TopicPartition(topic(), p), spec);
        }
        long[] r = new long[partitions];
        await(admin.listOffsets(ask).all(), "read offsets of " + topic()).forEach((tp, info) -> r[tp.partition()] = info.offset());
        return r;
    }

    private long offset(int partition, OffsetSpec spec) {
        TopicPartition tp = new TopicPartition(topic(), partition);
        return await(admin.listOffsets(Map.of(tp, spec)).partitionResult(tp), "read offsets of partition " + partition + " of " + topic())
                .offset();
    }

    // ---- one error translation ----------------------------------------------------------------

    /**
     * Waits (at most the client timeout) for an admin result.
     *
     * @throws LogUnavailableException naming {@code what} and the cluster, with Kafka's error as cause
     * @throws InterruptedWaitException if the thread is interrupted (its flag set again)
     */
    <T> T await(KafkaFuture<T> future, String what) {
        try {
            return future.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw unavailable(what, e.getCause() == null ? e : e.getCause());
        } catch (TimeoutException e) {
            throw unavailable(what + " (no answer within " + timeoutMs + " ms)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedWaitException("Kafka to " + what, e);
        }
    }

    LogUnavailableException unavailable(String what, Throwable cause) {
        return new LogUnavailableException("cannot " + what + " on Kafka " + settings.bootstrapServers() + ": " + cause.getMessage(),
                cause);
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedWaitException("topic metadata", e);
        }
    }

    /** Closes the admin client (bounded). Idempotent. */
    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
