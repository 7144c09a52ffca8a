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
        for (String c : new String[] {"serve", "demo", "bench", "replay", "rebuild", "restore", "config"}) {
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

    @Test
    void theOfflineCommandsTakeTheStoreKeysAndDocumentTheirOptions() {
        for (String c : new String[] {"replay", "rebuild", "restore"}) {
            Run r = run(Map.of(), c, "--help");
            assertEquals(0, r.code(), c);
            for (ConfigKey k : WorldStoreConfig.KEYS) {
                assertTrue(r.out().contains("--" + k.name() + "="), c + " " + k.name());
            }
            assertFalse(r.out().contains("--http.port"), c);
        }
        String replay = run(Map.of(), "replay", "--help").out();
        for (String o : new String[] {"--world=WORLD", "--to=INSTANT|POSITION", "--out=FILE", "--no-snapshots"}) {
            assertTrue(replay.contains(o), o);
        }
        String rebuild = run(Map.of(), "rebuild", "--help").out();
        assertTrue(rebuild.contains("--target=DIR") && rebuild.contains("--compare-with=DIR"), rebuild);
        String restore = run(Map.of(), "restore", "--help").out().replaceAll("\\s+", " ");
        assertTrue(restore.contains("must NOT be the data.dir of a running node"), restore);
        String bench = run(Map.of(), "bench", "--help").out();
        for (String o : new String[] {"--http", "--url=URL", "--api-key=KEY", "--http-concurrency=N", "--http-seconds=N",
                "--http-warmup-seconds=N", "--entities=N", "--batches=N", "--batch-in-flight=N", "--skip-batches"}) {
            assertTrue(bench.contains(o), o);
        }
    }

    @Test
    void offlineCommandUsageErrorsAreOneLineWithExitCode2(@TempDir Path dir) throws IOException {
        Run missing = run(Map.of(), "replay", "--world=w");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("Missing required options"), missing.err());

        Run badTo = run(Map.of(), "replay", "--world=w", "--to=yesterday", "--out=" + dir.resolve("w.json"));
        assertEquals(2, badTo.code());
        assertEquals(1, badTo.err().strip().lines().count(), badTo.err());
        assertTrue(badTo.err().contains("--to: must be an ISO-8601 instant like 2026-11-24T14:02:00Z, a log position like 0-42 "
                + "or a partition's start like 0-start, was 'yesterday'"), badTo.err());

        Run badWorld = run(Map.of(), "restore", "--world=a b", "--to=0-1");
        assertEquals(2, badWorld.code());
        assertTrue(badWorld.err().contains("--world: must be"), badWorld.err());

        Run noFolder = run(Map.of(), "replay", "--world=w", "--to=0-1", "--out=" + dir.resolve("missing").resolve("w.json"));
        assertEquals(2, noFolder.code());
        assertTrue(noFolder.err().contains("--out: folder " + dir.resolve("missing") + " does not exist"), noFolder.err());

        Files.writeString(dir.resolve("taken"), "x");
        Run notEmpty = run(Map.of(), "rebuild", "--target=" + dir);
        assertEquals(2, notEmpty.code());
        assertTrue(notEmpty.err().contains("--target: " + dir + " is not empty"), notEmpty.err());

        Run noProjection = run(Map.of(), "rebuild", "--target=" + dir.resolve("new"), "--compare-with=" + dir);
        assertEquals(2, noProjection.code());
        assertTrue(noProjection.err().contains("--compare-with: " + dir + " holds no projection"), noProjection.err());
    }

    @Test
    void benchHttpOptionsAreCheckedBeforeAnythingStarts() {
        Run storeOnly = run(Map.of(), "bench", "--http", "--saves=10");
        assertEquals(2, storeOnly.code());
        assertTrue(storeOnly.err().contains("--saves: does not apply to bench --http"), storeOnly.err());
        Run batchesWithHttp = run(Map.of(), "bench", "--http", "--batches=10");
        assertEquals(2, batchesWithHttp.code());
        assertTrue(batchesWithHttp.err().contains("--batches: does not apply to bench --http"), batchesWithHttp.err());
        Run httpOnly = run(Map.of(), "bench", "--http-seconds=3");
        assertEquals(2, httpOnly.code());
        assertTrue(httpOnly.err().contains("--http-seconds: needs --http"), httpOnly.err());
        Run keyWithoutUrl = run(Map.of(), "bench", "--http", "--api-key=k");
        assertEquals(2, keyWithoutUrl.code());
        assertTrue(keyWithoutUrl.err().contains("--api-key: needs --url"), keyWithoutUrl.err());
        Run badUrl = run(Map.of(), "bench", "--http", "--url=localhost:8080");
        assertEquals(2, badUrl.code());
        assertTrue(badUrl.err().contains("--url: must be http://host:port"), badUrl.err());
        Run zero = run(Map.of(), "bench", "--http", "--http-concurrency=0");
        assertEquals(2, zero.code());
        assertTrue(zero.err().contains("--http-concurrency: must be between 1 and 10000, was 0"), zero.err());
    }
}
