package dev.worldstore.cli;

import dev.worldstore.ConfigKey;
import dev.worldstore.ProjectorState;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.http.HttpConfig;
import dev.worldstore.projector.WorldStores;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

/**
 * Runs a node until SIGTERM/SIGINT: opens the store (and the embedded broker when no cluster is
 * configured), starts the HTTP API, and on shutdown closes both cleanly.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        description = "Run a worldstore node (embedded Kafka unless --kafka.bootstrap.servers is set) until SIGTERM/SIGINT.",
        footer = {"", "Other --kafka.* options and WORLDSTORE_KAFKA_* variables pass through to the Kafka clients (prefix removed). "
                + "Precedence: command line > environment > --config file > default.",
                "Exit codes: 0 stopped cleanly, 1 could not start or failed while running, 2 configuration error."})
final class ServeCommand extends ConfiguredCommand {
    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

    @picocli.CommandLine.Mixin
    BootstrapOptions bootstrap;

    @Override
    Map<String, String> aliases() {
        return bootstrap.aliases();
    }

    @Override
    List<ConfigKey> keys() {
        return Settings.ALL_KEYS;
    }

    @Override
    public Integer call() {
        Settings settings = settings();
        WorldStoreConfig config = settings.storeConfig();
        HttpConfig httpConfig = settings.httpConfig();
        PrometheusMeterRegistry registry = metricsRegistry();

        Node node = new Node();
        Thread hook = new Thread(() -> node.stop("signal"), "worldstore-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            node.store = WorldStores.open(config, registry, Clock.systemUTC());
            node.http = startHttp(node.store, httpConfig, config.dataDir(), registry);
            if (node.stopping.get()) { // a signal arrived while starting
                node.closeStarted();
                return Main.EXIT_OK;
            }
            LOG.info("worldstore {} serving: node {}, Kafka {}{}, topic {}, data.dir {}", Main.Version.version(), node.store.nodeId(),
                    bootstrap(node.store, config), config.embeddedKafka() ? " (embedded broker)" : "",
                    config.get(WorldStoreConfig.KAFKA_TOPIC), config.dataDir().toAbsolutePath());
            // Runs until the shutdown hook stops the node, or the projector fails (then exit non-zero
            // so a supervisor restarts us).
            while (!node.stopped.await(1, TimeUnit.SECONDS)) {
                if (node.store.projectorState() == ProjectorState.FAILED) {
                    LOG.error("the projector failed; stopping (see the error above)");
                    node.stop("projector failure");
                    return Main.EXIT_FAILURE;
                }
            }
            return Main.EXIT_OK;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            node.stop("interrupt");
            return Main.EXIT_FAILURE;
        } catch (RuntimeException e) {
            node.stop("start failure");
            throw e;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting; the hook runs or ran
            }
        }
    }

    // ===================================================================================================
    // HTTP SERVER START — the single place where `serve` starts the HTTP API.
    // When dev.worldstore.http.HttpServer is ready, replace the body with:
    //     return dev.worldstore.http.HttpServer.start(store, http, dataDir, registry);
    // (any AutoCloseable; it is closed before the store on shutdown, and should log its address).
    // ===================================================================================================
    /** The registry {@code serve} publishes at {@code /metrics}: the store's and the HTTP server's meters, JVM memory, GC and CPU. */
    static PrometheusMeterRegistry metricsRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(registry);
        return registry;
    }

    static AutoCloseable startHttp(WorldStore store, HttpConfig http, java.nio.file.Path dataDir, PrometheusMeterRegistry registry) {
        return dev.worldstore.http.HttpServer.start(store, http, dataDir, registry);
    }

    private static String bootstrap(WorldStore store, WorldStoreConfig config) {
        return store.operations().bootstrapServers();
    }

    /** What serve has started; stop() closes it once, HTTP first, from the hook or the main thread. */
    private static final class Node {
        volatile WorldStore store;
        volatile AutoCloseable http;
        final AtomicBoolean stopping = new AtomicBoolean();
        final CountDownLatch stopped = new CountDownLatch(1);

        void stop(String why) {
            if (!stopping.compareAndSet(false, true)) {
                try {
                    stopped.await(60, TimeUnit.SECONDS); // another thread is stopping; let it finish
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            try {
                if (store != null) {
                    LOG.info("stopping ({})", why);
                }
                closeStarted();
            } finally {
                stopped.countDown();
            }
        }

        /** Closes what has started, HTTP first. Both closes are idempotent. */
        void closeStarted() {
            AutoCloseable h = http;
            if (h != null) {
                try {
                    h.close();
                } catch (Exception e) {
                    LOG.warn("closing the HTTP server: {}", e.toString());
                }
            }
            WorldStore s = store;
            if (s != null) {
                try {
                    s.close();
                } catch (RuntimeException e) {
                    LOG.warn("closing the store: {}", e.toString());
                }
            }
        }
    }
}
