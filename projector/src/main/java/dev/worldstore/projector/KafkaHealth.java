package dev.worldstore.projector;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this node can reach its Kafka cluster, checked in the background every
 * {@value #CHECK_EVERY_MS} ms with a cluster description bounded by {@value #CHECK_TIMEOUT_MS} ms.
 * Two failed checks in a row make the cluster unreachable; one answer makes it reachable again.
 * While unreachable, the writer refuses writes at once (the node is read-only) and loads keep
 * serving the local projection. A node that starts while Kafka is down starts unreachable
 * ({@link #startUnreachable}) and recovers by itself.
 *
 * <p>Thread-safe: {@link #reachable()} is a volatile read; checks run on one daemon thread.
 * {@link #close()} is idempotent.
 */
final class KafkaHealth implements AutoCloseable {
    static final long CHECK_EVERY_MS = 1_000;
    static final long CHECK_TIMEOUT_MS = 2_000;
    private static final int FAILURES_TO_UNREACHABLE = 2;
    private static final Logger LOG = LoggerFactory.getLogger(KafkaHealth.class);

    private final KafkaClients clients;
    private final Clock clock;
    private final ScheduledExecutorService checks;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Epoch ms since which Kafka is unreachable; 0 while reachable. */
    private volatile long unreachableSinceMs;
    /** Failed checks in a row; touched by the check thread only. */
    private int failures;
    private volatile String lastError = "";

    KafkaHealth(KafkaClients clients, Clock clock) {
        this.clients = clients;
        this.clock = clock;
        this.checks = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "worldstore-kafka-health");
            t.setDaemon(true);
            return t;
        });
    }

    /** Marks Kafka unreachable from now (a start that could not reach it), until a check answers. */
    void startUnreachable(String error) {
        unreachableSinceMs = clock.millis();
        lastError = error;
        failures = FAILURES_TO_UNREACHABLE;
    }

    void start() {
        checks.scheduleWithFixedDelay(this::check, CHECK_EVERY_MS, CHECK_EVERY_MS, TimeUnit.MILLISECONDS);
    }

    /** True unless Kafka has been unreachable for the last checks. */
    boolean reachable() {
        return unreachableSinceMs == 0;
    }

    /** Why and since when Kafka is unreachable, for messages; empty while reachable. */
    String describe() {
        long since = unreachableSinceMs;
        return since == 0 ? "" : "Kafka (" + clients.settings().bootstrapServers() + ") unreachable since " + Instant.ofEpochMilli(since)
                + ": " + lastError;
    }

    private void check() {
        try {
            clients.ping(CHECK_TIMEOUT_MS);
            failures = 0;
            if (unreachableSinceMs != 0) {
                LOG.info("Kafka ({}) reachable again after {} ms: writes accepted", clients.settings().bootstrapServers(),
                        clock.millis() - unreachableSinceMs);
                unreachableSinceMs = 0;
                lastError = "";
            }
        } catch (RuntimeException e) {
            lastError = e.getMessage();
            if (++failures >= FAILURES_TO_UNREACHABLE && unreachableSinceMs == 0) {
                unreachableSinceMs = clock.millis();
                LOG.warn("Kafka ({}) unreachable: this node is read-only until it returns ({})", clients.settings().bootstrapServers(),
                        e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            checks.shutdownNow();
        }
    }
}
