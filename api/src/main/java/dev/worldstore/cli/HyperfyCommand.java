package dev.worldstore.cli;

import dev.worldstore.ConfigException;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.loadgen.Dirs;
import dev.worldstore.projector.WorldStores;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
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
        loadSqliteInBackground();
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
        CatchUp.checkTimeout(catchUpTimeoutSeconds);
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

    /**
     * Loads SQLite's native library (extracted from the jar and compared with an earlier copy: a
     * second or more) on a thread of its own while the store opens, instead of at the first
     * database access. Best effort: a failure here is met again, and reported, at that access.
     */
    private static void loadSqliteInBackground() {
        Thread t = new Thread(() -> {
            try {
                org.sqlite.SQLiteJDBCLoader.initialize();
            } catch (Exception | LinkageError e) {
                // the first connection loads it again and says what is wrong
            }
        }, "sqlite-load");
        t.setDaemon(true);
        t.start();
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
        CatchUp.await(store, catchUpTimeoutSeconds, progress, () -> Math.max(0, behind - store.projectorLag()), 20, "");
    }

    final String worldId() {
        return ChangeLog.worldId("--world", world);
    }
}
