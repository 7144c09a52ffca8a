package dev.worldstore.cli;

import dev.worldstore.AsOf;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code worldstore export-hyperfy --world W [--as-of T] OUT_DIR}: a world, now or as it was at T,
 * as a Hyperfy world folder upstream Hyperfy opens (the reverse of {@link HyperfyMapping}).
 */
@Command(name = "export-hyperfy", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        description = {"Write a world, now or as it was at a point in its history, as a Hyperfy world folder: db.sqlite with "
                + "upstream Hyperfy's schema and version row, and storage.json.",
                "The reverse of import-hyperfy: an imported world comes back row for row. Entities that were never imported "
                + "get their last change's time as createdAt/updatedAt; player states and other apps' storage have no place in "
                + "a Hyperfy world and are left out (counted).",
                "Local (a node of this process): --data.dir=DIR of a stopped node, or --kafka.bootstrap.servers. Over HTTP: "
                + "--url and --api-key."},
        footer = {"", "Example: worldstore export-hyperfy --world=arena --as-of=2026-11-24T22:00:00Z --url=http://127.0.0.1:8080 "
                + "--api-key=$KEY ./arena-last-night",
                "Exit codes: 0 written, 1 failed, 2 usage or configuration error."})
final class ExportHyperfyCommand extends HyperfyCommand {

    @Parameters(index = "0", paramLabel = "OUT_DIR", description = "The folder to write db.sqlite and storage.json into (created if absent).")
    String outDir;

    @Option(names = "--as-of", paramLabel = "INSTANT|POSITION",
            description = "The world as it was then, inclusive: an ISO-8601 instant or a log position of the world's partition. "
                    + "Default: now.")
    String asOf;

    @Option(names = "--force", description = "Replace db.sqlite and storage.json if OUT_DIR holds them.")
    boolean force;

    @Override
    public Integer call() throws IOException {
        String worldId = worldId();
        AsOf at = asOf == null ? null : ChangeLog.asOf("--as-of", asOf);
        Path dir;
        try {
            dir = Path.of(outDir).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new dev.worldstore.ConfigException("OUT_DIR", "is not a folder name: " + e.getMessage());
        }
        Logging quiet = Logging.quiet(verbose);
        try (WorldAccess access = open("export-hyperfy", "-")) {
            long start = System.nanoTime();
            Instant now = Instant.now();
            List<HyperfyExport.Entry> entries = new ArrayList<>();
            List<String> notes = new ArrayList<>(access.world(worldId, at, c -> entries.add(new HyperfyExport.Entry(c.key(), c.value(),
                    c.updatedAt()))));
            Instant fallback = at instanceof AsOf.AtTime t ? t.instant() : now;
            HyperfyExport.Export export = HyperfyExport.fromWorld(entries, fallback);
            HyperfyDb.write(dir, export.contents(), force);
            double seconds = (System.nanoTime() - start) / 1e9;
            HyperfyDb.Contents c = export.contents();
            PrintWriter out = out();
            out.printf(Locale.ROOT, "exported world %s as of %s from %s to %s: %,d rows in %.1f s (%,.0f rows/s)%n", worldId,
                    at == null ? "now (" + now + ")" : at.toString(), access.describe(), dir, c.rows(), seconds,
                    seconds > 0 ? c.rows() / seconds : 0);
            out.printf(Locale.ROOT, "  config %,d rows (version %s), users %,d, blueprints %,d, entities %,d, storage.json %s%n",
                    c.config().size(), c.config().get("version"), c.users().size(), c.blueprints().size(), c.entities().size(),
                    c.storageJson() == null ? "empty ({})" : "written");
            notes.addAll(export.leftOut());
            for (String n : notes) {
                out.println("  left out: " + n);
            }
            out.flush();
            return Main.EXIT_OK;
        } finally {
            cleanUp();
            quiet.close();
        }
    }
}
