package dev.worldstore.internal;

import dev.worldstore.LogPosition;
import dev.worldstore.LogUnavailableException;
import dev.worldstore.WorldStoreConfig;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The write side: appends change events to the change-log topic with an idempotent,
 * {@code acks=all} producer. Thread-safe; concurrent appends share batches.
 */
public final class KafkaChangeLog implements AutoCloseable {
    /** Room for headers and batch overhead on top of the largest value. */
    static final int RECORD_OVERHEAD_BYTES = 1024 * 1024;

    private final String topic;
    private final int partitions;
    private final KafkaProducer<byte[], byte[]> producer;
    private final AtomicBoolean closed = new AtomicBoolean();

    public KafkaChangeLog(String bootstrapServers, WorldStoreConfig config, int partitions) {
        this.topic = config.get(WorldStoreConfig.KAFKA_TOPIC);
        this.partitions = partitions;
        Properties p = new Properties();
        p.putAll(config.kafkaClientOverrides());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        p.put(ProducerConfig.LINGER_MS_CONFIG, config.get(WorldStoreConfig.PRODUCER_LINGER_MS));
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, config.get(WorldStoreConfig.PRODUCER_BATCH_BYTES));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, config.get(WorldStoreConfig.PRODUCER_COMPRESSION));
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(maxRecordBytes(config)));
        long writeTimeout = config.getLong(WorldStoreConfig.WRITE_TIMEOUT_MS);
        long linger = config.getLong(WorldStoreConfig.PRODUCER_LINGER_MS);
        // A save's whole wait is bounded by write.timeout.ms: Kafka's delivery timeout enforces it
        // (it must be at least linger + request timeout).
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(writeTimeout));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.max(1, Math.min(30_000, writeTimeout - linger))));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(writeTimeout));
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "worldstore-writer");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try {
            this.producer = new KafkaProducer<>(p);
        } catch (KafkaException e) {
            throw new LogUnavailableException("cannot create the Kafka producer for topic " + topic + ": " + e.getMessage(), e);
        }
    }

    static int maxRecordBytes(WorldStoreConfig config) {
        return config.getInt(WorldStoreConfig.VALUE_MAX_BYTES) + RECORD_OVERHEAD_BYTES;
    }

    /**
     * Creates the change-log topic if it is absent, with history-keeping retention, and returns its
     * partition count (the existing count when it already exists).
     *
     * @throws LogUnavailableException naming the topic when Kafka cannot be reached or refuses
     */
    public static int ensureTopic(Admin admin, WorldStoreConfig config, boolean embedded, long timeoutMs) {
        String topic = config.get(WorldStoreConfig.KAFKA_TOPIC);
        int partitions = config.getInt(WorldStoreConfig.KAFKA_TOPIC_PARTITIONS);
        int rf = config.getInt(WorldStoreConfig.KAFKA_TOPIC_REPLICATION_FACTOR);
        short replication = (short) (rf == -1 && embedded ? 1 : rf);
        NewTopic nt = new NewTopic(topic, java.util.Optional.of(partitions), java.util.Optional.of(replication))
                .configs(Map.of(
                        TopicConfig.RETENTION_MS_CONFIG, config.get(WorldStoreConfig.KAFKA_TOPIC_RETENTION_MS),
                        TopicConfig.RETENTION_BYTES_CONFIG, "-1",
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                        TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(maxRecordBytes(config)),
                        TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "CreateTime"));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try {
            try {
                admin.createTopics(List.of(nt)).all().get(timeoutMs, TimeUnit.MILLISECONDS);
                return partitions;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
            // It exists (maybe created a moment ago by another node): describe it, retrying while the
            // metadata of a brand-new topic is still propagating.
            while (true) {
                try {
                    TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames()
                            .get(timeoutMs, TimeUnit.MILLISECONDS).get(topic);
                    return d.partitions().size();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.RetriableException) || System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(50);
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new LogUnavailableException("cannot create or describe topic " + topic + ": " + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new LogUnavailableException("Kafka did not answer within " + timeoutMs + " ms while creating topic " + topic, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LogUnavailableException("interrupted while creating topic " + topic, e);
        }
    }

    public String topic() {
        return topic;
    }

    public int partitions() {
        return partitions;
    }

    /**
     * Appends {@code event} to its world's partition. Completes with its log position once Kafka
     * acknowledged it (all in-sync replicas), or exceptionally with {@link LogUnavailableException}.
     */
    public CompletableFuture<LogPosition> append(ChangeEvent event) {
        String routing = EventCodec.routingKey(event.key());
        int partition = EventCodec.partitionFor(routing, partitions);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, partition, event.timestampMs(),
                routing.getBytes(StandardCharsets.UTF_8), event.payload(), EventCodec.headers(event));
        CompletableFuture<LogPosition> result = new CompletableFuture<>();
        try {
            producer.send(record, (meta, error) -> {
                if (error != null) {
                    result.completeExceptionally(new LogUnavailableException(
                            "Kafka did not acknowledge the write to topic " + topic + ": " + error.getMessage(), error));
                } else {
                    result.complete(new LogPosition(meta.partition(), meta.offset()));
                }
            });
        } catch (KafkaException | IllegalStateException e) {
            result.completeExceptionally(new LogUnavailableException("cannot send to topic " + topic + ": " + e.getMessage(), e));
        }
        return result;
    }

    /** Sends whatever is batched now. */
    public void flush() {
        producer.flush();
    }

    /** Waits for in-flight appends (bounded), then closes the producer. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            producer.close(java.time.Duration.ofSeconds(10));
        }
    }
}
