package dev.worldstore.testing;

import dev.worldstore.kafka.EmbeddedKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The Kafka broker shared by all integration tests of one JVM: an {@link EmbeddedKafka} on a free
 * port with its data in a temporary directory, started on first use and stopped (and its directory
 * deleted) by a shutdown hook. Tests isolate themselves by topic and world names from
 * {@link #uniqueName(String)}, never by restarting the broker.
 */
public final class TestKafka {

    private static EmbeddedKafka kafka;

    private TestKafka() {
    }

    /** The shared broker's {@code bootstrap.servers}; starts it on first call. */
    public static synchronized String bootstrapServers() {
        if (kafka == null) {
            Path dir = tempDir();
            EmbeddedKafka started = EmbeddedKafka.start(dir, 0, false);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                started.close();
                deleteRecursively(dir);
            }, "test-kafka-shutdown"));
            kafka = started;
        }
        return kafka.bootstrapServers();
    }

    /** {@code prefix} followed by a short random suffix, e.g. {@code worlds-3f9a1c2e}. */
    public static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("worldstore-test-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: the OS cleans temporary directories eventually
        }
    }
}
