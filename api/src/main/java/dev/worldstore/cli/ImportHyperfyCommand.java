package dev.worldstore.cli;

import dev.worldstore.ConfigException;
import dev.worldstore.cli.HyperfyMapping.Kind;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code worldstore import-hyperfy --world W PATH}: a Hyperfy world folder into a world (see {@link HyperfyImport}). */
@Command(name = "import-hyperfy", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        description = {"Bring a Hyperfy world folder (db.sqlite written by upstream Hyperfy, storage.json beside it) into a world.",
                "Entities become entity_states (their JSON as Hyperfy wrote it, createdAt/updatedAt in metadata.hyperfy); config "
                + "(version, settings, spawn) the world state's metadata; blueprints, storage.json and each user's row the "
                + "world's storage of app 'hyperfy'; users are registered as worldstore players (clashing names by the README's "
                + "rule). Hyperfy's ids stay the ids.",
                "Written as world transactions recorded as actor import:hyperfy (over HTTP: the API key's name), each "
                + "conditional on what it read and with an idempotency key, so running it again writes nothing and an interrupted "
                + "import resumes. A malformed row is reported with its table and id and skipped. A world that holds other data "
                + "is refused unless --merge or --replace says what to do.",
                "Local (a node of this process): --data.dir=DIR of a stopped node, or --kafka.bootstrap.servers. Over HTTP: "
                + "--url and --api-key (a key with the world, app 'hyperfy' and \"players\": true)."},
        footer = {"", "Example: worldstore import-hyperfy --world=arena --data.dir=/var/lib/worldstore ~/hyperfy/world",
                "Exit codes: 0 imported with nothing set aside, 1 refused, failed, or rows skipped / keys left as they are "
                        + "(listed), 2 usage or configuration error."})
final class ImportHyperfyCommand extends HyperfyCommand {

    @Parameters(index = "0", paramLabel = "PATH", description = "The Hyperfy world folder, or its db.sqlite.")
    Path source;

    @Option(names = "--merge", description = "The world holds other data: write the Hyperfy rows over it, keep the rest "
            + "(the world state keeps its other fields).")
    boolean merge;

    @Option(names = "--replace", description = "The world holds other data: write the Hyperfy rows and delete every other key "
            + "of the world (that the API key may see).")
    boolean replace;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "1000",
            description = "Changes per world transaction (at most the server's batch.max.changes). Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--in-flight", paramLabel = "N", defaultValue = "8",
            description = "Batches sent at once. Default: ${DEFAULT-VALUE}.")
    int inFlight;

    @Option(names = "--dry-run", description = "Read and compare, say what would be written, write nothing.")
    boolean dryRun;

    @Override
    public Integer call() throws IOException {
        String worldId = worldId();
        if (merge && replace) {
            throw new ConfigException("--replace", "give --merge or --replace, not both");
        }
        if (batchSize < 1 || batchSize > 100_000) {
            throw new ConfigException("--batch-size", "must be between 1 and 100000, was " + batchSize);
        }
        if (inFlight < 1 || inFlight > 64) {
            throw new ConfigException("--in-flight", "must be between 1 and 64, was " + inFlight);
        }
        HyperfyImport.Mode mode = merge ? HyperfyImport.Mode.MERGE : replace ? HyperfyImport.Mode.REPLACE : HyperfyImport.Mode.REFUSE;
        Logging quiet = Logging.quiet(verbose);
        try (WorldAccess access = open("import-hyperfy", HyperfyImport.ACTOR)) {
            err().println("import-hyperfy: " + source + " into world " + worldId + " on " + access.describe());
            err().flush();
            ProgressLine progress = new ProgressLine(err(), "import-hyperfy", "rows", ProgressLine.interactive());
            HyperfyImport.Result r = new HyperfyImport(access, new HyperfyImport.Options(worldId, mode, batchSize, inFlight, dryRun),
                    progress).run(source);
            report(out(), r, worldId, access);
            if (r.refused != null) {
                err().println("worldstore import-hyperfy: " + r.refused);
                err().flush();
                return Main.EXIT_FAILURE;
            }
            return r.clean() ? Main.EXIT_OK : Main.EXIT_FAILURE;
        } finally {
            cleanUp();
            quiet.close();
        }
    }

    private void report(PrintWriter out, HyperfyImport.Result r, String worldId, WorldAccess access) {
        double seconds = r.millis / 1000.0;
        String verb = r.refused != null ? "refused (nothing written)" : dryRun ? "compared (--dry-run: nothing written)" : "imported";
        out.printf(Locale.ROOT, "%s %s into world %s (Hyperfy format version %s, actor %s): %,d rows in %.1f s (%,.0f rows/s; read %.1f s)%n",
                verb, source, worldId, r.version == null ? "unknown" : r.version, access.actor(), r.rows, seconds,
                seconds > 0 ? r.rows / seconds : 0, r.readMillis / 1000.0);
        out.printf(Locale.ROOT, "  %-13s %9s %9s %9s %9s %9s%n", "", "read", dryRun || r.refused != null ? "to write" : "written",
                "unchanged", "skipped", "conflicts");
        for (Kind k : Kind.values()) {
            HyperfyImport.Tally t = r.tally(k);
            long written = dryRun || r.refused != null ? -1 : t.written.get();
            out.printf(Locale.ROOT, "  %-13s %,9d %9s %,9d %,9d %,9d%n", k.label, t.read.get(),
                    written < 0 ? "-" : String.format(Locale.ROOT, "%,d", written), t.unchanged.get(), t.skipped.get(), t.conflicts.get());
        }
        if (dryRun && r.refused == null) {
            out.printf(Locale.ROOT, "  %,d change(s) to write: %,d key(s) differ, %,d key(s) not in the Hyperfy world%s%n", r.changes,
                    r.differing.size(), r.extra.size(), r.extra.isEmpty() ? "" : " (--replace deletes them, --merge keeps them)");
        }
        if (r.deleted.get() > 0) {
            out.printf(Locale.ROOT, "  deleted (--replace): %,d key(s)%n", r.deleted.get());
        }
        if (r.batches.get() > 0) {
            out.printf(Locale.ROOT, "  %,d world transaction(s), the last at %s%s%n", r.batches.get(), r.lastPosition.get(),
                    r.replayedBatches.get() == 0 ? "" : String.format(Locale.ROOT,
                            " (%,d answered by an earlier attempt with the same idempotency key)", r.replayedBatches.get()));
        }
        if (r.refused == null && !dryRun) {
            out.printf(Locale.ROOT, "  players: %,d registered, %,d already registered, %,d not registered, %,d under another name%n",
                    r.registered.get(), r.alreadyRegistered.get(), r.notRegistered.get(), r.renamed.size());
        }
        list(out, "skipped rows", r.skipped.stream().map(Object::toString).sorted().toList());
        list(out, "left as they are", r.conflicts.stream().sorted().toList());
        list(out, "users under another name (the user row keeps the Hyperfy name)", r.renamed.stream().sorted().toList());
        list(out, "players", r.playerNotes.stream().sorted().toList());
        out.flush();
    }

    private static void list(PrintWriter out, String title, List<String> lines) {
        if (lines.isEmpty()) {
            return;
        }
        out.println(title + " (" + lines.size() + "):");
        int shown = Math.min(lines.size(), 50);
        for (int i = 0; i < shown; i++) {
            out.println("  " + lines.get(i));
        }
        if (lines.size() > shown) {
            out.println("  ... and " + (lines.size() - shown) + " more");
        }
    }
}
