package dev.worldstore.cli;

import dev.worldstore.AsOf;
import dev.worldstore.ConfigException;
import dev.worldstore.Json;
import dev.worldstore.SnapshotDocument;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.loadgen.Latency;
import dev.worldstore.projector.ProjectionTools;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Replays one world from the change log up to a point in time (from the newest usable snapshot)
 * into a scratch projection and writes it as JSON, in the shape of an HTTP snapshot. Touches no
 * node: reads Kafka and, read-only, the snapshots under {@code data.dir/snapshots}.
 */
@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        description = {"Write one world as it was at a point in its history (an instant or a log position), replayed from "
                + "the change log, as JSON.",
                "The file has the shape of an HTTP snapshot: {\"world\",\"asOf\",\"worldState\",\"entities\":[...],"
                + "\"players\":[{\"playerId\",\"state\"}],\"apps\":[{\"appId\",\"playerId\",\"key\",\"value\"}]}.",
                "Reads the log from --kafka.bootstrap.servers, or with none set from the embedded broker of a running "
                + "`worldstore serve` on 127.0.0.1:<kafka.embedded.port>. Starts from the newest snapshot under "
                + "<data.dir>/snapshots taken before --to (read only; the node may be running) unless --no-snapshots. "
                + "Progress goes to stderr, the summary to stdout."},
        footer = {"", "Example: worldstore replay --world=arena --to=2026-11-24T14:02:00Z --out=arena.json --data.dir=/var/lib/worldstore",
                "Exit codes: 0 written, 1 failed (Kafka unreachable, a value unreadable, the file not writable), 2 usage or "
                        + "configuration error."})
final class ReplayCommand extends StoreCommand {

    @Option(names = "--world", required = true, paramLabel = "WORLD", description = "The world to replay.")
    String world;

    @Option(names = "--to", required = true, paramLabel = "INSTANT|POSITION",
            description = "The point to replay to, inclusive: an ISO-8601 instant (2026-11-24T14:02:00Z: every change written at or "
                    + "before it) or a log position of the world's partition (3-1042: every change up to and including it, as "
                    + "returned by a save).")
    String to;

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "Where to write the world's JSON ('-' for stdout). Written to a temporary file beside it and moved in "
                    + "place when complete, so FILE is never half-written.")
    String out;

    @Option(names = "--no-snapshots", description = "Replay the world's partition from the start of the log, ignoring snapshots.")
    boolean noSnapshots;

    @Override
    public Integer call() throws IOException {
        String worldId = ChangeLog.worldId("--world", world);
        AsOf asOf = ChangeLog.asOf("--to", to);
        Path file = outputFile(out);
        Settings settings = settings();
        WorldStoreConfig config = settings.storeConfig();
        boolean toStdout = file == null;
        PrintWriter report = toStdout ? err() : out();

        Logging quiet = Logging.quiet(verbose);
        try {
            ChangeLog log = ChangeLog.open(config);
            log.checkPosition("--to", worldId, asOf);
            int partition = log.partitionOf(worldId);
            err().println("replay: world " + worldId + " (partition " + partition + " of " + config.get(WorldStoreConfig.KAFKA_TOPIC)
                    + " on " + ChangeLog.describe(config) + ") as of " + asOf.toString()
                    + (noSnapshots ? ", from the start of the log" : ", from the newest snapshot under "
                            + config.dataDir().resolve("snapshots") + " that fits"));
            err().flush();

            ProgressLine progress = new ProgressLine(err(), "replay", "events", ProgressLine.interactive());
            Path tmp = toStdout ? null : Files.createTempFile(parent(file), "." + file.getFileName() + ".", ".tmp");
            ProjectionTools.Run run;
            SnapshotDocument json;
            try {
                Writer w = toStdout ? out() : Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
                try {
                    json = new SnapshotDocument(() -> Json.generator(w), worldId, asOf.toString());
                    run = ProjectionTools.replayWorld(config, worldId, asOf, !noSnapshots, json, progress::update);
                    json.finish();
                    w.write('\n');
                } finally {
                    if (!toStdout) {
                        w.close();
                    } else {
                        w.flush();
                    }
                }
                progress.finish(run.events());
                if (!toStdout) {
                    move(tmp, file);
                    tmp = null;
                }
            } catch (UncheckedIOException e) {
                throw new CliFailure("cannot write " + (toStdout ? "to stdout" : tmp) + ": " + e.getCause().getMessage(), e);
            } catch (IOException e) {
                throw new CliFailure("cannot write " + (toStdout ? "to stdout" : tmp) + ": " + e.getMessage(), e);
            } finally {
                if (tmp != null) {
                    Files.deleteIfExists(tmp);
                }
            }

            report.printf(Locale.ROOT, "replayed world %s as of %s: %s events applied in %.1f s (%,.0f events/s), %s%n", worldId,
                    asOf.toString(), Latency.count(run.events()), run.millis() / 1000.0, run.eventsPerSecond(),
                    run.startedFrom() != null ? "starting from snapshot " + run.startedFrom()
                            : noSnapshots ? "from the start of the log (--no-snapshots)"
                                    : "from the start of the log (no snapshot taken before that point under "
                                            + config.dataDir().resolve("snapshots") + ")");
            report.printf(Locale.ROOT, "wrote %s: %s, %s entities, %s player states, %s app keys%n", toStdout ? "stdout" : file,
                    json.hasWorldState() ? "world state" : "no world state", Latency.count(json.entities()),
                    Latency.count(json.players()), Latency.count(json.apps()));
            report.flush();
            if (!json.corrupt().isEmpty()) {
                err().println("worldstore replay: " + json.corrupt().size() + " value(s) could not be read and were left out of the "
                        + "file; first: " + json.corrupt().get(0));
                err().flush();
                return Main.EXIT_FAILURE;
            }
            return Main.EXIT_OK;
        } finally {
            quiet.close();
        }
    }

    /** The output file, or {@code null} for stdout; its folder must exist. */
    static Path outputFile(String text) {
        if (text.equals("-")) {
            return null;
        }
        Path file;
        try {
            file = Path.of(text).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new ConfigException("--out", "is not a file name: " + e.getMessage());
        }
        if (file.getFileName() == null || Files.isDirectory(file)) {
            throw new ConfigException("--out", text + " is a folder; give a file name");
        }
        if (!Files.isDirectory(parent(file))) {
            throw new ConfigException("--out", "folder " + parent(file) + " does not exist");
        }
        return file;
    }

    private static Path parent(Path file) {
        Path p = file.getParent();
        return p == null ? Path.of(".") : p;
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
