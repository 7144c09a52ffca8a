package dev.worldstore.projector;

import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.testing.TestKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Opens real worldstore nodes on the shared test broker, each test with its own topic. Nodes opened
 * here are closed by {@link #close()}, newest first.
 */
public final class StoreFixture implements AutoCloseable {
    private final String topic = TestKafka.uniqueName("changes");
    private final List<WorldStore> open = new ArrayList<>();
    private final List<Path> dirs = new ArrayList<>();
    private final Map<String, String> extra = new LinkedHashMap<>();

    public StoreFixture with(String key, String value) {
        extra.put(key, value);
        return this;
    }

    public String topic() {
        return topic;
    }

    public String bootstrapServers() {
        return TestKafka.bootstrapServers();
    }

    public static Path newDataDir() {
        try {
            return Files.createTempDirectory("worldstore-node-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public WorldStoreConfig config(Path dataDir) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("kafka.bootstrap.servers", bootstrapServers());
        m.put("kafka.topic", topic);
        m.put("kafka.topic.partitions", "3");
        m.put("data.dir", dataDir.toString());
        m.putAll(extra);
        return WorldStoreConfig.of(m);
    }

    /** A node with a fresh data directory, deleted by {@link #close()}. */
    public WorldStore open() {
        Path dir = newDataDir();
        dirs.add(dir);
        return open(dir);
    }

    public WorldStore open(Path dataDir) {
        WorldStore store = WorldStores.open(config(dataDir));
        open.add(store);
        return store;
    }

    @Override
    public void close() {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        for (Path dir : dirs) {
            try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // best effort: a temporary directory
            }
        }
    }
}
