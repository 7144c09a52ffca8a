package dev.worldstore.bench;

import dev.worldstore.WorldStoreConfig;
import dev.worldstore.kafka.EmbeddedKafka;
import dev.worldstore.projector.ProjectionTools;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** One embedded single-node broker of the run, with an admin client for topics and offsets. */
final class Broker implements AutoCloseable {
    private final EmbeddedKafka kafka;
    private final Admin admin;
    final boolean fsync;

    private Broker(EmbeddedKafka kafka, boolean fsync) {
        this.kafka = kafka;
        this.fsync = fsync;
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    /** Starts a broker with its data in {@code dir}; with {@code fsync} it fsyncs every message before acknowledging. */
    static Broker start(Path dir, boolean fsync) {
        return new Broker(EmbeddedKafka.start(dir, 0, fsync), fsync);
    }

    String bootstrap() {
        return kafka.bootstrapServers();
    }

    /** Creates {@code topic} exactly as worldstore creates its change log; returns its partition count. */
    int createTopic(String topic) {
        return ProjectionTools.ensureTopic(WorldStoreConfig.of("kafka.bootstrap.servers", bootstrap(), "kafka.topic", topic,
                "kafka.topic.replication.factor", "1"));
    }

    /** Per partition, the offset the next record will get; empty if the topic does not exist. */
    Map<TopicPartition, Long> endOffsets(String topic) throws Exception {
        int partitions;
        try {
            partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions().size();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return Map.of();
            }
            throw e;
        }
        Map<TopicPartition, OffsetSpec> request = new java.util.HashMap<>();
        for (int p = 0; p < partitions; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        return admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    /** Records in {@code topic} (nothing is ever deleted from the run's topics). */
    long records(String topic) throws Exception {
        return endOffsets(topic).values().stream().mapToLong(Long::longValue).sum();
    }

    @Override
    public void close() {
        admin.close();
        kafka.close();
    }
}
