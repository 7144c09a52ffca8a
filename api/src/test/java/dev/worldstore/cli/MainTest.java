package dev.worldstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.ConfigKey;
import dev.worldstore.WorldStoreConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line without starting a store: help, version, config reference and every error path. */
class MainTest {

    record Run(int code, String out, String err) {
    }

    static Run run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(env, new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpOfServeShowsEveryKeyWithItsDocDefaultRuleAndVariable() {
        Run r = run(Map.of(), "serve", "--help");
        assertEquals(0, r.code());
        String help = r.out().replaceAll("\\s+", " ");
        for (ConfigKey k : Settings.ALL_KEYS) {
            assertTrue(help.contains("--" + k.name() + "="), k.name());
            assertTrue(help.contains(k.envName()), k.envName());
            assertTrue(help.contains("Rule: " + k.rule()), k.name() + " rule");
        }
        assertTrue(help.contains("Default: 9092"), help);
        assertTrue(help.contains("--config=FILE"), help);
    }

    @Test
    void demoAndBenchTakeTheStoreKeysOnly() {
        String help = run(Map.of(), "bench", "--help").out();
        assertTrue(help.contains("--data.dir="), help);
        assertFalse(help.contains("--http.port"), help);
        assertTrue(run(Map.of(), "demo", "--help").out().contains("--seconds"));
    }

    @Test
    void versionAndTopLevelHelp() {
        Run v = run(Map.of(), "--version");
        assertEquals(0, v.code());
        assertTrue(v.out().startsWith("worldstore "), v.out());
        Run h = run(Map.of(), "--help");
        assertEquals(0, h.code());
        for (String c : new String[] {"serve", "demo", "bench", "config"}) {
            assertTrue(h.out().contains(c), c);
        }
        assertEquals(2, run(Map.of()).code());
    }

    @Test
    void configPrintsTheReference() {
        Run md = run(Map.of(), "config", "--markdown");
        assertEquals(0, md.code());
        assertEquals(ConfigDoc.markdown(), md.out());
        Run text = run(Map.of(), "config");
        assertTrue(text.out().contains("WORLDSTORE_DATA_DIR"), text.out());
    }

    @Test
    void aBadValueIsAOneLineErrorWithExitCode2() {
        Run r = run(Map.of(), "serve", "--kafka.embedded.port=abc");
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("kafka.embedded.port: must be a whole number (between 0 and 65535), was 'abc'"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void aBadValueFromTheEnvironmentNamesTheVariable() {
        Run r = run(Map.of("WORLDSTORE_KAFKA_TOPIC_PARTITIONS", "0"), "demo");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("kafka.topic.partitions: must be between 1 and 10000, was 0"), r.err());
        assertTrue(r.err().contains("WORLDSTORE_KAFKA_TOPIC_PARTITIONS"), r.err());
    }

    @Test
    void aBadValueFromTheFileNamesTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("ws.properties");
        Files.writeString(file, "rocksdb.compression=snappy\n");
        Run r = run(Map.of(), "bench", "--config=" + file);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("rocksdb.compression: must be one of none, lz4, zstd, was 'snappy'"), r.err());
        assertTrue(r.err().contains(file.toString()), r.err());
    }

    @Test
    void anUnknownOptionIsAnErrorWithExitCode2() {
        Run r = run(Map.of(), "serve", "--data.dirr=/tmp/x");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--data.dirr: unknown option (did you mean --data.dir?)"), r.err());
        Run http = run(Map.of(), "bench", "--http.port=1");
        assertEquals(2, http.code());
        assertTrue(http.err().contains("--http.port"), http.err());
        Run unknownCommand = run(Map.of(), "srve");
        assertEquals(2, unknownCommand.code());
    }

    @Test
    void aBadBenchOptionIsAUsageError() {
        Run r = run(Map.of(), "bench", "--concurrency=0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--concurrency: must be between 1 and 100000, was 0"), r.err());
    }

    @Test
    void everyStoreKeyIsAnOptionOfDemo() {
        String help = run(Map.of(), "demo", "--help").out();
        for (ConfigKey k : WorldStoreConfig.KEYS) {
            assertTrue(help.contains("--" + k.name() + "="), k.name());
        }
    }
}
