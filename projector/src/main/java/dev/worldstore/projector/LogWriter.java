package dev.worldstore.projector;

import dev.worldstore.LogPosition;
import dev.worldstore.LogUnavailableException;
import dev.worldstore.OutcomeUnknownException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Header;

/**
 * The write side of the change log: appends change events to their world's partition with the
 * idempotent {@code acks=all} producer of {@link KafkaClients#producer()}. Thread-safe; concurrent
 * appends share Kafka batches.
 *
 * <p>An append never makes its caller wait for Kafka: the bytes of appended but unacknowledged
 * records are counted, and past {@code write.max.inflight.bytes} an append fails at once with
 * {@link LogUnavailableException} (nothing appended). So when Kafka stalls, writes are refused fast
 * and request threads stay free for reads and health checks. A record Kafka did not acknowledge
 * within the delivery timeout may still have been written: that failure is an
 * {@link OutcomeUnknownException}.
 */
final class LogWriter implements AutoCloseable {
    private final String topic;
    private final int partitions;
    private final KafkaProducer<byte[], byte[]> producer;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final long maxInFlightBytes;
    private final AtomicLong inFlightBytes = new AtomicLong();

    /** @param maxInFlightBytes most bytes of appended, unacknowledged records ({@code write.max.inflight.bytes}) */
    LogWriter(KafkaClients clients, int partitions, long maxInFlightBytes) {
        this.topic = clients.topic();
        this.partitions = partitions;
        this.maxInFlightBytes = maxInFlightBytes;
        this.producer = clients.producer();
    }

    /** Bytes of records appended that Kafka has not acknowledged (or failed) yet. */
    long inFlightBytes() {
        return inFlightBytes.get();
    }

    String topic() {
        return topic;
    }

    /**
     * Appends {@code event} (a change or a batch) to its world's partition. Completes with its log position once Kafka
     * acknowledged it (all in-sync replicas); exceptionally with {@link LogUnavailableException} when
     * it was not appended (in-flight bytes at their limit, Kafka unreachable, a closed writer), or
     * {@link OutcomeUnknownException} when Kafka did not acknowledge it in time (it may be written).
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
        long bytes = sizeOf(record);
        long held = inFlightBytes.addAndGet(bytes);
        if (held > maxInFlightBytes && held != bytes) {
            inFlightBytes.addAndGet(-bytes);
            return CompletableFuture.failedFuture(new LogUnavailableException("this node holds " + (held - bytes) + " bytes of writes "
                    + "Kafka has not acknowledged yet (write.max.inflight.bytes=" + maxInFlightBytes + "; topic " + topic
                    + "): not appended, retry later", null));
        }
        CompletableFuture<LogPosition> result = new CompletableFuture<>();
        try {
            producer.send(record, (meta, error) -> {
                inFlightBytes.addAndGet(-bytes);
                if (error == null) {
                    result.complete(new LogPosition(meta.partition(), meta.offset()));
                } else if (error instanceof org.apache.kafka.common.errors.TimeoutException) {
                    result.completeExceptionally(new OutcomeUnknownException("Kafka did not acknowledge the write to topic " + topic
                            + " within write.timeout.ms (" + error.getMessage() + "); it may still be applied: retry with the same "
                            + "idempotency key to apply it at most once", error));
                } else {
                    result.completeExceptionally(new LogUnavailableException(
                            "Kafka refused the write to topic " + topic + ": " + error.getMessage(), error));
                }
            });
        } catch (KafkaException | IllegalStateException e) {
            // send() failed before handing the record over (no metadata within max.block.ms, closed): not appended
            inFlightBytes.addAndGet(-bytes);
            result.completeExceptionally(new LogUnavailableException("cannot send to topic " + topic + ": " + e.getMessage(), e));
        }
        return result;
    }

    /** The bytes a record holds in the producer's buffer, about: key, value and headers. */
    private static long sizeOf(ProducerRecord<byte[], byte[]> record) {
        long n = 64 + record.key().length + (record.value() == null ? 0 : record.value().length);
        for (Header h : record.headers()) {
            n += h.key().length() + (h.value() == null ? 0 : h.value().length) + 8;
        }
        return n;
    }

    /** Waits for in-flight appends (at most 10 s), then closes the producer. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            producer.close(Duration.ofSeconds(10));
        }
    }
}
