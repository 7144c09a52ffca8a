package dev.worldstore.loadgen;

import dev.worldstore.WorldStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.nio.file.Path;

/**
 * Starts worldstore's HTTP API in this process, so that {@link HttpApiBench} can load an in-process
 * node. The server lives in the api module, which depends on loadgen, so loadgen cannot start it
 * itself: the caller supplies it, e.g. the CLI with {@code HttpServer.start(store, config, dataDir,
 * registry)} on port 0 with auth off.
 *
 * <p>Implementations are called once per run, from the run's thread.
 */
@FunctionalInterface
public interface HttpServerStarter {

    /** A running HTTP API. */
    interface Running extends AutoCloseable {
        /** The API's base URI, e.g. {@code http://127.0.0.1:41234} (no path); not null. */
        URI uri();

        /** Stops the server. Does not close the store; called once; throws nothing. */
        @Override
        void close();
    }

    /**
     * Starts the HTTP API of {@code store} on a free loopback port with authentication off (the load
     * generator sends no key). The run closes the returned server before it closes the store.
     *
     * @param store the open store to serve; not null; the server must not close it
     * @param dataDir the store's data dir (where the server may keep its files); not null
     * @param registry the registry the store reports its metrics to, to serve on {@code /metrics}; not null
     * @return the running server; not null
     * @throws RuntimeException if the server cannot start; the run then closes the store and rethrows it
     */
    Running start(WorldStore store, Path dataDir, PrometheusMeterRegistry registry);
}
