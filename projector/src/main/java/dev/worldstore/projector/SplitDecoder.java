package dev.worldstore.projector;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/**
 * The projector's decoding of a poll on two threads: a catch-up's large polls are cut in two at a
 * record, the first part decoded on the calling (fetch) thread and the rest on one helper thread,
 * each with a {@link RecordDecoder} of its own; the two parts of the partition that holds the cut
 * are joined, so every partition's records are in log order in one list and the result is what one
 * decoder gives. Decoding (the header parse and the JSON check of each value) is most of a
 * catch-up's CPU on the fetch thread while the apply thread waits (a JFR profile of a catch-up: 90%
 * of the fetch thread's samples; the apply thread had a sixth as many samples as the fetch thread),
 * so the second thread lets a catch-up use both cores. The cut is by bytes, not partitions, so a poll of a few large records of one partition
 * (world transactions) is shared as well; the calling thread, which also polls Kafka, takes
 * {@value #CALLER_SHARE_PERCENT}%. Polls of fewer than {@link #SPLIT_MIN_BYTES} bytes, as a live
 * node's are, are decoded on the calling thread alone: a hand-off would cost more than it saves.
 *
 * <p>One calling thread at a time (as {@link RecordDecoder}); {@link #close()} from any thread.
 */
final class SplitDecoder implements AutoCloseable {
    /** Bytes of values and headers a poll needs before part of it goes to the helper thread. */
    static final int SPLIT_MIN_BYTES = 256 * 1024;
    /** The calling thread's share of a split poll's bytes, in percent. */
    static final int CALLER_SHARE_PERCENT = 45;

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

    private static long bytes(ConsumerRecord<byte[], byte[]> r) {
        return Math.max(0, r.serializedValueSize()) + Math.max(0, r.serializedKeySize()) + 64L * r.headers().toArray().length;
    }

    /**
     * One poll's records, decoded, per partition in log order, partitions in the poll's order.
     *
     * @throws InterruptedException if the calling thread is interrupted while the helper decodes
     * @throws RuntimeException what decoding threw (as {@link RecordDecoder#decode(ConsumerRecords)})
     */
    RecordDecoder.Polled decode(ConsumerRecords<byte[], byte[]> records) throws InterruptedException {
        List<TopicPartition> all = new ArrayList<>(records.partitions());
        long total = 0;
        for (ConsumerRecord<byte[], byte[]> r : records) {
            total += bytes(r);
        }
        if (total < SPLIT_MIN_BYTES || records.count() < 2) {
            return mine.decode(records);
        }
        // the cut: the first record past the caller's share, as (partition index, record index)
        long share = total * CALLER_SHARE_PERCENT / 100;
        int cutPartition = 0;
        int cutRecord = 0;
        long sum = 0;
        find:
        for (int p = 0; p < all.size(); p++) {
            List<ConsumerRecord<byte[], byte[]>> rs = records.records(all.get(p));
            for (int i = 0; i < rs.size(); i++) {
                if (sum >= share) {
                    cutPartition = p;
                    cutRecord = i;
                    break find;
                }
                sum += bytes(rs.get(i));
            }
            cutPartition = p + 1;
            cutRecord = 0;
        }
        int cp = cutPartition;
        int cr = cutRecord;
        Future<Map<Integer, List<Decoded>>> helped = helper.submit(() -> decode(theirs, records, all, cp, cr, all.size(), 0));
        Map<Integer, List<Decoded>> decoded = decode(mine, records, all, 0, 0, cp, cr);
        Map<Integer, List<Decoded>> rest;
        try {
            rest = helped.get();
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
        rest.forEach((partition, list) -> decoded.merge(partition, list, (first, second) -> {
            first.addAll(second);
            return first;
        }));
        RecordDecoder.Polled polled = new RecordDecoder.Polled();
        for (TopicPartition tp : all) {
            polled.partitions.put(tp.partition(), decoded.get(tp.partition()));
        }
        return polled;
    }

    /** The records from (partition {@code fromP}, record {@code fromR}) to just before (partition {@code toP}, record {@code toR}). */
    private static Map<Integer, List<Decoded>> decode(RecordDecoder decoder, ConsumerRecords<byte[], byte[]> records,
            List<TopicPartition> partitions, int fromP, int fromR, int toP, int toR) {
        Map<Integer, List<Decoded>> decoded = new HashMap<>();
        for (int p = fromP; p <= toP && p < partitions.size(); p++) {
            List<ConsumerRecord<byte[], byte[]>> rs = records.records(partitions.get(p));
            int from = p == fromP ? fromR : 0;
            int to = p == toP ? toR : rs.size();
            if (from < to) {
                decoded.put(partitions.get(p).partition(), decoder.decode(rs.subList(from, to)));
            }
        }
        return decoded;
    }

    /** Stops the helper thread. Idempotent. */
    @Override
    public void close() {
        helper.shutdownNow();
    }
}
