package dev.worldstore.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.ConfigException;
import dev.worldstore.WorldStoreConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeConfigTest {

    @Test
    void aDefaultOfTheRunYieldsToTheCallersValueAForcedOneDoesNot() {
        NodeConfig given = NodeConfig.of(Map.of("kafka.embedded.port", "19092", "kafka.security.protocol", "PLAINTEXT"));
        NodeConfig derived = given.withDefault("kafka.embedded.port", "0").withDefault("kafka.topic", "t1").with("node.id", "n1");

        assertEquals("19092", derived.config().get(WorldStoreConfig.KAFKA_EMBEDDED_PORT));
        assertEquals("t1", derived.config().get(WorldStoreConfig.KAFKA_TOPIC));
        assertEquals("n1", derived.config().get(WorldStoreConfig.NODE_ID));
        assertEquals("PLAINTEXT", derived.config().kafkaClientOverrides().getProperty("security.protocol"));
        assertTrue(derived.isSet("kafka.topic"));
        assertFalse(given.isSet("kafka.topic"));
        assertEquals("n2", derived.with("node.id", "n2").config().get(WorldStoreConfig.NODE_ID));
    }

    @Test
    void aBenchNodeGetsItsOwnDirIdPortAndTopicAndRoomForItsPayloads() {
        WorldStoreConfig c = NodeConfig.of(Map.of()).benchNode(Path.of("/tmp/x/bench-a"), "bench-a", "own", 8 * 1024 * 1024).config();
        assertEquals(Path.of("/tmp/x/bench-a"), c.dataDir());
        assertEquals("bench-a", c.get(WorldStoreConfig.NODE_ID));
        assertEquals("0", c.get(WorldStoreConfig.KAFKA_EMBEDDED_PORT));
        assertEquals("own", c.get(WorldStoreConfig.KAFKA_TOPIC));
        assertEquals(8 * 1024 * 1024 + 1024, c.getInt(WorldStoreConfig.VALUE_MAX_BYTES));

        WorldStoreConfig given = NodeConfig.of(Map.of("kafka.topic", "mine", "value.max.bytes", "8192"))
                .benchNode(Path.of("d"), "n", "own", 1024).config();
        assertEquals("mine", given.get(WorldStoreConfig.KAFKA_TOPIC));
        assertEquals(8192, given.getInt(WorldStoreConfig.VALUE_MAX_BYTES));
        assertEquals("worldstore.changes", NodeConfig.of(Map.of()).benchNode(Path.of("d"), "n", null, 1024).config()
                .get(WorldStoreConfig.KAFKA_TOPIC));
    }

    @Test
    void aBadValueOfTheRunNamesTheCommandAsItsSource() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> NodeConfig.of(Map.of()).with("value.max.bytes", "999999999999"));
        assertEquals("value.max.bytes", e.key());
        assertTrue(e.getMessage().startsWith("value.max.bytes: "), e.getMessage());
        assertTrue(e.getMessage().endsWith(" (from the command)"), e.getMessage());

        ConfigException callers = assertThrows(ConfigException.class, () -> NodeConfig.of(Map.of("kafka.topic.partitions", "0")));
        assertFalse(callers.getMessage().contains("(from"), callers.getMessage());
    }
}
