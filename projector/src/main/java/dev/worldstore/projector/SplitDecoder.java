package dev.worldstore.projector;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/**
 * The projector's decoding of a poll on two threads: a catch-up's large polls are split by whole
 * partitions between the calling (fetch) thread and one helper thread, each with a
 * {@link RecordDecoder} of its own, so each partition's records are still decoded in log order into
 * one list and the result is what one decoder gives. Decoding (the header parse and the JSON check
 * of each value) is most of a catch-up's CPU on the fetch thread while the apply thread waits (a JFR
 * profile: 78% of the fetch thread's samples, the apply thread busy 14% of the time), so the second
 * thread lets a catch-up use both cores. Polls of fewer than {@link #SPLIT_MIN_RECORDS} records, as
 * a live node's are, are decoded on the calling thread alone: a hand-off would cost more than it
 * saves.
 *
 * <p>One calling thread at a time (as {@link RecordDecoder}); {@link #close()} from any thread.
 */
final class SplitDecoder implements AutoCloseable {
    /** Records a poll needs before half of its partitions go to the helper thread. */
    static final int SPLIT_MIN_RECORDS = 1_000;

    private final RecordDecoder mine;
    private final RecordDecoder theirs;
    private final ExecutorService helper;

    /** @param partitions the change log's partition count (as {@link RecordDecoder#RecordDecoder(int)}) */
    SplitDecoder(int partitions) {
        this.mine = new RecordDecoder(partitions);
        this.theirs = new RecordDecoder(partitions);
        this.helper = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "worldstore-projector-decode");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * One poll's records, decoded, per partition in log order, partitions in the poll's order.
     *
     * @throws InterruptedException if the calling thread is interrupted while the helper decodes
     * @throws RuntimeException what decoding threw (as {@link RecordDecoder#decode(ConsumerRecords)})
     */
    RecordDecoder.Polled decode(ConsumerRecords<byte[], byte[]> records) throws InterruptedException {
        List<TopicPartition> all = new ArrayList<>(records.partitions());
        if (records.count() < SPLIT_MIN_RECORDS || all.size() < 2) {
            return mine.decode(records);
        }
        // largest partitions first, each to the half with fewer records so far
        List<TopicPartition> bySize = new ArrayList<>(all);
        bySize.sort(Comparator.comparingInt((TopicPartition tp) -> records.records(tp).size()).reversed());
        List<TopicPartition> ours = new ArrayList<>();
        List<TopicPartition> others = new ArrayList<>();
        long oursCount = 0;
        long othersCount = 0;
        for (TopicPartition tp : bySize) {
            int n = records.records(tp).size();
            if (oursCount <= othersCount) {
                ours.add(tp);
                oursCount += n;
            } else {
                others.add(tp);
                othersCount += n;
            }
        }
        Future<Map<Integer, List<Decoded>>> helped = helper.submit(() -> decode(theirs, records, others));
        Map<Integer, List<Decoded>> decoded = decode(mine, records, ours);
        try {
            decoded.putAll(helped.get());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("decoding a poll failed", e.getCause());
        } catch (InterruptedException e) {
            helped.cancel(true);
            throw e;
        }
        RecordDecoder.Polled polled = new RecordDecoder.Polled();
        for (TopicPartition tp : all) {
            polled.partitions.put(tp.partition(), decoded.get(tp.partition()));
        }
        return polled;
    }

    private static Map<Integer, List<Decoded>> decode(RecordDecoder decoder, ConsumerRecords<byte[], byte[]> records,
            List<TopicPartition> partitions) {
        Map<Integer, List<Decoded>> decoded = new HashMap<>();
        for (TopicPartition tp : partitions) {
            decoded.put(tp.partition(), decoder.decode(records.records(tp)));
        }
        return decoded;
    }

    /** Stops the helper thread. Idempotent. */
    @Override
    public void close() {
        helper.shutdownNow();
    }
}
