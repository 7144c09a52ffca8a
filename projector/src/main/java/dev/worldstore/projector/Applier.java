package dev.worldstore.projector;

import dev.worldstore.NodeOperations;
import dev.worldstore.StorageException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies decoded polls to the projection: the {@link ProjectionRules} decide, and this writes
 * what they decided together with each partition's next offset as one atomic RocksDB batch, then
 * publishes progress and verdicts. Used by the live projector's apply thread and by bounded
 * replays, one caller at a time (not thread-safe).
 */
final class Applier {
    private static final Logger LOG = LoggerFactory.getLogger(Applier.class);

    private final RocksProjection store;
    private final ProjectionRules rules;
    private final Progress progress;
    private final VerdictBoard verdicts;
    private final long[] appliedCount;
    private final EventClock clock;
    private final Counter applied;
    /** Where applied events go for the change feeds, or {@code null} (rebuilds and replays). */
    private final FeedHub feeds;

    Applier(RocksProjection store, ProjectionRules rules, Progress progress, VerdictBoard verdicts, MeterRegistry metrics) {
        this(store, rules, progress, verdicts, metrics, null);
    }

    /** @param feeds the node's change-feed hub, handed every applied poll before progress is published; or {@code null} */
    Applier(RocksProjection store, ProjectionRules rules, Progress progress, VerdictBoard verdicts, MeterRegistry metrics,
            FeedHub feeds) {
        this.feeds = feeds;
        this.store = store;
        this.rules = rules;
        this.progress = progress;
        this.verdicts = verdicts;
        this.appliedCount = new long[progress.partitions()];
        this.clock = new EventClock(progress.partitions());
        this.applied = Counter.builder("worldstore.projector.applied").description("Change events applied to the projection")
                .register(metrics);
    }

    /**
     * Starts from the checkpoint stored with the state: {@code partition} resumes at its stored
     * offset, its event clock at the stored time.
     *
     * @throws IllegalStateException if the checkpoint has no event time (a projection of an earlier
     *     release that {@link EventTimeUpgrade} has not upgraded)
     */
    long resume(int partition) {
        NodeOperations.Checkpoint c = store.checkpoint(partition);
        long time = store.lastEventTime(partition).orElseThrow(() -> new IllegalStateException("the checkpoint of partition "
                + partition + " in " + store.dir() + " has no event time: upgrade the projection first"));
        progress.set(partition, c.nextOffset());
        appliedCount[partition] = c.appliedEvents();
        clock.resume(partition, time);
        if (feeds != null) {
            feeds.resume(partition, c.nextOffset());
        }
        return c.nextOffset();
    }

    /**
     * Applies one poll as one atomic write, then publishes progress and verdicts. With
     * {@code limits}, applies in each partition only offsets below {@code limits.get(partition)}
     * (bounded replays stop exactly there).
     *
     * @return the records applied (dead letters and refused events count: each record once)
     * @throws StorageException if RocksDB refuses the write
     */
    long apply(RecordDecoder.Polled polled, Map<Integer, Long> limits) {
        return apply(polled, limits, null);
    }

