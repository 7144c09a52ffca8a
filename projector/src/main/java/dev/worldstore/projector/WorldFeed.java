package dev.worldstore.projector;

import dev.worldstore.ChangeFeed;
import dev.worldstore.ChangeRecord;
import dev.worldstore.LogPosition;
import dev.worldstore.ProjectionTimeoutException;
import dev.worldstore.StoreClosedException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * A {@link ChangeFeed} over one world's partition. Reads the log with its own consumer (pull, so a
 * slow reader holds at most one fetch in memory), skips other worlds' events, waits until the
 * projection has applied each event and drops those it refused. Payloads are handed on as the
 * record's bytes, unparsed. Not thread-safe (one reader), except {@link #close()}.
 */
final class WorldFeed implements ChangeFeed {
    static final int MAX_BUFFERED = 500;

    private final String worldId;
    private final byte[] routingKey;
    private final int partition;
    private final RocksProjection projection;
    private final Progress progress;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final TopicPartition topicPartition;
    private final Deque<ConsumerRecord<byte[], byte[]>> buffered = new ArrayDeque<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Runnable onClose;
    /** Held by a poll; close takes it to close the consumer after a poll it woke has returned. */
    private final ReentrantLock lock = new ReentrantLock();
    /** Offset of the next record to deliver. */
    private long next;

    /** @param onClose run once when the feed closes (the node stops tracking it) */
    WorldFeed(String worldId, int partition, long fromOffset, KafkaClients clients, RocksProjection projection, Progress progress,
            Runnable onClose) {
        this.worldId = worldId;
        this.routingKey = worldId.getBytes(StandardCharsets.UTF_8);
        this.partition = partition;
        this.projection = projection;
        this.progress = progress;
        this.onClose = onClose;
        this.consumer = clients.consumer("worldstore-feed-" + worldId, MAX_BUFFERED, false);
        this.topicPartition = new TopicPartition(clients.topic(), partition);
        consumer.assign(List.of(topicPartition));
        consumer.seek(topicPartition, fromOffset);
        this.next = fromOffset;
    }

    @Override
    public List<ChangeRecord> poll(Duration timeout) {
        lock.lock();
        try {
            if (closed.get()) {
                throw new StoreClosedException("the change feed of world " + worldId + " is closed");
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            List<ChangeRecord> out = new ArrayList<>();
            while (out.isEmpty()) {
                if (buffered.isEmpty()) {
                    long left = Math.max(0, deadline - System.nanoTime());
                    try {
                        consumer.poll(Duration.ofNanos(left)).records(topicPartition).forEach(buffered::add);
                    } catch (WakeupException e) {
                        throw new StoreClosedException("the change feed of world " + worldId + " was closed");
                    }
                }
                deliverProjected(out, deadline);
                if (System.nanoTime() >= deadline || closed.get()) {
                    break;
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
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
                LogEvent event = EventCodec.decode(r.headers(), r.value(), r.timestamp());
                // the event time the projector derived (history's time), not the writer's clock
                Instant at = Instant.ofEpochMilli(projection.eventTime(partition, r.offset(), r.timestamp()));
                if (event instanceof BatchEvent b) {
                    // a batch goes out whole, its changes in order, at one position; changes that changed
                    // nothing (a delete of an absent key, a merge to the same value) are no events
                    List<BatchEvent.Item> items = b.items();
                    BitSet skipped = projection.skippedChanges(partition, r.offset());
                    int size = items.size() - skipped.cardinality();
                    for (int i = 0, index = 0; i < items.size(); i++) {
                        if (skipped.get(i)) {
                            continue;
                        }
                        BatchEvent.Item it = items.get(i);
                        out.add(new ChangeRecord(position, b.eventId(), it.key(), it.op(), it.buffer(), it.offset(), it.length(), at,
                                b.origin(), b.actor(), it.formatVersion(), index++, size));
                    }
                } else {
                    ChangeEvent e = (ChangeEvent) event;
                    out.add(new ChangeRecord(position, e.eventId(), e.key(), e.op(), e.payload(), at, e.origin(), e.actor(),
                            e.formatVersion()));
                }
            } catch (MalformedEventException ex) {
                // the projector dead-lettered it too; notApplied() normally catches it first
            }
        }
    }

    @Override
    public LogPosition position() {
        return new LogPosition(partition, next);
    }

    /**
     * Releases the consumer. Idempotent; callable from any thread (the node closes the feeds it
     * handed out): a poll in progress is woken and ends with {@link StoreClosedException}, and the
     * consumer, which only one thread may use, is closed once that poll has returned.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            consumer.wakeup();
            lock.lock();
            try {
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(2)));
            } catch (RuntimeException e) {
                // a wake-up no poll consumed, or a broker gone: the consumer is released either way
            } finally {
                lock.unlock();
                onClose.run();
            }
        }
    }
}
