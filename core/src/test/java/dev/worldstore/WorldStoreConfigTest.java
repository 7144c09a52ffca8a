package dev.worldstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WorldStoreConfigTest {

    private static ConfigException rejected(String key, Executable action, String... mentions) {
        ConfigException e = assertThrows(ConfigException.class, action);
        assertEquals(key, e.key());
        assertEquals(ErrorCode.INVALID_CONFIG, e.code());
        assertFalse(e.retriable());
        assertTrue(e.getMessage().contains(key), e.getMessage());
        for (String m : mentions) {
            assertTrue(e.getMessage().contains(m), () -> e.getMessage() + " should mention " + m);
        }
        return e;
    }

    @Test
    void defaultsAreTheDocumentedValues() {
        WorldStoreConfig c = WorldStoreConfig.defaults();

        assertEquals(Path.of("./data"), c.dataDir());
        assertEquals("", c.get(WorldStoreConfig.NODE_ID));
        assertTrue(c.embeddedKafka());
        assertEquals(9092, c.getInt(WorldStoreConfig.KAFKA_EMBEDDED_PORT));
        assertFalse(c.getBoolean(WorldStoreConfig.KAFKA_EMBEDDED_FLUSH_EVERY_MESSAGE));
        assertEquals("worldstore.changes", c.get(WorldStoreConfig.KAFKA_TOPIC));
        assertEquals(6, c.getInt(WorldStoreConfig.KAFKA_TOPIC_PARTITIONS));
        assertEquals(-1, c.getInt(WorldStoreConfig.KAFKA_TOPIC_REPLICATION_FACTOR));
        assertEquals(-1L, c.getLong(WorldStoreConfig.KAFKA_TOPIC_RETENTION_MS));
        assertEquals(4 * 1024 * 1024, c.getInt(WorldStoreConfig.VALUE_MAX_BYTES));
        assertEquals(5_000L, c.getLong(WorldStoreConfig.READ_WAIT_TIMEOUT_MS));
        assertEquals(15_000L, c.getLong(WorldStoreConfig.WRITE_TIMEOUT_MS));
        assertEquals(1, c.getInt(WorldStoreConfig.PRODUCER_LINGER_MS));
        assertEquals(65_536, c.getInt(WorldStoreConfig.PRODUCER_BATCH_BYTES));
        assertEquals("lz4", c.get(WorldStoreConfig.PRODUCER_COMPRESSION));
        assertEquals(5_000, c.getInt(WorldStoreConfig.PROJECTOR_POLL_MAX_RECORDS));
        assertEquals(512L * 1024 * 1024, c.getLong(WorldStoreConfig.ROCKSDB_BLOCK_CACHE_BYTES));
        assertEquals("lz4", c.get(WorldStoreConfig.ROCKSDB_COMPRESSION));
        assertTrue(c.kafkaClientOverrides().isEmpty());
    }

    @Test
    void aWriteTimeoutThatDoesNotCoverTheLingerIsRefusedNamingBothKeys() {
        rejected("write.timeout.ms", () -> WorldStoreConfig.of("write.timeout.ms", "500", "producer.linger.ms", "500"),
                "producer.linger.ms", "500");
        assertEquals(501L, WorldStoreConfig.of("write.timeout.ms", "501", "producer.linger.ms", "500")
                .getLong(WorldStoreConfig.WRITE_TIMEOUT_MS));
    }

    @Test
    void setValuesOverrideDefaults() {
        WorldStoreConfig c = WorldStoreConfig.of("data.dir", "/var/ws", "kafka.bootstrap.servers", "k1:9092",
                "kafka.embedded.flush.every.message", "true", "producer.compression", "zstd");

        assertEquals(Path.of("/var/ws"), c.dataDir());
        assertFalse(c.embeddedKafka());
        assertTrue(c.getBoolean(WorldStoreConfig.KAFKA_EMBEDDED_FLUSH_EVERY_MESSAGE));
        assertEquals("zstd", c.get(WorldStoreConfig.PRODUCER_COMPRESSION));
        assertTrue(c.kafkaClientOverrides().isEmpty(), "worldstore's own kafka.* keys are not passed through");
    }

    @ParameterizedTest
    @ValueSource(strings = {"kafka.topic.min.isr", "kafka.topic.minInsyncReplicas", "kafka.topic.retention.bytes",
            "kafka.topic.cleanup.policy", "kafka.topic.config.min.insync.replicas", "kafka.topic.", "kafka.embedded.flush",
            "kafka.embedded.host", "kafka.embedded."})
    void unknownKeysInWorldstoresOwnKafkaNamespacesAreErrorsNotPassThrough(String key) {
        // given a key under kafka.topic.* or kafka.embedded.* that worldstore does not know
        // when the configuration is built, then it is refused naming the key and listing the known keys of its namespace
        String namespace = key.startsWith("kafka.topic.") ? "kafka.topic." : "kafka.embedded.";
        rejected(key, () -> WorldStoreConfig.of(key, "2"), "not a worldstore configuration key",
                namespace.equals("kafka.topic.") ? "kafka.topic.min.insync.replicas" : "kafka.embedded.port");
    }

    @Test
    void minInsyncReplicasIsAWorldstoreKeyCheckedAgainstTheReplicationFactor() {
        // given a cluster, RF 3 and min ISR 2: accepted, and not passed to the Kafka clients
        WorldStoreConfig c = WorldStoreConfig.of("kafka.bootstrap.servers", "k1:9092", "kafka.topic.replication.factor", "3",
                "kafka.topic.min.insync.replicas", "2");
        assertEquals(2, c.getInt(WorldStoreConfig.KAFKA_TOPIC_MIN_INSYNC_REPLICAS));
        assertTrue(c.kafkaClientOverrides().isEmpty());
        assertEquals(-1, WorldStoreConfig.defaults().getInt(WorldStoreConfig.KAFKA_TOPIC_MIN_INSYNC_REPLICAS));
        // a min ISR above the replication factor could never acknowledge a save
        rejected("kafka.topic.min.insync.replicas", () -> WorldStoreConfig.of("kafka.bootstrap.servers", "k1:9092",
                "kafka.topic.replication.factor", "2", "kafka.topic.min.insync.replicas", "3"), "kafka.topic.replication.factor", "3");
        // zero is no setting at all
        rejected("kafka.topic.min.insync.replicas", () -> WorldStoreConfig.of("kafka.topic.min.insync.replicas", "0"), "at least 1");
        rejected("kafka.topic.replication.factor", () -> WorldStoreConfig.of("kafka.topic.replication.factor", "0"), "at least 1");
        // the embedded broker is one broker
        rejected("kafka.topic.min.insync.replicas", () -> WorldStoreConfig.of("kafka.topic.min.insync.replicas", "2"), "embedded");
        rejected("kafka.topic.replication.factor", () -> WorldStoreConfig.of("kafka.topic.replication.factor", "3"), "embedded");
        assertEquals(1, WorldStoreConfig.of("kafka.topic.min.insync.replicas", "1").getInt(WorldStoreConfig.KAFKA_TOPIC_MIN_INSYNC_REPLICAS));
    }

    @Test
    void unknownKeyIsRejectedNamingIt() {
        rejected("data.dri", () -> WorldStoreConfig.of("data.dri", "/x"), "not a worldstore configuration key");
        rejected("kafka.", () -> WorldStoreConfig.of("kafka.", "x"));
    }

    @Test
    void kafkaKeysThatAreNotOursPassThroughWithoutPrefix() {
        WorldStoreConfig c = WorldStoreConfig.of("kafka.security.protocol", "SASL_SSL",
                "kafka.sasl.mechanism", "PLAIN");

        Properties p = c.kafkaClientOverrides();

        assertEquals("SASL_SSL", p.getProperty("security.protocol"));
        assertEquals("PLAIN", p.getProperty("sasl.mechanism"));
        assertNull(p.getProperty("kafka.security.protocol"));
        assertEquals(2, p.size());
    }

    @Test
    void kafkaClientOverridesIsACopy() {
        WorldStoreConfig c = WorldStoreConfig.of("kafka.security.protocol", "SASL_SSL");

        c.kafkaClientOverrides().setProperty("security.protocol", "PLAINTEXT");

        assertEquals("SASL_SSL", c.kafkaClientOverrides().getProperty("security.protocol"));
    }

    @Test
    void outOfRangeIntIsRejectedWithKeyAndRule() {
        rejected("kafka.embedded.port", () -> WorldStoreConfig.of("kafka.embedded.port", "70000"),
                "between 0 and 65535", "70000");
    }

    @Test
    void nonNumberIsRejectedWithKeyAndRule() {
        rejected("write.timeout.ms", () -> WorldStoreConfig.of("write.timeout.ms", "15s"), "whole number", "15s");
    }

    @Test
    void badBooleanIsRejectedWithKeyAndRule() {
        rejected("kafka.embedded.flush.every.message",
                () -> WorldStoreConfig.of("kafka.embedded.flush.every.message", "yes"), "true or false", "yes");
    }

    @Test
    void badChoiceIsRejectedWithKeyAndChoices() {
        rejected("rocksdb.compression", () -> WorldStoreConfig.of("rocksdb.compression", "gzip"),
                "one of none, lz4, zstd", "gzip");
    }

    @Test
    void nullValueIsRejectedNamingTheKey() {
        Map<String, String> m = new HashMap<>();
        m.put("data.dir", null);
        rejected("data.dir", () -> WorldStoreConfig.of(m));
    }

    @Test
    void oddNumberOfPairsIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> WorldStoreConfig.of("data.dir"));
    }

    @Test
    void withRevalidates() {
        WorldStoreConfig c = WorldStoreConfig.defaults();

        rejected("kafka.embedded.port", () -> c.with("kafka.embedded.port", "70000"), "between 0 and 65535");
        rejected("no.such.key", () -> c.with("no.such.key", "1"));
        assertEquals(9092, c.getInt(WorldStoreConfig.KAFKA_EMBEDDED_PORT), "original unchanged");
    }

    @Test
    void withSetsOneKeyAndKeepsTheRestIncludingPassThrough() {
        WorldStoreConfig c = WorldStoreConfig.of("kafka.security.protocol", "SASL_SSL", "data.dir", "/a");

        WorldStoreConfig d = c.with("kafka.embedded.port", "0");

        assertEquals(0, d.getInt(WorldStoreConfig.KAFKA_EMBEDDED_PORT));
        assertEquals(Path.of("/a"), d.dataDir());
        assertEquals("SASL_SSL", d.kafkaClientOverrides().getProperty("security.protocol"));
        assertEquals(1, d.kafkaClientOverrides().size());
        assertEquals(9092, c.getInt(WorldStoreConfig.KAFKA_EMBEDDED_PORT));
    }

    @Test
    void getOfForeignKeyIsRejected() {
        ConfigKey foreign = ConfigKey.string("not.a.store.key", "", "doc");
        assertThrows(IllegalArgumentException.class, () -> WorldStoreConfig.defaults().get(foreign));
    }

    @Test
    void numbersWithSurroundingSpacesAreRead() {
        assertEquals(8080, WorldStoreConfig.of("kafka.embedded.port", " 8080 ").getInt(WorldStoreConfig.KAFKA_EMBEDDED_PORT));
    }
}
