package dev.worldstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.ConfigKey;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.http.HttpConfig;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every number in {@code deploy/} that depends on the code is checked against it: defaults quoted
 * in the operator docs are generated ({@code <!-- default:KEY -->}, {@code worldstore config
 * --fill-defaults deploy/README.md}) and never typed next to a key; every setting the files make is a
 * valid key and value; ports, grace periods, heap share, uid and cluster sizes agree across files and
 * with the code.
 */
class DeployFilesTest {
    private static final Path DEPLOY = Path.of("..", "deploy");
    private static final Path README = DEPLOY.resolve("README.md");

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every text file of deploy/, by path relative to it. */
    private static Map<String, String> files() {
        Map<String, String> files = new LinkedHashMap<>();
        try (Stream<Path> walk = Files.walk(DEPLOY)) {
            walk.filter(Files::isRegularFile).filter(p -> !p.toString().contains("target")).sorted().forEach(p -> {
                String name = DEPLOY.relativize(p).toString();
                if (name.matches(".*\\.(md|yaml|yml|xml|json)") || name.startsWith("Dockerfile")) {
                    files.put(name, read(p));
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertTrue(files.containsKey("Dockerfile") && files.containsKey("README.md"), files.keySet().toString());
        return files;
    }

    private static List<String> all(Pattern p, String text) {
        List<String> found = new ArrayList<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    // ---- defaults are generated, never copied -------------------------------------------------

    @Test
    void theDefaultsQuotedInTheOperatorDocsAreTheCodes() {
        String readme = read(README);
        assertTrue(ConfigDoc.DEFAULT_MARKER.matcher(readme).find(), "deploy/README.md quotes no default through a marker");
        assertEquals(ConfigDoc.fillDefaults(readme), readme,
                "a default quoted in deploy/README.md is not the code's: run `java -jar api/target/worldstore.jar config "
                        + "--fill-defaults deploy/README.md`");
    }

    @Test
    void fillingDefaultsWritesEachKeysDefaultInUnitsAPersonReads() {
        // given markers that are empty, stale or already right
        String doc = "cache <!-- default:rocksdb.block.cache.bytes -->256 MiB<!-- /default -->, every "
                + "<!-- default:projector.snapshot.interval.ms --><!-- /default -->, wait <!-- default:write.timeout.ms -->15 s"
                + "<!-- /default -->, port <!-- default:http.port -->1<!-- /default -->, <!-- default:kafka.topic -->x<!-- /default -->";
        // when filled, then each holds its key's default in MiB, h, s, or as it is
        assertEquals("cache <!-- default:rocksdb.block.cache.bytes -->512 MiB<!-- /default -->, every "
                + "<!-- default:projector.snapshot.interval.ms -->1 h<!-- /default -->, wait <!-- default:write.timeout.ms -->15 s"
                + "<!-- /default -->, port <!-- default:http.port -->8080<!-- /default -->, "
                + "<!-- default:kafka.topic -->worldstore.changes<!-- /default -->", ConfigDoc.fillDefaults(doc));
        assertEquals("-1", ConfigDoc.human(WorldStoreConfig.KAFKA_TOPIC_RETENTION_MS));
        assertEquals("4 MiB", ConfigDoc.human(WorldStoreConfig.VALUE_MAX_BYTES));
        assertEquals("1 min", ConfigDoc.human(WorldStoreConfig.RETENTION_CHECK_INTERVAL_MS));
        assertEquals("1 ms", ConfigDoc.human(WorldStoreConfig.PRODUCER_LINGER_MS));
        assertEquals("(empty)", ConfigDoc.human(WorldStoreConfig.NODE_ID));
        // a marker naming no key is an error, not left alone
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ConfigDoc.fillDefaults("<!-- default:no.such.key -->1<!-- /default -->"));
    }

    /** Defaults typed next to a key instead of generated: `key` (N), `key`, N, key = N ... by default, key ... default N. */
    static List<String> typedDefaults(String text) {
        String plain = ConfigDoc.DEFAULT_MARKER.matcher(text).replaceAll("GENERATED");
        List<String> found = new ArrayList<>();
        for (ConfigKey k : Settings.ALL_KEYS) {
            for (String name : List.of(Pattern.quote(k.name()), Pattern.quote(k.envName()))) {
                String key = "(?<![\\w.])" + name + "(?![\\w.])";
                for (String rule : List.of(
                        "`" + key + "`[\\s(,:=]{1,4}-?\\d[^\\n)]*",                          // `key` (8080), `key`, 256 MiB
                        key + "\\s*[=:]\\s*-?\\d[\\w .]*\\bby default",                         // key = 256 MiB by default
                        key + "`?[^.;]{0,40}?\\bdefaults?\\b\\s*(?:is\\s+|of\\s+|to\\s+|[:=]\\s*)?\\(?`?-?\\d[^\\n)]*", // key, default 6
                        "\\bdefault\\b[^.;]{0,30}?\\(?`?" + key + "`?\\s*[=:]\\s*-?\\d[^\\n)]*")) {     // the default port (http.port=8080)
                    Matcher m = Pattern.compile(rule).matcher(plain);
                    while (m.find()) {
                        found.add(m.group());
                    }
                }
            }
        }
        return found;
    }

    @Test
    void theCheckFindsTheCopiesThatWentStale() {
        // the two statements of issue 10: the Dockerfile's and deploy/README.md's 256 MiB block cache
        assertFalse(typedDefaults("# Container-aware heap: the rest is for RocksDB (block cache,\n"
                + "# rocksdb.block.cache.bytes = 256 MiB by default, plus memtables)").isEmpty());
        assertFalse(typedDefaults("the rest is for RocksDB's block cache (`rocksdb.block.cache.bytes`, 256 MiB) and").isEmpty());
        assertFalse(typedDefaults("Choose `kafka.topic.partitions`\n  (default 6) with room").isEmpty());
        assertFalse(typedDefaults("`http.sse.max.clients` (256) per node").isEmpty());
        assertFalse(typedDefaults("WORLDSTORE_HTTP_PORT defaults to 8080").isEmpty());
        assertFalse(typedDefaults("# Checks liveness on the default port (http.port=8080) over plain HTTP").isEmpty());
        // a generated value, a setting and an instruction are not copies
        assertEquals(List.of(), typedDefaults("`http.sse.max.clients` (<!-- default:http.sse.max.clients -->256<!-- /default -->)"));
        assertEquals(List.of(), typedDefaults("rocksdb.block.cache.bytes=268435456"));
        assertEquals(List.of(), typedDefaults("(or set `projector.snapshot.interval.ms=0`)"));
    }

    @Test
    void noFileOfDeployTypesADefaultNextToItsKey() {
        files().forEach((name, text) -> assertEquals(List.of(), typedDefaults(text), name
                + " states a default by hand; quote it as <!-- default:KEY --><!-- /default --> (markdown, then "
                + "`worldstore config --fill-defaults`) or leave the number out"));
    }

    // ---- settings made in deploy/ are valid ---------------------------------------------------

    @Test
    void everySettingTheFilesMakeIsAKnownKeyWithAValidValue() {
        // a value ends at white space, a quote, a backslash or a markdown code span's backtick
        Pattern envAssignment = Pattern.compile("(WORLDSTORE_[A-Z0-9_]+)(?:=|:\\s*)\"?([^\\s\"'`\\\\]+)\"?");
        int checked = 0;
        for (Map.Entry<String, String> f : files().entrySet()) {
            // a file's variables together, as one container would get them
            Map<String, String> env = new LinkedHashMap<>();
            Matcher m = envAssignment.matcher(f.getValue());
            while (m.find()) {
                if (!f.getValue().contains("ARG " + m.group(1))) { // a build argument of the image is not a setting
                    env.put(m.group(1), m.group(2));
                }
            }
            Settings s = Settings.resolve(Map.of(), env, null, null);
            assertEquals(List.of(), s.warnings(), f.getKey() + ": " + env);
            checked += env.size();
        }
        assertTrue(checked >= 6, "found only " + checked + " WORLDSTORE_* settings");
        // the Kubernetes ConfigMap's properties file, as `serve --config` reads it
        String k8s = read(DEPLOY.resolve("kubernetes/worldstore.yaml"));
        Matcher block = Pattern.compile("worldstore\\.properties: \\|\\n((?:    .*\\n)+)").matcher(k8s);
        assertTrue(block.find(), "no worldstore.properties in the ConfigMap");
        Properties props = new Properties();
        try {
            props.load(new StringReader(block.group(1)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertTrue(props.size() >= 5, props.toString());
        Settings s = Settings.resolve(Map.of(), Map.of(), props, "the ConfigMap");
        assertEquals(List.of(), s.warnings());
    }

    // ---- numbers that depend on the code or on each other --------------------------------------

    @Test
    void everyContainerPortIsTheHttpPortDefault() {
        String port = HttpConfig.HTTP_PORT.defaultValue();
        List<Pattern> contexts = List.of(Pattern.compile("EXPOSE (\\d+)"), Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/"),
                Pattern.compile("127\\.0\\.0\\.1:\\d+:(\\d+)"), Pattern.compile("containerPort: (\\d+)"),
                Pattern.compile("prometheus\\.io/port: \"(\\d+)\""), Pattern.compile("[{ ]port: (\\d+),"));
        int checked = 0;
        for (Map.Entry<String, String> f : files().entrySet()) {
            String text = f.getKey().equals("compose.yaml") ? worldstoreServices(f.getValue()) : f.getValue();
            assertFalse(Pattern.compile("WORLDSTORE_HTTP_PORT[=:]|(?m)^\\s*http\\.port=").matcher(f.getValue()).find(), f.getKey()
                    + " sets http.port: the ports below must follow it");
            for (Pattern p : contexts) {
                for (String found : all(p, text)) {
                    assertEquals(port, found, f.getKey() + ": " + p);
                    checked++;
                }
            }
        }
        assertTrue(checked >= 8, "found only " + checked + " ports");
    }

    /** The worldstore services of a compose file (the brokers' ports are Kafka's). */
    private static String worldstoreServices(String compose) {
        StringBuilder b = new StringBuilder();
        Matcher m = Pattern.compile("(?ms)^  worldstore-\\d+:\\n.*?(?=^  \\S|^\\S|\\z)").matcher(compose);
        while (m.find()) {
            b.append(m.group());
        }
        Matcher anchor = Pattern.compile("(?ms)^x-worldstore: .*?(?=^\\S|\\z)").matcher(compose);
        if (anchor.find()) {
            b.append(anchor.group());
        }
        assertTrue(b.length() > 0, "no worldstore service in compose.yaml");
        return b.toString();
    }

    @Test
    void gracePeriodsAgreeAndOutlastASavesWait() {
        Map<String, String> f = files();
        List<String> periods = new ArrayList<>();
        periods.addAll(all(Pattern.compile("terminationGracePeriodSeconds: (\\d+)"), f.get("kubernetes/worldstore.yaml")));
        periods.addAll(all(Pattern.compile("stop_grace_period: (\\d+)s"), f.get("compose.yaml")));
        periods.addAll(all(Pattern.compile("docker stop -t (\\d+)"), f.get("Dockerfile")));
        periods.addAll(all(Pattern.compile("terminationGracePeriodSeconds: (\\d+)"), f.get("README.md")));
        periods.addAll(all(Pattern.compile("stop_grace_period: (\\d+)s"), f.get("README.md")));
        assertEquals(5, periods.size(), periods.toString());
        assertEquals(1, new TreeSet<>(periods).size(), "grace periods differ: " + periods);
        // close() waits for in-flight saves, each at most write.timeout.ms
        long writeTimeoutSeconds = Long.parseLong(WorldStoreConfig.WRITE_TIMEOUT_MS.defaultValue()) / 1000;
        assertTrue(Long.parseLong(periods.get(0)) > writeTimeoutSeconds, periods.get(0) + " s <= write.timeout.ms");
    }

    @Test
    void theHeapShareTheUidAndTheMemoryLimitAgreeAndLeaveRoomForTheBlockCache() {
        Map<String, String> f = files();
        List<String> heap = new ArrayList<>();
        for (String name : List.of("Dockerfile", "kubernetes/worldstore.yaml", "README.md")) {
            heap.addAll(all(Pattern.compile("MaxRAMPercentage=(\\d+)"), f.get(name)));
        }
        heap.addAll(all(Pattern.compile("heap (\\d+) % of the container limit"), f.get("README.md")));
        assertTrue(heap.size() >= 4, heap.toString());
        assertEquals(1, new TreeSet<>(heap).size(), "heap shares differ: " + heap);

        List<String> uid = new ArrayList<>(all(Pattern.compile("WORLDSTORE_UID=(\\d+)"), f.get("Dockerfile")));
        uid.addAll(all(Pattern.compile("runAsUser: (\\d+)"), f.get("kubernetes/worldstore.yaml")));
        uid.addAll(all(Pattern.compile("uid (\\d+)"), f.get("README.md")));
        assertTrue(uid.size() >= 4, uid.toString());
        assertEquals(1, new TreeSet<>(uid).size(), "uids differ: " + uid);

        // the Kubernetes memory limit holds the heap and the block cache the ConfigMap sets
        String k8s = f.get("kubernetes/worldstore.yaml");
        Matcher limit = Pattern.compile("limits: \\{ memory: (\\d+)Gi").matcher(k8s);
        assertTrue(limit.find(), "no memory limit");
        long limitBytes = Long.parseLong(limit.group(1)) << 30;
        Matcher cache = Pattern.compile("rocksdb\\.block\\.cache\\.bytes=(\\d+)").matcher(k8s);
        long cacheBytes = cache.find() ? Long.parseLong(cache.group(1)) : Long.parseLong(WorldStoreConfig.ROCKSDB_BLOCK_CACHE_BYTES
                .defaultValue());
        long heapBytes = limitBytes * Long.parseLong(heap.get(0)) / 100;
        assertTrue(heapBytes + cacheBytes < limitBytes * 3 / 4, "heap " + heapBytes + " + block cache " + cacheBytes
                + " leave too little of the " + limitBytes + "-byte limit for memtables, stacks and buffers");
        assertTrue(f.get("README.md").contains(limit.group(1) + " GiB per node"), "README's starting point is not the limit");
        assertTrue(f.get("README.md").contains("sets the block\n  cache to " + (cacheBytes >> 20) + " MiB")
                || f.get("README.md").contains("cache to " + (cacheBytes >> 20) + " MiB"), "README names another ConfigMap cache size");
    }

    @Test
    void theAccessLogFileLimitsTheDocsStateAreTheConfigs() {
        Map<String, String> f = files();
        String xml = f.get("logback-file.xml");
        String size = all(Pattern.compile("<maxFileSize>(\\d+)MB</maxFileSize>"), xml).get(0);
        String days = all(Pattern.compile("<maxHistory>(\\d+)</maxHistory>"), xml).get(0);
        String cap = all(Pattern.compile("<totalSizeCap>(\\d+)MB</totalSizeCap>"), xml).get(0);
        String readme = f.get("README.md").replaceAll("\\s+", " ");
        String stated = "rolled at " + size + " MB or midnight, gzip-compressed, kept " + days + " days and " + cap + " MB in all";
        assertTrue(readme.contains(stated), "deploy/README.md should say: " + stated);
        String comment = xml.replaceAll("\\s+", " ");
        assertTrue(comment.contains("reaches " + size + " MB or a day ends, compressed, kept " + days + " days and " + cap + " MB in all"),
                "the file's own comment states other limits");
    }

    @Test
    void theComposeClusterIsTheOneTheDocsDescribeAndCanAcknowledgeSaves() {
        Map<String, String> f = files();
        String compose = f.get("compose.yaml");
        int brokers = all(Pattern.compile("(?m)^  (kafka-\\d+):"), compose).size();
        int nodes = all(Pattern.compile("(?m)^  (worldstore-\\d+):"), compose).size();
        int rf = Integer.parseInt(all(Pattern.compile("WORLDSTORE_KAFKA_TOPIC_REPLICATION_FACTOR: \"(\\d+)\""), compose).get(0));
        int isr = Integer.parseInt(all(Pattern.compile("WORLDSTORE_KAFKA_TOPIC_MIN_INSYNC_REPLICAS: \"(\\d+)\""), compose).get(0));
        assertEquals(String.valueOf(rf), all(Pattern.compile("KAFKA_DEFAULT_REPLICATION_FACTOR: \"(\\d+)\""), compose).get(0));
        assertEquals(String.valueOf(isr), all(Pattern.compile("KAFKA_MIN_INSYNC_REPLICAS: \"(\\d+)\""), compose).get(0));
        assertTrue(rf <= brokers && isr < rf, "RF " + rf + ", min ISR " + isr + " on " + brokers + " brokers: a broker's loss stops saves");
        String line = brokers + " Kafka brokers (KRaft, combined broker+controller, RF " + rf + ", min ISR " + isr + ") and " + nodes
                + " worldstore nodes";
        assertTrue(f.get("README.md").contains(line), "deploy/README.md should say: " + line);
        // the Kubernetes ConfigMap asks for the same durability
        String k8s = f.get("kubernetes/worldstore.yaml");
        assertTrue(k8s.contains("kafka.topic.replication.factor=" + rf) && k8s.contains("kafka.topic.min.insync.replicas=" + isr), k8s);
    }
}
