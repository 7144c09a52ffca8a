package dev.worldstore.cli;

import dev.worldstore.AsOf;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.loadgen.Dirs;
import dev.worldstore.loadgen.Latency;
import dev.worldstore.projector.WorldStores;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Rolls a world back to a past point by appending new, conditional, audited events (nothing in the
 * log is rewritten). Runs its own short-lived node: opens a projection of the log, waits until it
 * has caught up, then calls {@link WorldStore#restoreWorld}.
 */
@Command(name = "restore", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        description = {"Roll a world back to how it was at a point in its history by appending new, conditional, audited events.",
                "Appends new events (puts and deletes, each "
                + "conditional on the version it replaces, actor cli:restore), so the rollback is itself in the history; keys "
                + "changed concurrently are reported as conflicts, not overwritten. Every node sees the rollback like any "
                + "other change.",
                "Runs its own node for the duration: it needs Kafka (--kafka.bootstrap.servers, or with none set the embedded "
                + "broker of a running `worldstore serve` on 127.0.0.1:<kafka.embedded.port>; restore never starts a broker) "
                + "and a projection folder, a fresh temporary one unless --data.dir is given. --data.dir must NOT be the "
                + "data.dir of a running node (RocksDB refuses a second user); a stopped node's data.dir is fine and saves "
                + "re-reading the log."},
        footer = {"", "Example: worldstore restore --world=arena --to=2026-11-24T14:02:00Z --kafka.bootstrap.servers=kafka:9092",
                "Exit codes: 0 restored, 1 failed or some keys were left as they are because they changed concurrently "
                        + "(run it again), 2 usage or configuration error."})
final class RestoreCommand extends StoreCommand {
    static final String ACTOR = "cli:restore";

    @Option(names = "--world", required = true, paramLabel = "WORLD", description = "The world to roll back.")
    String world;

    @Option(names = "--to", required = true, paramLabel = "INSTANT|POSITION",
            description = "The point to roll back to, inclusive: an ISO-8601 instant (2026-11-24T14:02:00Z) or a log position of "
                    + "the world's partition (3-1042, as returned by a save).")
    String to;

    @Option(names = "--catch-up-timeout-seconds", paramLabel = "N", defaultValue = "600",
            description = "How long to wait for this command's node to catch up with the log before giving up. Default: "
                    + "${DEFAULT-VALUE}.")
    int catchUpTimeoutSeconds;

    @Override
    public Integer call() throws Exception {
        String worldId = ChangeLog.worldId("--world", world);
        AsOf asOf = ChangeLog.asOf("--to", to);
        CatchUp.checkTimeout(catchUpTimeoutSeconds);
        Settings settings = settings();
        WorldStoreConfig given = settings.storeConfig();
        boolean tempDir = !settings.isSet(WorldStoreConfig.DATA_DIR.name());
        Path dataDir = tempDir ? Files.createTempDirectory("worldstore-restore-") : given.dataDir();
        Settings s = settings.with(WorldStoreConfig.DATA_DIR.name(), dataDir.toString())
                .with(WorldStoreConfig.KAFKA_BOOTSTRAP_SERVERS.name(), ChangeLog.bootstrap(given))
                .withDefault(WorldStoreConfig.NODE_ID.name(), "worldstore-restore")
                .withDefault(WorldStoreConfig.PROJECTOR_SNAPSHOT_INTERVAL_MS.name(), "0");
        WorldStoreConfig config = s.storeConfig();
        PrintWriter out = out();
        WorldStore store = null;
        Logging quiet = Logging.quiet(verbose);
        try {
            ChangeLog log = ChangeLog.open(config);
            log.checkPosition("--to", worldId, asOf);
            long[] starts = log.beginnings();
            long[] ends = log.ends();
            err().println("restore: world " + worldId + " to " + asOf.toString() + " on " + ChangeLog.describe(given) + ", topic "
                    + config.get(WorldStoreConfig.KAFKA_TOPIC) + "; catching up a projection in " + dataDir
                    + (tempDir ? " (temporary)" : ""));
            err().flush();
            store = WorldStores.open(config, new SimpleMeterRegistry(), Clock.systemUTC());
            awaitCaughtUp(store, starts, ends);

            WorldStore.RestoreResult r = store.restoreWorld(worldId, asOf, ACTOR);
            out.println("restored world " + worldId + " to " + asOf.toString() + " (actor " + ACTOR + "): "
                    + keys(r.rewritten()) + " rewritten, " + keys(r.deleted()) + " deleted, " + keys(r.unchanged()) + " unchanged, "
                    + Latency.count(r.conflicts()) + (r.conflicts() == 1 ? " conflict" : " conflicts"));
            out.flush();
            if (r.conflicts() > 0) {
                err().println("worldstore restore: " + r.conflicts() + " key(s) changed while restoring and were left as they are; "
                        + "run restore again to roll them back too");
                err().flush();
                return Main.EXIT_FAILURE;
            }
            return Main.EXIT_OK;
        } finally {
            if (store != null) {
                store.close();
            }
            if (tempDir) {
                Dirs.deleteRecursively(dataDir);
            }
            quiet.close();
        }
    }

    /** Waits until the node's projector is LIVE with no lag, showing how far it got; bounded by the timeout. */
    private void awaitCaughtUp(WorldStore store, long[] starts, long[] ends) {
        long total = 0;
        for (int p = 0; p < ends.length; p++) {
            total += ends[p] - starts[p];
        }
        ProgressLine progress = new ProgressLine(err(), "restore: catching up", "events", ProgressLine.interactive()).total(total);
        CatchUp.await(store, catchUpTimeoutSeconds, progress, () -> applied(store, starts), 50, " or give --data.dir of a stopped node");
        progress.finish(applied(store, starts));
    }

    private static String keys(int n) {
        return Latency.count(n) + (n == 1 ? " key" : " keys");
    }

    private static long applied(WorldStore store, long[] starts) {
        long[] next = store.operations().appliedOffsets();
        long n = 0;
        for (int p = 0; p < next.length && p < starts.length; p++) {
            n += Math.max(0, next[p] - starts[p]);
        }
        return n;
    }
}
