package dev.worldstore.projector.internal;

import dev.worldstore.WorldStoreConfig;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The one way worldstore reads the change log: a byte-array consumer without a group (callers
 * assign partitions and seek to positions they keep themselves), never committing offsets, fetching
 * records as large as the largest value allows. The user's {@code kafka.*} settings come first so
 * security settings pass through; these fixed ones win.
 */
final class LogReaders {
    private LogReaders() {
    }

    /**
     * @param maxPollRecords records one poll returns at most
     * @param bulk true for the projector (64 MiB fetches); false for per-client feeds, which fetch
     *     about one maximal record at a time so many idle or slow feeds stay cheap
     */
    static KafkaConsumer<byte[], byte[]> open(WorldStoreConfig config, String bootstrapServers, String clientId, int maxPollRecords,
            boolean bulk) {
        int recordBytes = config.getInt(WorldStoreConfig.VALUE_MAX_BYTES) + 2 * 1024 * 1024;
        Properties c = new Properties();
        c.putAll(config.kafkaClientOverrides());
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(maxPollRecords));
        c.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(bulk ? Math.max(64 * 1024 * 1024, recordBytes) : recordBytes));
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(recordBytes));
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(c);
    }
}
