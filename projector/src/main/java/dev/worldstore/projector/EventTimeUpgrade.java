package dev.worldstore.projector;

import dev.worldstore.Key;
import dev.worldstore.NodeOperations;
import dev.worldstore.StorageException;
import dev.worldstore.Table;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a projection written by a release before event times ({@link EventClock}) up to date, once,
 * when a node opens it: such a projection stamped each change with its writer's clock, which may go
 * backwards within a partition, kept no event-time index and wrote 16-byte checkpoints.
 *
 * <p>For each partition with such a checkpoint: (1) read the change log from its start up to the
 * checkpoint, decoding each record as the projector does, and derive the event times exactly as a
 * node projecting the log from scratch does, writing the index; (2) where a derived time differs
 * from the time a history entry or a stored value recorded (the writer's clock went backwards
 * there), rewrite that time; (3) write the checkpoint with the partition's event time. Every step
 * can be repeated, and the checkpoint is written last, so a crash during the upgrade only repeats it.
 *
 * <p>The result equals what this release projects from the same log, with two exceptions: a
 * player's {@code createdAt} and {@code lastSeen} keep the writer's times, and changes older than
 * the log's first retained record (with {@code kafka.topic.retention.ms} set) keep theirs and are
 * included by any instant before that record. Not thread-safe: run before the projector starts.
 */
final class EventTimeUpgrade {
    private static final Logger LOG = LoggerFactory.getLogger(EventTimeUpgrade.class);
    private static final int WRITES_PER_BATCH = 10_000;

    private EventTimeUpgrade() {
    }

    /** True if any partition's checkpoint was written by a release before event times. */
    static boolean needed(RocksProjection projection) {
        for (NodeOperations.Checkpoint c : projection.checkpoints()) {
            if (projection.lastEventTime(c.partition()).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Upgrades {@code projection} (a no-op when {@link #needed} is false).
     *
     * @throws dev.worldstore.LogUnavailableException if the change log cannot be read
     * @throws StorageException if RocksDB refuses a write
     */
    static void run(KafkaClients clients, RocksProjection projection, Partitioning partitioning, int pollMaxRecords) {
        List<NodeOperations.Checkpoint> old = new ArrayList<>();
        for (NodeOperations.Checkpoint c : projection.checkpoints()) {
            if (projection.lastEventTime(c.partition()).isEmpty()) {
                old.add(c);
            }
        }
        if (old.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        LOG.info("upgrading the projection in {} to event times: {} partition(s) written by an earlier release", projection.dir(),
                old.size());
        EventClock clock = new EventClock(partitioning.partitions());
        boolean[] moved = new boolean[partitioning.partitions()];
        boolean anyMoved = false;
        for (NodeOperations.Checkpoint c : old) {
            try {
                anyMoved |= moved[c.partition()] = deriveTimes(clients, projection, clock, c, partitioning.partitions(), pollMaxRecords);
            } catch (KafkaException e) {
                throw clients.unavailable("read partition " + c.partition() + " of " + clients.topic() + " to upgrade the projection in "
                        + projection.dir() + " to event times (once, on the first start of this release)", e);
            }
        }
        long rewritten = anyMoved ? rewriteTimes(projection, partitioning, moved) : 0;
        try (WriteBatch batch = new WriteBatch()) {
            for (NodeOperations.Checkpoint c : old) {
                batch.put(projection.handle(Cf.OFFSETS), RocksProjection.partitionKey(c.partition()),
                        RocksProjection.offsetValue(c.nextOffset(), c.appliedEvents(), clock.last(c.partition())));
            }
            projection.write(batch);
        } catch (RocksDBException e) {
            throw new StorageException("upgrading " + projection.dir() + " failed: " + e.getMessage(), e);
        }
        projection.flush();
        LOG.info("projection in {} upgraded to event times in {} ms ({} stamped times rewritten)", projection.dir(),
                (System.nanoTime() - start) / 1_000_000, rewritten);
    }

    /**
     * Step 1 for one partition: reads the log up to the checkpoint and writes the event-time index.
     *
     * @return true if some event's derived time differs from its record's timestamp
     */
    private static boolean deriveTimes(KafkaClients clients, RocksProjection projection, EventClock clock,
            NodeOperations.Checkpoint c, int partitions, int pollMaxRecords) {
        int p = c.partition();
        long stop = Math.min(c.nextOffset(), clients.endOffset(p));
        if (stop < c.nextOffset()) {
            LOG.warn("partition {} of {} ends at {}, before the projection's checkpoint {}: event times derived up to its end", p,
                    clients.topic(), stop, c.nextOffset());
        }
        RecordDecoder decoder = new RecordDecoder(partitions);
        boolean moved = false;
        TopicPartition tp = new TopicPartition(clients.topic(), p);
        try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer("worldstore-upgrade", pollMaxRecords, true)) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            try (Pending pending = new Pending(projection)) {
                while (consumer.position(tp) < stop) {
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                    for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                        if (r.offset() >= stop) {
                            break;
                        }
                        Decoded d = decoder.decode(r);
                        if (d.event() != null) {
                            // the earlier release recorded the event's own time (its ws.ts header, else the record's)
                            moved |= clock.advance(d.position(), d.timestampMs(), pending) != d.event().timestampMs();
                        }
                    }
                    pending.flushIfFull();
                }
                pending.flush();
            }
        }
        return moved;
    }

    /**
     * Step 2: rewrites the time of every history entry and stored value of the {@code moved}
     * partitions whose recorded time is not the derived event time of its version.
     *
     * @return how many were rewritten
     */
    private static long rewriteTimes(RocksProjection projection, Partitioning partitioning, boolean[] moved) {
        long rewritten = 0;
        try (Pending pending = new Pending(projection)) {
            rewritten += rewriteHistory(projection, partitioning, moved, pending);
            for (Table table : Table.values()) {
                rewritten += rewriteState(projection, partitioning, moved, table, pending);
            }
            pending.flush();
        }
        return rewritten;
    }

    private static long rewriteHistory(RocksProjection projection, Partitioning partitioning, boolean[] moved, Pending pending) {
        long rewritten = 0;
        try (ReadOptions ro = new ReadOptions(); RocksIterator it = projection.iterator(Cf.HISTORY, ro)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] hk = it.key();
                Table table = Table.values()[hk[0]];
                int p = partitionOf(partitioning, table, HistoryCodec.encodedKeyOf(hk));
                if (moved[p] && restamp(projection, p, HistoryCodec.versionOf(hk), it.value(), HistoryCodec.STORED_AT, Cf.HISTORY, hk,
                        pending)) {
                    rewritten++;
                }
                pending.flushIfFull();
            }
        }
        return rewritten;
    }

    private static long rewriteState(RocksProjection projection, Partitioning partitioning, boolean[] moved, Table table,
            Pending pending) {
        long rewritten = 0;
        Cf cf = Cf.of(table);
        try (ReadOptions ro = new ReadOptions(); RocksIterator it = projection.iterator(cf, ro)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                int p = partitionOf(partitioning, table, it.key());
                byte[] value = it.value();
                if (moved[p] && restamp(projection, p, StoredCodec.version(value), value, 0, cf, it.key(), pending)) {
                    rewritten++;
                }
                pending.flushIfFull();
            }
        }
        return rewritten;
    }

