package dev.worldstore.projector;

import dev.worldstore.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The projection's checkpoints under {@code data.dir/snapshots}: taken by the projector thread
 * between two atomic writes every {@code projector.snapshot.interval.ms}, the newest
 * {@code projector.snapshot.retain.count} kept. Each is a complete RocksDB (state, history and the
 * offsets it reflects), so a replay or a new node can start from it and read only the log's tail.
 * Names are {@code snapshot-<epoch ms>}, so name order is age order.
 */
final class Snapshots {
    private static final Logger LOG = LoggerFactory.getLogger(Snapshots.class);
    static final String PREFIX = "snapshot-";

    private final Path dir;
    private final long intervalMs;
    private final int retain;
    private final Clock clock;
    private long lastTaken;

    Snapshots(ProjectionSettings settings, Clock clock) {
        this.dir = settings.snapshotsDir();
        this.intervalMs = settings.snapshotIntervalMs();
        this.retain = settings.snapshotRetain();
        this.clock = clock;
        this.lastTaken = clock.millis();
    }

    /** Takes a snapshot if one is due. Called by the projector thread only. */
    synchronized void maybeTake(RocksProjection projection) {
        if (intervalMs <= 0 || clock.millis() - lastTaken < intervalMs) {
            return;
        }
        take(projection);
    }

    /** Takes a snapshot now and prunes old ones; returns its directory. */
    synchronized Path take(RocksProjection projection) {
        lastTaken = Math.max(clock.millis(), lastTaken + 1);
        Path target = dir.resolve(PREFIX + lastTaken);
        try {
            Files.createDirectories(dir);
            if (Files.exists(target)) {
                return target;
            }
            projection.checkpoint(target);
            LOG.info("projection snapshot taken: {}", target);
            List<Path> all = list(dir);
            for (int i = 0; i < all.size() - retain; i++) {
                deleteRecursively(all.get(i));
            }
            return target;
        } catch (IOException e) {
            throw new StorageException("cannot write snapshot " + target + ": " + e.getMessage(), e);
        }
    }

    /** Snapshot directories under {@code dir}, oldest first. */
    static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> r = new ArrayList<>(s.filter(p -> p.getFileName().toString().startsWith(PREFIX)).toList());
            r.sort(Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString().substring(PREFIX.length()))));
            return r;
        }
    }

    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> s = Files.walk(path)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
