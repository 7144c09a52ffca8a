package dev.worldstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.ConfigException;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.http.HttpConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    @Test
    void commandLineBeatsEnvironmentBeatsFileBeatsDefault() {
        Properties file = props("data.dir", "/from-file", "kafka.topic", "file-topic", "node.id", "file-node");
        Map<String, String> env = Map.of("WORLDSTORE_DATA_DIR", "/from-env", "WORLDSTORE_KAFKA_TOPIC", "env-topic",
                "PATH", "/usr/bin");
        Map<String, String> cli = Map.of("data.dir", "/from-cli");

        Settings s = Settings.resolve(cli, env, file, "test.properties");

        WorldStoreConfig c = s.storeConfig();
        assertEquals("/from-cli", c.get(WorldStoreConfig.DATA_DIR));
        assertEquals("env-topic", c.get(WorldStoreConfig.KAFKA_TOPIC));
        assertEquals("file-node", c.get(WorldStoreConfig.NODE_ID));
        assertEquals("lz4", c.get(WorldStoreConfig.PRODUCER_COMPRESSION));
        assertEquals(Settings.Source.COMMAND_LINE, s.source("data.dir"));
        assertEquals(Settings.Source.ENVIRONMENT, s.source("kafka.topic"));
        assertEquals(Settings.Source.FILE, s.source("node.id"));
        assertEquals(Settings.Source.DEFAULT, s.source("producer.compression"));
        assertTrue(s.warnings().isEmpty(), s.warnings().toString());
    }

    @Test
    void readsTheConfigFileFromDisk(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("worldstore.properties");
        Files.writeString(file, "# a comment\nkafka.topic.partitions = 12\nhttp.port=9090\n");
        Settings s = Settings.resolve(Map.of(), Map.of(), file);
        assertEquals(12, s.storeConfig().getInt(WorldStoreConfig.KAFKA_TOPIC_PARTITIONS));
        assertEquals(9090, s.httpConfig().getInt(HttpConfig.HTTP_PORT));
    }

    @Test
    void httpKeysGoToTheHttpConfigAndTheRestToTheStoreConfig() {
        Settings s = Settings.resolve(Map.of("http.port", "9000", "data.dir", "/d"), Map.of("WORLDSTORE_HTTP_HOST", "0.0.0.0"), null,
                null);
        assertEquals(9000, s.httpConfig().getInt(HttpConfig.HTTP_PORT));
        assertEquals("0.0.0.0", s.httpConfig().get(HttpConfig.HTTP_HOST));
        assertEquals("/d", s.storeConfig().get(WorldStoreConfig.DATA_DIR));
    }

    @Test
    void kafkaKeysPassThroughFromEverySource() {
        Properties file = props("kafka.client.rack", "rack-file", "kafka.request.timeout.ms", "30000");
        Map<String, String> env = Map.of("WORLDSTORE_KAFKA_SASL_MECHANISM", "PLAIN", "WORLDSTORE_KAFKA_CLIENT_RACK", "rack-env");
        Map<String, String> cli = Map.of("kafka.security.protocol", "SASL_SSL", "kafka.client.rack", "rack-cli");

        Properties overrides = Settings.resolve(cli, env, file, "f").storeConfig().kafkaClientOverrides();

        assertEquals("SASL_SSL", overrides.getProperty("security.protocol"));
        assertEquals("PLAIN", overrides.getProperty("sasl.mechanism"));
        assertEquals("rack-cli", overrides.getProperty("client.rack"));
        assertEquals("30000", overrides.getProperty("request.timeout.ms"));
    }

    @Test
    void unmatchedKafkaOptionsArePassThroughSettings() {
        Map<String, String> m = ConfiguredCommand.passThrough(List.of("--kafka.acks=1", "--kafka.client.rack", "r1"),
                WorldStoreConfig.KEYS);
        assertEquals(Map.of("kafka.acks", "1", "kafka.client.rack", "r1"), m);
    }

    @Test
    void anUnknownOptionIsAnErrorNamingItAndTheClosestKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfiguredCommand.passThrough(List.of("--data.dirr=/x"), WorldStoreConfig.KEYS));
        assertTrue(e.getMessage().contains("--data.dirr"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean --data.dir?"), e.getMessage());

        ConfigException e2 = assertThrows(ConfigException.class,
                () -> Settings.resolve(Map.of("colour", "blue"), Map.of(), null, null));
        assertTrue(e2.getMessage().startsWith("--colour: unknown option"), e2.getMessage());

        ConfigException stray = assertThrows(ConfigException.class,
                () -> ConfiguredCommand.passThrough(List.of("oops"), WorldStoreConfig.KEYS));
        assertTrue(stray.getMessage().contains("oops"), stray.getMessage());

        ConfigException noValue = assertThrows(ConfigException.class,
                () -> ConfiguredCommand.passThrough(List.of("--kafka.acks"), WorldStoreConfig.KEYS));
        assertTrue(noValue.getMessage().contains("needs a value"), noValue.getMessage());
    }

    @Test
    void anUnknownKeyInTheFileIsAnErrorNamingKeyAndFile() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Settings.resolve(Map.of(), Map.of(), props("data.dri", "/x"), "/etc/worldstore.properties"));
        assertEquals("data.dri", e.key());
        assertTrue(e.getMessage().contains("/etc/worldstore.properties"), e.getMessage());
    }

    @Test
    void unknownEnvironmentVariablesAreIgnoredWithAWarning() {
        Settings s = Settings.resolve(Map.of(), Map.of("WORLDSTORE_DATA_DIRR", "/x", "HOME", "/root"), null, null);
        assertEquals(1, s.warnings().size());
        assertTrue(s.warnings().get(0).contains("WORLDSTORE_DATA_DIRR"), s.warnings().get(0));
        assertTrue(s.warnings().get(0).contains("WORLDSTORE_DATA_DIR"), s.warnings().get(0));
        assertEquals("./data", s.storeConfig().get(WorldStoreConfig.DATA_DIR));
    }

    @Test
    void kubernetesServiceLinkVariablesAreNotTakenForSettings() {
        Map<String, String> env = Map.of(
                "WORLDSTORE_PORT", "tcp://10.0.0.1:8080",
                "WORLDSTORE_SERVICE_HOST", "10.0.0.1",
                "WORLDSTORE_PORT_8080_TCP_ADDR", "10.0.0.1",
                "WORLDSTORE_KAFKA_SERVICE_HOST", "10.0.0.2",
                "WORLDSTORE_KAFKA_PORT", "tcp://10.0.0.2:9092",
                "WORLDSTORE_KAFKA_EMBEDDED_PORT", "19092");
        Settings s = Settings.resolve(Map.of(), env, null, null);
        assertTrue(s.storeConfig().kafkaClientOverrides().isEmpty(), s.storeConfig().kafkaClientOverrides().toString());
        assertTrue(s.warnings().isEmpty(), s.warnings().toString());
        assertEquals(19092, s.storeConfig().getInt(WorldStoreConfig.KAFKA_EMBEDDED_PORT));
    }

    @Test
    void aBadValueNamesKeyRuleAndSource() {
        ConfigException cli = assertThrows(ConfigException.class,
                () -> Settings.resolve(Map.of("kafka.embedded.port", "abc"), Map.of(), null, null));
        assertEquals("kafka.embedded.port", cli.key());
        assertTrue(cli.getMessage().contains("between 0 and 65535"), cli.getMessage());
        assertTrue(cli.getMessage().contains("'abc'"), cli.getMessage());

        ConfigException env = assertThrows(ConfigException.class,
                () -> Settings.resolve(Map.of(), Map.of("WORLDSTORE_PRODUCER_COMPRESSION", "brotli"), null, null));
        assertEquals("producer.compression", env.key());
        assertTrue(env.getMessage().contains("one of none, gzip, snappy, lz4, zstd"), env.getMessage());
        assertTrue(env.getMessage().contains("environment variable WORLDSTORE_PRODUCER_COMPRESSION"), env.getMessage());

        ConfigException file = assertThrows(ConfigException.class,
                () -> Settings.resolve(Map.of(), Map.of(), props("http.port", "70000"), "my.properties"));
        assertEquals("http.port", file.key());
        assertTrue(file.getMessage().contains("config file my.properties"), file.getMessage());
    }

    @Test
    void aBadValueBelowAGoodOneOfHigherPrecedenceIsNotAnError() {
        Settings s = Settings.resolve(Map.of("kafka.embedded.port", "0"), Map.of("WORLDSTORE_KAFKA_EMBEDDED_PORT", "nope"), null, null);
        assertEquals(0, s.storeConfig().getInt(WorldStoreConfig.KAFKA_EMBEDDED_PORT));
    }

    @Test
    void withDefaultKeepsWhatASourceSet() {
        Settings s = Settings.resolve(Map.of("data.dir", "/mine"), Map.of(), null, null);
        assertEquals("/mine", s.withDefault("data.dir", "/tmp/x").storeConfig().get(WorldStoreConfig.DATA_DIR));
        assertEquals("0", s.withDefault("kafka.embedded.port", "0").storeConfig().get(WorldStoreConfig.KAFKA_EMBEDDED_PORT));
        assertFalse(s.isSet("kafka.embedded.port"));
    }
}