    /** Writes {@code value} again with the event time of {@code version} if it records another; true if it did. */
    private static boolean restamp(RocksProjection projection, int partition, long version, byte[] value, int storedAt, Cf cf,
            byte[] key, Pending pending) {
        long derived = EventClock.timeAt(projection, partition, version);
        if (derived == EventClock.NONE || derived == StoredCodec.timestampMs(value, storedAt)) {
            return false;
        }
        byte[] copy = Arrays.copyOf(value, value.length);
        StoredCodec.setTimestampMs(copy, storedAt, derived);
        pending.put(cf, key, copy);
        return true;
    }

    /** The partition of an encoded key of {@code table}: its world's, or the players'. */
    private static int partitionOf(Partitioning partitioning, Table table, byte[] encoded) {
        if (!table.perWorld()) {
            return partitioning.of((String) null);
        }
        Key key = KeyCodec.decode(table, encoded);
        return partitioning.of(key.worldId());
    }

    /** Writes gathered into batches of {@link #WRITES_PER_BATCH}. */
    private static final class Pending implements WriteSink, AutoCloseable {
        private final RocksProjection projection;
        private final WriteBatch batch = new WriteBatch();
        private int count;

        Pending(RocksProjection projection) {
            this.projection = projection;
        }

        @Override
        public void put(Cf cf, byte[] key, byte[] value) {
            try {
                batch.put(projection.handle(cf), key, value);
                count++;
            } catch (RocksDBException e) {
                throw new StorageException("upgrading " + projection.dir() + " failed: " + e.getMessage(), e);
            }
        }

        @Override
        public void delete(Cf cf, byte[] key) {
            throw new UnsupportedOperationException("the upgrade deletes nothing");
        }

        @Override
        public void merge(Cf cf, byte[] key, byte[] value) {
            throw new UnsupportedOperationException("the upgrade merges nothing");
        }

        void flushIfFull() {
            if (count >= WRITES_PER_BATCH) {
                flush();
            }
        }

        void flush() {
            if (count > 0) {
                projection.write(batch);
                batch.clear();
                count = 0;
            }
        }

        @Override
        public void close() {
            batch.close();
        }
    }
}
