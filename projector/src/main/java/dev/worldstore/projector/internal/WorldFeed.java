package dev.worldstore.projector.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.ChangeFeed;
import dev.worldstore.ChangeRecord;
import dev.worldstore.LogPosition;
import dev.worldstore.ProjectionTimeoutException;
import dev.worldstore.StoreClosedException;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.internal.ChangeEvent;
import dev.worldstore.internal.EventCodec;
import dev.worldstore.internal.Json;
import dev.worldstore.internal.MalformedEventException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * A {@link ChangeFeed} over one world's partition. Reads the log with its own consumer (pull, so a
 * slow reader holds at most one fetch in memory), skips other worlds' events, waits until the
 * projection has applied each event and drops those it refused.
 */
final class WorldFeed implements ChangeFeed {
    private static final int MAX_BUFFERED = 500;

    private final String worldId;
    private final byte[] routingKey;
    private final int partition;
    private final RocksProjection projection;
    private final Progress progress;
    private final BooleanSupplier storeClosed;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final TopicPartition topicPartition;
    private final Deque<ConsumerRecord<byte[], byte[]>> buffered = new ArrayDeque<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Offset of the next record to deliver. */
    private long next;

    WorldFeed(String worldId, int partition, long fromOffset, String bootstrap, WorldStoreConfig config,
            RocksProjection projection, Progress progress, BooleanSupplier storeClosed) {
        this.worldId = worldId;
        this.routingKey = worldId.getBytes(StandardCharsets.UTF_8);
        this.partition = partition;
        this.projection = projection;
        this.progress = progress;
        this.storeClosed = storeClosed;
        this.consumer = LogReaders.open(config, bootstrap, "worldstore-feed-" + worldId, MAX_BUFFERED, false);
        this.topicPartition = new TopicPartition(config.get(WorldStoreConfig.KAFKA_TOPIC), partition);
        consumer.assign(List.of(topicPartition));
        consumer.seek(topicPartition, fromOffset);
        this.next = fromOffset;
    }

    @Override
    public List<ChangeRecord> poll(Duration timeout) {
        if (closed.get() || storeClosed.getAsBoolean()) {
            throw new StoreClosedException("the change feed of world " + worldId + " is closed");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ChangeRecord> out = new ArrayList<>();
        while (out.isEmpty()) {
            if (buffered.isEmpty()) {
                long left = Math.max(0, deadline - System.nanoTime());
                consumer.poll(Duration.ofNanos(left)).records(topicPartition).forEach(buffered::add);
            }
            deliverProjected(out, deadline);
            if (System.nanoTime() >= deadline) {
                break;
            }
        }
        return out;
    }

    /** Moves buffered records the projection has applied into {@code out}, waiting for it until the deadline. */
    private void deliverProjected(List<ChangeRecord> out, long deadline) {
        while (!buffered.isEmpty()) {
            ConsumerRecord<byte[], byte[]> r = buffered.peekFirst();
            LogPosition position = new LogPosition(partition, r.offset());
            long leftMs = Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
            try {
                progress.await(position, leftMs);
            } catch (ProjectionTimeoutException e) {
                return;
            }
            buffered.pollFirst();
            next = r.offset() + 1;
            if (!Arrays.equals(r.key(), routingKey) || projection.notApplied(partition, r.offset())) {
                continue;
            }
            try {
                ChangeEvent e = EventCodec.decode(r.headers(), r.value(), r.timestamp());
                JsonNode payload = e.payload() == null ? null : Json.parse(e.payload());
                out.add(new ChangeRecord(position, e.eventId(), e.key(), e.op(), payload, Instant.ofEpochMilli(e.timestampMs()),
                        e.origin(), e.actor(), e.formatVersion()));
            } catch (MalformedEventException | IOException ex) {
                // the projector dead-lettered it too; notApplied() normally catches it first
            }
        }
    }

    @Override
    public LogPosition position() {
        return new LogPosition(partition, next);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            consumer.close(Duration.ofSeconds(2));
        }
    }
}
