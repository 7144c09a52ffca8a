package dev.worldstore.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.LogUnavailableException;
import dev.worldstore.testing.TestKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class EmbeddedKafkaIT {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaIT.class);

    @TempDir
    Path dir;

    @Test
    void recordsWrittenBeforeARestartAreReadableAfterIt() throws Exception {
        String topic = TestKafka.uniqueName("restart");
        int firstPort;

        long t0 = System.nanoTime();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir, 0, true)) {
            log.info("first start (format + start) took {} ms", (System.nanoTime() - t0) / 1_000_000);
            firstPort = kafka.port();
            assertNotEquals(0, firstPort);
            assertEquals("127.0.0.1:" + firstPort, kafka.bootstrapServers());
            assertTrue(Files.exists(dir.resolve("meta.properties")));

            createTopic(kafka.bootstrapServers(), topic);
            produce(kafka.bootstrapServers(), topic, "world-1", "{\"name\":\"first\"}");
            assertEquals(List.of("world-1={\"name\":\"first\"}"), readAll(kafka.bootstrapServers(), topic, 1));
        }
        String clusterId = clusterIdIn(dir);

        t0 = System.nanoTime();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir, firstPort, false)) {
            log.info("restart on the same directory took {} ms", (System.nanoTime() - t0) / 1_000_000);
            assertEquals(firstPort, kafka.port());
            assertEquals(clusterId, clusterIdIn(dir), "the directory is formatted only once");
            assertEquals(List.of("world-1={\"name\":\"first\"}"), readAll(kafka.bootstrapServers(), topic, 1));

            produce(kafka.bootstrapServers(), topic, "world-2", "{}");
            assertEquals(2, readAll(kafka.bootstrapServers(), topic, 2).size());
        }
    }

    @Test
    void closingTwiceIsHarmless() {
        EmbeddedKafka kafka = EmbeddedKafka.start(dir, 0, false);
        long t0 = System.nanoTime();
        kafka.close();
        log.info("close took {} ms", (System.nanoTime() - t0) / 1_000_000);
        assertDoesNotThrow(kafka::close);
    }

    @Test
    void startingOnAPortInUseFailsWithAClearMessage(@TempDir Path otherDir) {
        try (EmbeddedKafka first = EmbeddedKafka.start(dir, 0, false)) {
            LogUnavailableException e = assertThrows(LogUnavailableException.class,
                    () -> EmbeddedKafka.start(otherDir, first.port(), false).close());
            assertTrue(e.getMessage().startsWith("port " + first.port() + " is in use; set kafka.embedded.port"),
                    e.getMessage());
        }
    }

    @Test
    void theSharedTestBrokerServesTopicsNamedUniquely() throws Exception {
        String bootstrap = TestKafka.bootstrapServers();
        assertEquals(bootstrap, TestKafka.bootstrapServers(), "one broker per JVM");

        String topic = TestKafka.uniqueName("shared");
        assertNotEquals(topic, TestKafka.uniqueName("shared"));
        assertTrue(topic.startsWith("shared"));

        createTopic(bootstrap, topic);
        produce(bootstrap, topic, "k", "v");
        assertEquals(List.of("k=v"), readAll(bootstrap, topic, 1));
    }

    private static void createTopic(String bootstrap, String topic) throws ExecutionException, InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
    }

    private static void produce(String bootstrap, String topic, String key, String value) throws Exception {
        Map<String, Object> conf = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(conf, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    /** Reads the single partition of {@code topic} from the start until {@code expected} records arrived. */
    private static List<String> readAll(String bootstrap, String topic, int expected) {
        Map<String, Object> conf = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(conf, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(Set.of(partition));
            consumer.seekToBeginning(Set.of(partition));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(r.key() + "=" + r.value());
                }
                return seen.size() >= expected;
            });
        }
        return seen;
    }

    private static String clusterIdIn(Path dir) throws Exception {
        return Files.readAllLines(dir.resolve("meta.properties")).stream()
                .filter(line -> line.startsWith("cluster.id="))
                .findFirst()
                .orElseThrow();
    }
}
