package dev.worldstore.projector;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.testing.TestKafka;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** What an operator sets and reads of a node: the topic's settings, and the dead letters it holds across restarts. */
class OperatorSettingsIT {

    private static Config topicConfig(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
            ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            return admin.describeConfigs(List.of(r)).all().get().get(r);
        }
    }

    @Test
    void theTopicIsCreatedWithTheConfiguredMinInsyncReplicasAndALaterDifferentValueIsLoggedNotIgnored() throws Exception {
        // given a topic worldstore creates with kafka.topic.min.insync.replicas=1 (the one test broker)
        String topic = TestKafka.uniqueName("isr");
        WorldStoreConfig config = WorldStoreConfig.of("kafka.bootstrap.servers", TestKafka.bootstrapServers(), "kafka.topic", topic,
                "kafka.topic.partitions", "2", "kafka.topic.min.insync.replicas", "1");
        ProjectionTools.ensureTopic(config);

        // then the topic holds it as its own setting, not the broker's default
        ConfigEntry isr = topicConfig(topic).get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
        assertEquals("1", isr.value());
        assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, isr.source());

        // when a node later asks the existing topic for another value
        Logger log = (Logger) LoggerFactory.getLogger(KafkaClients.class);
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        log.addAppender(seen);
        try {
            ProjectionTools.ensureTopic(config.with("kafka.topic.min.insync.replicas", "2"));
        } finally {
            log.detachAppender(seen);
        }
        // then the topic is left as it is and the difference is logged with the command that would apply it
        assertEquals("1", topicConfig(topic).get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).value());
        assertTrue(seen.list.stream().map(ILoggingEvent::getFormattedMessage)
                .anyMatch(m -> m.contains("min.insync.replicas=1") && m.contains("kafka-configs.sh") && m.contains("min.insync.replicas=2")),
                seen.list.toString());
    }

    @Test
    void theDeadLetterCountIsTheStoredOneAndSurvivesARestart(@TempDir Path dir) throws Exception {
        try (StoreFixture fixture = new StoreFixture()) {
            SimpleMeterRegistry first = new SimpleMeterRegistry();
            WorldStore store = WorldStores.open(fixture.config(dir), first, Clock.systemUTC(), dev.worldstore.Upgraders.none());
            assertEquals(0, store.operations().deadLetterCount());
            // given two records the projector cannot decode (no headers), written past worldstore
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, fixture.bootstrapServers());
            try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < 2; i++) {
                    raw.send(new ProducerRecord<>(fixture.topic(), 0, "w".getBytes(StandardCharsets.UTF_8),
                            ("{not json " + i).getBytes(StandardCharsets.UTF_8))).get();
                }
            }
            // when the node has applied them
            await().atMost(Duration.ofSeconds(30)).until(() -> store.deadLetters(10).size() == 2);
            // then the count, the metric and the list agree
            assertEquals(2, store.operations().deadLetterCount());
            assertEquals(2.0, first.get("worldstore.projector.deadlettered").functionCounter().count());
            store.close();

            // when the node restarts on the same data.dir with a fresh registry
            SimpleMeterRegistry second = new SimpleMeterRegistry();
            try (WorldStore again = WorldStores.open(fixture.config(dir), second, Clock.systemUTC(), dev.worldstore.Upgraders.none())) {
                // then the stored count is reported, not a counter that started again at 0
                FunctionCounter metric = second.get("worldstore.projector.deadlettered").functionCounter();
                assertEquals(2.0, metric.count());
                assertEquals(2, again.operations().deadLetterCount());
                assertEquals(2, again.deadLetters(10).size());
            }
        }
    }
}