    /**
     * As {@link #apply(RecordDecoder.Polled, Map)}, and with {@code timeLimits} (epoch ms per
     * partition) also stops a partition before its first event whose event time would be after its
     * limit, lowering {@code limits} (then mutable) to that offset: a replay to an instant stops
     * exactly where reads as of that instant do.
     */
    long apply(RecordDecoder.Polled polled, Map<Integer, Long> limits, Map<Integer, Long> timeLimits) {
        long count = 0;
        Map<String, Verdict> decided = new HashMap<>();
        Map<Integer, Long> nextOffsets = new HashMap<>();
        // with feeds: each record's event time, by its index in its partition's list (0 where not applied)
        Map<Integer, long[]> eventTimes = feeds == null ? null : new HashMap<>();
        List<String> dead;
        try (WriteBatch batch = new WriteBatch()) {
            BatchSink sink = new BatchSink();
            ProjectionRules.Poll poll = rules.poll(store, sink, new ProjectionRules.Verdicts() {
                @Override
                public boolean awaited(String eventId) {
                    return verdicts.size() > 0 && verdicts.awaited(eventId);
                }

                @Override
                public void decided(String eventId, Verdict verdict) {
                    decided.put(eventId, verdict);
                }
            }, clock);
            for (Map.Entry<Integer, List<Decoded>> partition : polled.partitions.entrySet()) {
                int p = partition.getKey();
                long next = progress.next(p);
                long limit = limits == null ? Long.MAX_VALUE : limits.getOrDefault(p, 0L);
                Long timeLimit = timeLimits == null ? null : timeLimits.get(p);
                long[] times = eventTimes == null ? null : eventTimes.computeIfAbsent(p, k -> new long[partition.getValue().size()]);
                int index = 0;
                for (Decoded d : partition.getValue()) {
                    if (d.position().offset() >= limit) {
                        break;
                    }
                    if (timeLimit != null && d.event() != null && clock.peek(p, d.timestampMs()) > timeLimit) {
                        limits.put(p, d.position().offset());
                        break;
                    }
                    poll.apply(d);
                    if (times != null) {
                        times[index++] = clock.last(p);
                    }
                    appliedCount[p]++;
                    next = d.position().offset() + 1;
                    count++;
                }
                sink.put(Cf.OFFSETS, RocksProjection.partitionKey(p), RocksProjection.offsetValue(next, appliedCount[p], clock.last(p)));
                nextOffsets.put(p, next);
            }
            sink.drainTo(batch);
            store.write(batch);
            dead = poll.deadLetters();
            if (feeds != null) {
                // the feeds see the write before the progress says it happened, so a feed at a position
                // the projection has reached always finds it in the hub
                for (Map.Entry<Integer, List<Decoded>> partition : polled.partitions.entrySet()) {
                    int p = partition.getKey();
                    feeds.append(p, partition.getValue(), eventTimes.get(p), sink.marks(p), nextOffsets.get(p));
                }
            }
        }
        nextOffsets.forEach(progress::set);
        progress.signal();
        decided.forEach(verdicts::decide);
        applied.increment(count);
        if (!dead.isEmpty()) {
            store.deadLettered(dead.size());
            dead.forEach(d -> LOG.warn("dead-lettered record {}", d));
        }
        return count;
    }

    /**
     * The rules' writes, collected in key order ({@link KeyOrderedWrites}) and then put into one
     * RocksDB batch; a RocksDB failure becomes a {@link StorageException} naming the store.
     */
    private final class BatchSink implements WriteSink {
        private final KeyOrderedWrites writes = new KeyOrderedWrites();
        /** With a feed hub: the marks written for log positions (refused, skipped changes, dead letters), per partition by offset. */
        private final Map<Integer, Map<Long, byte[]>> marks = new HashMap<>();

        Map<Long, byte[]> marks(int partition) {
            return marks.getOrDefault(partition, Map.of());
        }

        @Override
        public void put(Cf cf, byte[] key, byte[] value) {
            if (feeds != null && (cf == Cf.REJECTED || cf == Cf.DEAD_LETTERS) && key.length == 12) {
                java.nio.ByteBuffer k = java.nio.ByteBuffer.wrap(key);
                marks.computeIfAbsent(k.getInt(), p -> new HashMap<>()).put(k.getLong(), cf == Cf.DEAD_LETTERS ? FeedHub.DEAD : value);
            }
            writes.put(cf, key, value);
        }

        @Override
        public void delete(Cf cf, byte[] key) {
            writes.delete(cf, key);
        }

        @Override
        public void merge(Cf cf, byte[] key, byte[] value) {
            writes.merge(cf, key, value);
        }

        /** Puts what was collected into {@code batch}, in key order. */
        void drainTo(WriteBatch batch) {
            writes.drainTo(new WriteSink() {
                @Override
                public void put(Cf cf, byte[] key, byte[] value) {
                    try {
                        batch.put(store.handle(cf), key, value);
                    } catch (RocksDBException e) {
                        throw failed(e);
                    }
                }

                @Override
                public void delete(Cf cf, byte[] key) {
                    try {
                        batch.delete(store.handle(cf), key);
                    } catch (RocksDBException e) {
                        throw failed(e);
                    }
                }

                @Override
                public void merge(Cf cf, byte[] key, byte[] value) {
                    try {
                        batch.merge(store.handle(cf), key, value);
                    } catch (RocksDBException e) {
                        throw failed(e);
                    }
                }
            });
        }

        private StorageException failed(RocksDBException e) {
            return new StorageException("building a write batch for " + store.dir() + " failed: " + e.getMessage(), e);
        }
    }
}
