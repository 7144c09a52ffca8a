package dev.worldstore.projector;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * A synchronous, bounded projection for rebuilds and replays: applies the given partitions, from
 * the offsets stored in the projection up to (not including) each target offset, in the calling
 * thread, with the same rules and upgraders as a live node. No threads of its own.
 */
final class BoundedReplay {
    private static final Duration POLL = Duration.ofMillis(500);

    private BoundedReplay() {
    }

    /**
     * @param targets per partition, the offset to stop before (mutable: lowered where a time limit stops a partition)
     * @param timeLimits per partition, an event time (epoch ms) to stop after, or {@code null} (see {@link Applier})
     * @param onApplied called after each atomic write with the events applied so far
     * @return the events applied
     */
    static long run(KafkaClients clients, Applier applier, Progress progress, int pollMaxRecords, Map<Integer, Long> targets,
            Map<Integer, Long> timeLimits, LongConsumer onApplied) {
        RecordDecoder decoder = new RecordDecoder(progress.partitions());
        try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer("worldstore-replay", pollMaxRecords, true)) {
            List<TopicPartition> tps = new ArrayList<>();
            targets.keySet().forEach(p -> tps.add(new TopicPartition(clients.topic(), p)));
            consumer.assign(tps);
            for (TopicPartition tp : tps) {
                consumer.seek(tp, applier.resume(tp.partition()));
            }
            long total = 0;
            while (targets.entrySet().stream().anyMatch(t -> progress.next(t.getKey()) < t.getValue())) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                if (!records.isEmpty()) {
                    total += applier.apply(decoder.decode(records), targets, timeLimits);
                    onApplied.accept(total);
                }
            }
            return total;
        }
    }
}
