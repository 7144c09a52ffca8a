package dev.worldstore.bench;

import dev.worldstore.WorldStoreConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka raw limits: a bare kafka-clients producer and consumer configured exactly as
 * worldstore's writer ({@code KafkaChangeLog}) and projector consumer ({@code LogReaders}, bulk)
 * are, doing nothing else.
 */
final class RawKafka {
    /** worldstore's defaults, so a change of them moves the raw limit with them. */
    private static final WorldStoreConfig DEFAULTS = WorldStoreConfig.defaults();

    private RawKafka() {
    }

    /** worldstore's producer settings with its default batching ({@link Linger#DEFAULT}). */
    static Properties producerSettings(String bootstrap) {
        return producerSettings(bootstrap, Linger.DEFAULT);
    }

    /** worldstore's producer settings (KafkaClients.producer) with the batching of {@code linger}. */
    static Properties producerSettings(String bootstrap, Linger linger) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, Integer.toString(linger.maxInFlightRequests()));
        p.put(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(linger.lingerMs()));
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, DEFAULTS.get(WorldStoreConfig.PRODUCER_BATCH_BYTES));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, DEFAULTS.get(WorldStoreConfig.PRODUCER_COMPRESSION));
        // KafkaChangeLog: the largest value plus 1 MiB for headers and batch overhead
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(DEFAULTS.getInt(WorldStoreConfig.VALUE_MAX_BYTES) + 1024 * 1024));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, DEFAULTS.get(WorldStoreConfig.WRITE_TIMEOUT_MS));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    /** The projector's consumer settings (LogReaders with bulk fetches). */
    static Properties consumerSettings(String bootstrap) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, DEFAULTS.get(WorldStoreConfig.PROJECTOR_POLL_MAX_RECORDS));
        c.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(64 * 1024 * 1024));
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                Integer.toString(DEFAULTS.getInt(WorldStoreConfig.VALUE_MAX_BYTES) + 2 * 1024 * 1024));
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return c;
    }

    /**
     * A bare producer writing to its own topic. Records are what a key-value peer would store:
     * key {@code w<n>/p<k>}, value the JSON bytes, no headers, in the partition worldstore would pick.
     */
    static final class Producer implements Writer {
        private final KafkaProducer<byte[], byte[]> producer;
        private final String topic;
        private final int partitions;
        private final Workload workload;

        Producer(Broker broker, String topic, Workload workload) {
            this(broker, topic, workload, Linger.DEFAULT);
        }

        Producer(Broker broker, String topic, Workload workload, Linger linger) {
            this.partitions = broker.createTopic(topic);
            this.topic = topic;
            this.workload = workload;
            this.producer = new KafkaProducer<>(producerSettings(broker.bootstrap(), linger));
        }

        @Override
        public CompletableFuture<?> write(int key, int variant) {
            CompletableFuture<Object> done = new CompletableFuture<>();
            ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic,
                    partitionOf(Workload.worldId(key), partitions),
                    Workload.compositeKey(key).getBytes(StandardCharsets.UTF_8), workload.bytes(variant));
            try {
                producer.send(r, (meta, error) -> {
                    if (error != null) {
                        done.completeExceptionally(error);
                    } else {
                        done.complete(meta);
                    }
                });
            } catch (KafkaException | IllegalStateException e) {
                done.completeExceptionally(e);
            }
            return done;
        }

        @Override
        public void close() {
            producer.close(Duration.ofSeconds(10));
        }
    }

    /** A bare consumer reading every partition of {@code topic} from the beginning, as the projector's consumer does (values are deserialised into byte arrays). */
    static CatchUp consumer(Broker broker, String topic) {
        return deadline -> {
            long start = System.nanoTime();
            Map<TopicPartition, Long> ends = broker.endOffsets(topic);
            List<TopicPartition> partitions = new ArrayList<>(ends.keySet());
            long records = 0;
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerSettings(broker.bootstrap()))) {
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                while (System.nanoTime() < deadline && !reached(consumer, ends)) {
                    records += consumer.poll(Duration.ofMillis(100)).count();
                }
                return Sample.of(records, System.nanoTime() - start);
            }
        };
    }

    private static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** The partition worldstore puts a world in: Kafka's default murmur2 partitioning of the world id. */
    static int partitionOf(String worldId, int partitions) {
        return org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(
                worldId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }
}
