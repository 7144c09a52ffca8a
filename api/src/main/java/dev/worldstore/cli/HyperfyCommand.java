package dev.worldstore.cli;

import dev.worldstore.ConfigException;
import dev.worldstore.ProjectorState;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.loadgen.Dirs;
import dev.worldstore.loadgen.Latency;
import dev.worldstore.projector.WorldStores;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Option;

/**
 * What {@code import-hyperfy} and {@code export-hyperfy} share: where the world is. Over HTTP
 * ({@code --url}, {@code --api-key}) against a running server, or locally: a node of this process
 * on {@code --data.dir} (a stopped node's folder: with no {@code kafka.bootstrap.servers}, its
 * embedded broker starts in-process from the same folder) or, with only
 * {@code --kafka.bootstrap.servers}, a temporary projection of that cluster's log.
 */
abstract class HyperfyCommand extends StoreCommand {

    @Option(names = "--world", required = true, paramLabel = "WORLD", description = "The worldstore world.")
    String world;

    @Option(names = "--url", paramLabel = "URL",
            description = "A running server (http://host:8080): go through its HTTP API instead of opening a node here.")
    String url;

    @Option(names = "--api-key", paramLabel = "KEY", description = "(--url) API key, sent as a bearer token. Env: WORLDSTORE_API_KEY.")
    String apiKey;

    @Option(names = "--catch-up-timeout-seconds", paramLabel = "N", defaultValue = "600",
            description = "(local) How long this command's node may take to catch up with the log before it starts. Default: "
                    + "${DEFAULT-VALUE}.")
    int catchUpTimeoutSeconds;

    /** The temporary projection folder to delete when done, or null. */
    private Path tempDir;

    /** Opens the world's access: HTTP with --url, else a node of this process (caught up with the log before it returns). */
    final WorldAccess open(String label, String actor) throws IOException {
        if (url != null) {
            URI base;
            try {
                base = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--url", "is not a URL: " + e.getMessage());
            }
            if (base.getScheme() == null || !(base.getScheme().equals("http") || base.getScheme().equals("https"))
                    || base.getHost() == null || !(base.getPath() == null || base.getPath().isEmpty() || base.getPath().equals("/"))) {
                throw new ConfigException("--url", "must be http://host:port or https://host:port (no path), was '" + url + "'");
            }
            String key = apiKey != null ? apiKey : env.get("WORLDSTORE_API_KEY");
            return new HttpWorldAccess(URI.create(base.getScheme() + "://" + base.getRawAuthority()), key);
        }
        if (apiKey != null) {
            throw new ConfigException("--api-key", "needs --url (a node of this process needs no key)");
        }
        if (catchUpTimeoutSeconds < 1 || catchUpTimeoutSeconds > 86_400) {
            throw new ConfigException("--catch-up-timeout-seconds", "must be between 1 and 86400, was " + catchUpTimeoutSeconds);
        }
        Settings settings = settings();
        WorldStoreConfig given = settings.storeConfig();
        boolean dataDirSet = settings.isSet(WorldStoreConfig.DATA_DIR.name());
        if (!dataDirSet && given.embeddedKafka()) {
            throw new ConfigException("--data.dir", "say where the world is: --data.dir=DIR (the folder of a stopped node; its "
                    + "embedded broker starts here), --url=http://host:8080 (a running server) or --kafka.bootstrap.servers=HOST:PORT "
                    + "(a cluster)");
        }
        Path dataDir = dataDirSet ? given.dataDir() : Files.createTempDirectory("worldstore-" + label + "-");
        tempDir = dataDirSet ? null : dataDir;
        WorldStoreConfig config = settings.with(WorldStoreConfig.DATA_DIR.name(), dataDir.toString())
                .withDefault(WorldStoreConfig.PROJECTOR_SNAPSHOT_INTERVAL_MS.name(), "0").storeConfig();
        String where = "the node on " + dataDir + (config.embeddedKafka() ? " (embedded broker)" : " (Kafka "
                + config.get(WorldStoreConfig.KAFKA_BOOTSTRAP_SERVERS) + ")");
        WorldStore store = WorldStores.open(config, new SimpleMeterRegistry(), Clock.systemUTC());
        try {
            awaitCaughtUp(store, label);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        return new LocalWorldAccess(store, actor, where, true);
    }

    /** Deletes the temporary projection, if one was made. */
    final void cleanUp() {
        if (tempDir != null) {
            Dirs.deleteRecursively(tempDir);
            tempDir = null;
        }
    }

    private void awaitCaughtUp(WorldStore store, String label) {
        ProgressLine progress = new ProgressLine(err(), label + ": catching up with the log", "events", ProgressLine.interactive());
        long behind = Math.max(1, store.projectorLag());
        progress.total(behind);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(catchUpTimeoutSeconds);
        while (!(store.projectorState() == ProjectorState.LIVE && store.projectorLag() == 0)) {
            if (store.projectorState() == ProjectorState.FAILED) {
                throw new CliFailure("this command's projector failed while catching up with the log (run with --verbose to see why)");
            }
            if (System.nanoTime() > deadline) {
                throw new CliFailure("the projection did not catch up with the log within " + catchUpTimeoutSeconds + " s (lag "
                        + Latency.count(store.projectorLag()) + " events); raise --catch-up-timeout-seconds");
            }
            progress.update(Math.max(0, behind - store.projectorLag()));
            try {
                TimeUnit.MILLISECONDS.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliFailure("interrupted", e);
            }
        }
    }

    final String worldId() {
        return ChangeLog.worldId("--world", world);
    }
}
