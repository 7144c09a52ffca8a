package dev.worldstore.projector;

import dev.worldstore.LogPosition;
import dev.worldstore.LogUnavailableException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

/**
 * The write side of the change log: appends change events to their world's partition with the
 * idempotent {@code acks=all} producer of {@link KafkaClients#producer()}. Thread-safe; concurrent
 * appends share Kafka batches.
 */
final class LogWriter implements AutoCloseable {
    private final String topic;
    private final int partitions;
    private final KafkaProducer<byte[], byte[]> producer;
    private final AtomicBoolean closed = new AtomicBoolean();

    LogWriter(KafkaClients clients, int partitions) {
        this.topic = clients.topic();
        this.partitions = partitions;
        this.producer = clients.producer();
    }

    String topic() {
        return topic;
    }

    /**
     * Appends {@code event} (a change or a batch) to its world's partition. Completes with its log position once Kafka
     * acknowledged it (all in-sync replicas), or exceptionally with {@link LogUnavailableException}.
     */
    CompletableFuture<LogPosition> append(LogEvent event) {
        String routing;
        ProducerRecord<byte[], byte[]> record;
        if (event instanceof BatchEvent b) {
            routing = b.worldId();
            record = new ProducerRecord<>(topic, EventCodec.partitionFor(routing, partitions), b.timestampMs(),
                    routing.getBytes(StandardCharsets.UTF_8), b.document(), EventCodec.headers(b));
        } else {
            ChangeEvent c = (ChangeEvent) event;
            routing = EventCodec.routingKey(c.key());
            record = new ProducerRecord<>(topic, EventCodec.partitionFor(routing, partitions), c.timestampMs(),
                    routing.getBytes(StandardCharsets.UTF_8), c.payload(), EventCodec.headers(c));
        }
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

    /** Waits for in-flight appends (at most 10 s), then closes the producer. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            producer.close(Duration.ofSeconds(10));
        }
    }
}
