package dev.worldstore.cli;

import dev.worldstore.Change;
import dev.worldstore.Condition;
import dev.worldstore.Key;
import dev.worldstore.Op;
import dev.worldstore.cli.HyperfyImport.Planned;
import dev.worldstore.cli.HyperfyMapping.Kind;
import dev.worldstore.cli.HyperfyMapping.Skipped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** The writing side of a Hyperfy import ({@link HyperfyImport}): the planned changes as world transactions, conflicts settled one by one. */
final class HyperfyImportWriter {
    private final WorldAccess access;
    private final HyperfyImport.Options options;
    private final ProgressLine progress;

    HyperfyImportWriter(WorldAccess access, HyperfyImport.Options options, ProgressLine progress) {
        this.access = access;
        this.options = options;
        this.progress = progress;
    }

    /**
     * Writes {@code changes} and then, with a {@code db} to stream from, its entities (each new: the
     * world was empty), as batches sent by {@code options.inFlight()} threads while this one reads
     * and maps the rows.
     */
    void write(List<Planned> changes, HyperfyDb.Source db, HyperfyImport.Result result, AtomicLong done, long start) {
        java.util.concurrent.BlockingQueue<List<Planned>> queue = new java.util.concurrent.ArrayBlockingQueue<>(
                2 * options.inFlight());
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        int workers = Math.max(1, options.inFlight());
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "import-hyperfy-batch");
            t.setDaemon(true);
            return t;
        });
        List<Planned> end = new ArrayList<>();
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                running.add(pool.submit(() -> {
                    try {
                        List<Planned> b;
                        while ((b = queue.take()) != end) {
                            if (failure.get() == null) {
                                send(b, result, done);
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (RuntimeException f) {
                        failure.compareAndSet(null, f);
                        queue.clear(); // the reader waits for room; nothing more is sent
                    }
                }));
            }
            Batcher batcher = new Batcher(queue, failure);
            changes.forEach(batcher::add);
            if (db != null) {
                List<Skipped> skipped = new ArrayList<>();
                String[] previous = {null};
                db.entities(row -> {
                    if (failure.get() != null) {
                        throw new CliFailure("stopped reading: a batch failed");
                    }
                    if (row.id() != null && row.id().equals(previous[0])) {
                        HyperfyImport.skip(result, new Skipped("entities", row.id(), "the id is in the table twice; the first row was written"));
                        return;
                    }
                    previous[0] = row.id();
                    Map.Entry<Key, HyperfyMapping.Value> e = HyperfyMapping.entity(options.worldId(), row, skipped);
                    if (e == null) {
                        skipped.forEach(s -> HyperfyImport.skip(result, s));
                        skipped.clear();
                        progress.update(done.incrementAndGet());
                        return;
                    }
                    batcher.add(new HyperfyImport.Planned(e.getKey(), Kind.ENTITIES, Op.PUT, Condition.absent(), e.getValue().json()));
                });
                result.readMillis = (System.nanoTime() - start) / 1_000_000;
            }
            batcher.flush();
            for (int i = 0; i < workers; i++) {
                put(queue, end, failure);
            }
            HyperfyImport.await(running);
        } catch (CliFailure e) {
            if (failure.get() == null) {
                throw e;
            }
        } finally {
            pool.shutdownNow();
            try {
                pool.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    /** Cuts changes into batches of at most {@code batchSize} changes and {@link #HyperfyImport.MAX_BATCH_BYTES} bytes and queues them. */
    private final class Batcher {
        private final java.util.concurrent.BlockingQueue<List<Planned>> queue;
        private final AtomicReference<RuntimeException> failure;
        private List<Planned> current = new ArrayList<>();
        private long bytes;

        Batcher(java.util.concurrent.BlockingQueue<List<Planned>> queue, AtomicReference<RuntimeException> failure) {
            this.queue = queue;
            this.failure = failure;
        }

        void add(HyperfyImport.Planned p) {
            int size = p.json() == null ? 64 : p.json().length + 128;
            if (!current.isEmpty() && (current.size() >= options.batchSize() || bytes + size > HyperfyImport.MAX_BATCH_BYTES)) {
                flush();
            }
            current.add(p);
            bytes += size;
        }

        void flush() {
            if (!current.isEmpty()) {
                put(queue, current, failure);
                current = new ArrayList<>();
                bytes = 0;
            }
        }
    }

    /** Queues {@code batch}, waiting for room; gives up when a batch failed (the workers no longer take). */
    private static void put(java.util.concurrent.BlockingQueue<List<Planned>> queue, List<Planned> batch,
            AtomicReference<RuntimeException> failure) {
        try {
            while (!queue.offer(batch, 50, TimeUnit.MILLISECONDS)) {
                if (failure.get() != null) {
                    throw new CliFailure("stopped: a batch failed");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure("interrupted", e);
        }
    }

    /** Sends one batch until it is applied (less the changes set aside on the way). */
    private void send(List<Planned> batch, HyperfyImport.Result result, AtomicLong done) {
        List<Planned> pending = new ArrayList<>(batch);
        int retries = 0;
        while (!pending.isEmpty()) {
            List<Change> changes = new ArrayList<>(pending.size());
            pending.forEach(p -> changes.add(p.change()));
            WorldAccess.BatchResult r = access.writeBatch(options.worldId(), changes, null);
            if (r instanceof WorldAccess.Applied a) {
                result.batches.incrementAndGet();
                result.lastPosition.accumulateAndGet(a.position(), (x, y) -> x == null || y.offset() > x.offset() ? y : x);
                if (a.replayed()) {
                    result.replayedBatches.incrementAndGet();
                }
                for (HyperfyImport.Planned p : pending) {
                    if (p.op() == Op.DELETE) {
                        result.deleted.incrementAndGet();
                    } else {
                        result.tally(p.kind()).written.addAndGet(rows(result, p.kind()));
                    }
                }
                progress.update(done.addAndGet(pending.size()));
                return;
            } else if (r instanceof WorldAccess.Invalid inv && inv.index() >= 0 && inv.index() < pending.size()) {
                HyperfyImport.Planned bad = pending.remove(inv.index());
                String field = inv.field().replaceFirst("^changes\\[\\d+]\\.?", "");
                String reason = "refused by worldstore: " + (field.isEmpty() ? "" : field + ": ") + inv.rule();
                if (bad.kind() == null) {
                    result.conflicts.add(bad.describe() + ": " + reason);
                } else {
                    HyperfyImport.skip(result, skippedOf(bad, reason));
                }
                progress.update(done.incrementAndGet());
            } else if (r instanceof WorldAccess.Conflict c) {
                settleConflicts(pending, c.indexes(), result, done);
            } else if (r instanceof WorldAccess.Retry retry) {
                if (++retries > HyperfyImport.MAX_RETRIES) {
                    throw new CliFailure("a batch of " + pending.size() + " changes could not be written after " + HyperfyImport.MAX_RETRIES
                            + " attempts: " + retry.why() + " (run the import again: it resumes where it stopped)");
                }
                HyperfyImport.backoff(retries);
            } else {
                String why = r instanceof WorldAccess.Failed f ? f.why() : r.toString();
                throw new CliFailure("a batch was refused: " + why);
            }
        }
    }

    /** The rows one key stands for: the world state holds every config row, other keys one row. */
    static long rows(HyperfyImport.Result result, Kind kind) {
        return kind == Kind.WORLD_STATE ? result.configRows : 1;
    }

    private static Skipped skippedOf(HyperfyImport.Planned p, String reason) {
        Key k = p.key();
        return switch (p.kind()) {
            case WORLD_STATE -> new Skipped("config", null, reason);
            case STORAGE -> new Skipped(HyperfyDb.STORAGE_FILE, null, reason);
            case ENTITIES -> new Skipped("entities", ((Key.Entity) k).entityId(), reason);
            case BLUEPRINTS -> new Skipped("blueprints", ((Key.AppData) k).key().substring(HyperfyMapping.BLUEPRINTS.length()), reason);
            case USERS -> new Skipped("users", ((Key.AppData) k).playerId(), reason);
        };
    }

    /**
     * After a batch's conditions failed: a key that now holds the value to write needs nothing (an
     * earlier attempt, or someone else, wrote it); one that holds another value changed while the
     * import ran and is left as it is, reported. Both leave the batch; the rest is sent again.
     */
    private void settleConflicts(List<Planned> pending, List<Integer> indexes, HyperfyImport.Result result, AtomicLong done) {
        List<Planned> failed = new ArrayList<>();
        for (int i : indexes) {
            if (i >= 0 && i < pending.size()) {
                failed.add(pending.get(i));
            }
        }
        if (failed.isEmpty()) {
            throw new CliFailure("a batch conflicted without naming a change it holds");
        }
        List<WorldAccess.Current> now = access.read(options.worldId(), failed.stream().map(Planned::key).toList());
        for (int i = 0; i < failed.size(); i++) {
            HyperfyImport.Planned p = failed.get(i);
            WorldAccess.Current c = now.get(i);
            boolean there = p.op() == Op.DELETE ? c == null : c != null && HyperfyImport.sameJson(c.value(), p.json());
            if (there) {
                if (p.kind() != null) {
                    result.tally(p.kind()).unchanged.addAndGet(rows(result, p.kind()));
                }
            } else {
                if (p.kind() != null) {
                    result.tally(p.kind()).conflicts.addAndGet(rows(result, p.kind()));
                }
                result.conflicts.add(p.describe() + ": changed while the import ran; left as it is (run the import again to "
                        + "compare anew)");
            }
        }
        pending.removeAll(failed);
        progress.update(done.addAndGet(failed.size()));
    }
}
