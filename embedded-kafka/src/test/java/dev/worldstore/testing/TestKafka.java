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

    private static String containerBootstrap;

    /**
     * The shared broker's {@code bootstrap.servers}; starts it on first call: Testcontainers' Kafka
     * where a Docker engine answers, otherwise the embedded broker. Never skips.
     */
    public static synchronized String bootstrapServers() {
        if (containerBootstrap == null && kafka == null) {
            containerBootstrap = dockerKafka();
        }
        if (containerBootstrap != null) {
            return containerBootstrap;
        }
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

    /**
     * Testcontainers' Kafka, only when a Docker socket or DOCKER_HOST exists and the engine answers
     * within 5 s (a socket that accepts but never answers would otherwise hang the probe for
     * minutes); {@code null} means "use the embedded broker".
     */
    private static String dockerKafka() {
        if (System.getenv("DOCKER_HOST") == null && !Files.exists(Path.of("/var/run/docker.sock"))) {
            return null;
        }
        java.util.concurrent.ExecutorService probe = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "docker-probe");
            t.setDaemon(true);
            return t;
        });
        try {
            if (!probe.submit(() -> org.testcontainers.DockerClientFactory.instance().isDockerAvailable())
                    .get(5, java.util.concurrent.TimeUnit.SECONDS)) {
                return null;
            }
            org.testcontainers.kafka.KafkaContainer container = new org.testcontainers.kafka.KafkaContainer("apache/kafka:4.0.0");
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "test-kafka-container-stop"));
            return container.getBootstrapServers();
        } catch (Exception | Error e) {
            System.err.println("TestKafka: no usable Docker engine (" + e + "); using the embedded broker");
            return null;
        } finally {
            probe.shutdownNow();
        }
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
