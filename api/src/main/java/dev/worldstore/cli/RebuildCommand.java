package dev.worldstore.cli;

import dev.worldstore.ConfigException;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.loadgen.Dirs;
import dev.worldstore.loadgen.Latency;
import dev.worldstore.projector.ProjectionTools;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Re-projects the whole change log into a new RocksDB projection, and optionally compares it with
 * another projection byte for byte (the check that a node's projection is exactly what the log
 * says).
 */
@Command(name = "rebuild", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        description = {"Re-project the whole change log, as it is now, into a new RocksDB projection in --target (with "
                + "--bootstrap-from, start from a peer's checkpoint and apply only the log after it); with "
                + "--compare-with, then compare it with another projection table by table, byte for byte.",
                "Reads the log from --kafka.bootstrap.servers, or with none set from the embedded broker of a running "
                + "`worldstore serve` on 127.0.0.1:<kafka.embedded.port>. Progress goes to stderr, the result to stdout. "
                + "To use a rebuilt projection, stop the node and replace <data.dir>/projection with --target."},
        footer = {"", "Example: worldstore rebuild --target=/tmp/rebuilt --compare-with=/var/lib/worldstore "
                + "--kafka.bootstrap.servers=kafka:9092",
                "Exit codes: 0 rebuilt (and identical), 1 failed or the projections differ, 2 usage or configuration error."})
final class RebuildCommand extends StoreCommand {

    @Option(names = "--target", required = true, paramLabel = "DIR",
            description = "Where to build the projection: an empty or absent folder.")
    Path target;

    @Option(names = "--compare-with", paramLabel = "DIR",
            description = "A projection to compare the rebuilt one with: a node's data.dir (its projection/ is used) or a "
                    + "projection folder, e.g. an earlier --target. Must not be in use: stop the node first (a projection "
                    + "compared while its node runs also differs by the events that arrived meanwhile).")
    Path compareWith;

    @picocli.CommandLine.Mixin
    BootstrapOptions bootstrap;

    @Override
    Map<String, String> aliases() {
        return bootstrap.aliases();
    }

    @Override
    public Integer call() {
        Path dir = requireEmpty(target);
        Path other = compareWith == null ? null : projection(compareWith);
        Settings settings = settings();
        WorldStoreConfig config = settings.storeConfig();
        PrintWriter out = out();
        Logging quiet = Logging.quiet(verbose);
        try {
            if (other != null) {
                checkUsable(config, other);
            }
            ChangeLog log = ChangeLog.open(config);
            long total = log.records();
            int partitions = log.partitions();
            String peer = config.get(WorldStoreConfig.BOOTSTRAP_FROM);
            err().println("rebuild: topic " + config.get(WorldStoreConfig.KAFKA_TOPIC) + " (" + partitions + " partitions, "
                    + Latency.count(total) + " events) on " + ChangeLog.describe(config) + " into " + dir
                    + (peer.isBlank() ? "" : ", starting from the checkpoint of " + peer));
            err().flush();
            ProgressLine progress = new ProgressLine(err(), "rebuild", "events", ProgressLine.interactive()).total(total);
            ProjectionTools.Run run = ProjectionTools.rebuild(config, dir, progress::update);
            progress.finish(run.events());
            out.printf(Locale.ROOT, "rebuilt the projection of topic %s (%d partitions) in %s: %s events applied in %.1f s (%,.0f events/s)%s%n",
                    config.get(WorldStoreConfig.KAFKA_TOPIC), partitions, dir, Latency.count(run.events()), run.millis() / 1000.0,
                    run.eventsPerSecond(), peer.isBlank() ? "" : " after copying the checkpoint of " + peer);
            out.flush();
            if (other == null) {
                return Main.EXIT_OK;
            }
            Optional<String> difference = ProjectionTools.compare(config, dir, other);
            if (difference.isEmpty()) {
                out.println("identical: " + dir + " and " + other + " hold the same tables, keys and values, byte for byte");
                out.flush();
                return Main.EXIT_OK;
            }
            out.println("different: " + difference.get() + " (comparing " + dir + " with " + other + ")");
            out.flush();
            return Main.EXIT_FAILURE;
        } finally {
            quiet.close();
        }
    }

    /** {@code dir} if it is absent or an empty folder. */
    static Path requireEmpty(Path dir) {
        Path d = absolute("--target", dir);
        if (!Files.exists(d)) {
            return d;
        }
        if (!Files.isDirectory(d)) {
            throw new ConfigException("--target", d + " is a file; give an empty or absent folder");
        }
        try (Stream<Path> s = Files.list(d)) {
            if (s.findAny().isPresent()) {
                throw new ConfigException("--target", d + " is not empty; give an empty or absent folder");
            }
        } catch (IOException e) {
            throw new ConfigException("--target", "cannot read " + d + ": " + e.getMessage());
        }
        return d;
    }

    /** The projection folder of {@code dir}: {@code dir/projection} for a node's data.dir, else {@code dir} itself. */
    static Path projection(Path dir) {
        Path d = absolute("--compare-with", dir);
        if (!Files.isDirectory(d)) {
            throw new ConfigException("--compare-with", d + " is not a folder");
        }
        if (Files.isRegularFile(d.resolve("CURRENT"))) {
            return d;
        }
        Path inner = d.resolve("projection");
        if (Files.isRegularFile(inner.resolve("CURRENT"))) {
            return inner;
        }
        throw new ConfigException("--compare-with", d + " holds no projection (neither a RocksDB folder nor a data.dir with projection/)");
    }

    /**
     * Opens {@code projection} once before the (long) rebuild, so one that a running node holds, or
     * that RocksDB cannot read, fails now rather than after it.
     */
    private static void checkUsable(WorldStoreConfig config, Path projection) {
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory("worldstore-rebuild-check-");
            ProjectionTools.compare(config, projection, scratch);
        } catch (IOException e) {
            throw new CliFailure("cannot create a temporary folder: " + e.getMessage(), e);
        } finally {
            if (scratch != null) {
                Dirs.deleteRecursively(scratch);
            }
        }
    }

    private static Path absolute(String option, Path p) {
        try {
            return p.toAbsolutePath().normalize();
        } catch (InvalidPathException | java.io.IOError e) {
            throw new ConfigException(option, "is not a usable path: " + e.getMessage());
        }
    }
}
