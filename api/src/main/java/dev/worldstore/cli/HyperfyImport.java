package dev.worldstore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.Change;
import dev.worldstore.Condition;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.Op;
import dev.worldstore.cli.HyperfyMapping.Kind;
import dev.worldstore.cli.HyperfyMapping.Skipped;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Brings a Hyperfy world folder into a worldstore world (see {@link HyperfyMapping} for where each
 * row goes) through any {@link WorldAccess}:
 *
 * <ol>
 * <li>reads the folder and maps it; a malformed row is set aside with its table, id and reason
 *     (into an empty world, where every row is new, the entities are read, mapped and written
 *     at once: batches go out while later rows are read);
 * <li>reads the world as it is and compares it key by key with what the import would write (JSON
 *     compared as values): keys that already hold the same value are left alone, so a second run
 *     writes nothing at all;
 * <li>refuses, writing nothing, when the world holds other data (keys that differ or that the
 *     Hyperfy world lacks) unless the mode is {@link Mode#MERGE} (write the Hyperfy rows over it,
 *     keep the rest) or {@link Mode#REPLACE} (also delete the rest);
 * <li>writes the changes as world transactions of at most {@code batchSize} changes, each
 *     conditional on the version it read (absent, or the version it replaces), so a concurrent
 *     writer is never overwritten, and a batch sent again after an unknown outcome applies at most
 *     once: if the first attempt was applied, the second's conditions fail and the keys are found
 *     holding the values to write (counted unchanged). No idempotency key: the store would keep a
 *     SHA-256 fingerprint of every batch for it, which cost as much as applying them, to tell
 *     apart what the conditions already do. A change the store refuses
 *     (a rule the value breaks) is set aside like a malformed row and its batch sent without it: an
 *     entity is written whole or not at all, and one bad row never stops the others;
 * <li>registers the users as worldstore players by the clash rule of {@link HyperfyMapping#registrations}.
 * </ol>
 *
 * Resumable: an interrupted import run again finds the batches it wrote already in place and
 * writes the rest. Not thread-safe; {@link #run} uses threads of its own.
 */
final class HyperfyImport {
    static final String ACTOR = "import:hyperfy";
    /** JSON bytes per batch: below the default batch.max.bytes (8 MiB) and http.max.body.bytes (5 MiB) with room to spare. */
    static final int MAX_BATCH_BYTES = 3 * 1024 * 1024;
    static final int READ_CHUNK = 1000;
    static final int MAX_RETRIES = 10;

    enum Mode { REFUSE, MERGE, REPLACE }

    record Options(String worldId, Mode mode, int batchSize, int inFlight, boolean dryRun) {
    }

    /** One change to make, with what it is for messages. */
    record Planned(Key key, Kind kind, Op op, Condition condition, byte[] json) {
        Change change() {
            Change c = op == Op.DELETE ? Change.delete(key) : Change.putJson(key, json);
            return c.withCondition(condition);
        }

        String describe() {
            return kind == null ? key.describe() : HyperfyMapping.describe(key, kind);
        }
    }

    /** The counts of one kind of row. */
    static final class Tally {
        final AtomicLong read = new AtomicLong();
        final AtomicLong written = new AtomicLong();
        final AtomicLong unchanged = new AtomicLong();
        final AtomicLong skipped = new AtomicLong();
        final AtomicLong conflicts = new AtomicLong();
    }

    /** What an import did (or, refused or dry, would do). */
    static final class Result {
        final Map<Kind, Tally> tallies = new EnumMap<>(Kind.class);
        final List<Skipped> skipped = Collections.synchronizedList(new ArrayList<>());
        final List<String> conflicts = Collections.synchronizedList(new ArrayList<>());
        final List<String> renamed = Collections.synchronizedList(new ArrayList<>());
        final List<String> playerNotes = Collections.synchronizedList(new ArrayList<>());
        final AtomicLong deleted = new AtomicLong();
        final AtomicLong batches = new AtomicLong();
        final AtomicLong replayedBatches = new AtomicLong();
        /** The position of the last batch written (the world as the import left it), or null. */
        final AtomicReference<dev.worldstore.LogPosition> lastPosition = new AtomicReference<>();
        final AtomicLong registered = new AtomicLong();
        final AtomicLong alreadyRegistered = new AtomicLong();
        final AtomicLong notRegistered = new AtomicLong();
        /** Why the import wrote nothing: the world holds other data and no mode says what to do. */
        String refused;
        List<String> differing = List.of();
        List<String> extra = List.of();
        Object version;
        /** Config rows the world state holds: its tally counts rows, like the others. */
        long configRows = 1;
        long rows;
        long changes;
        long millis;
        long readMillis;
        /** How long the world's batches and the players' registrations took (they run at once). */
        volatile long writeMillis;
        volatile long playersMillis;

        Result() {
            for (Kind k : Kind.values()) {
                tallies.put(k, new Tally());
            }
        }

        Tally tally(Kind k) {
            return tallies.get(k);
        }

        boolean clean() {
            return refused == null && skipped.isEmpty() && conflicts.isEmpty() && notRegistered.get() == 0;
        }
    }

    private final WorldAccess access;
    private final Options options;
    private final ProgressLine progress;
    private final HyperfyImportWriter writer;
    private final HyperfyPlayerImport players;

    HyperfyImport(WorldAccess access, Options options, ProgressLine progress) {
        this.access = access;
        this.options = options;
        this.progress = progress;
        this.writer = new HyperfyImportWriter(access, options, progress);
        this.players = new HyperfyPlayerImport(access, progress);
    }

    Result run(Path source) {
        long start = System.nanoTime();
        Result result = new Result();
        try (HyperfyDb.Source db = HyperfyDb.open(source)) {
            Map<Key, WorldAccess.Current> now = current();
            // into an empty world every row is new: the entities are then written while they are read
            boolean stream = now.isEmpty() && !options.dryRun();
            HyperfyDb.Contents contents = db.contents(!stream);
            HyperfyMapping.Plan plan = HyperfyMapping.toWorld(options.worldId(), contents);
            long entities = stream ? db.count("entities") : contents.entities().size();
            result.version = plan.version();
            result.rows = contents.rows() + (stream ? entities : 0);
            result.tally(Kind.WORLD_STATE).read.set(contents.config().size());
            result.configRows = Math.max(1, contents.config().size());
            result.tally(Kind.USERS).read.set(contents.users().size());
            result.tally(Kind.BLUEPRINTS).read.set(contents.blueprints().size());
            result.tally(Kind.ENTITIES).read.set(entities);
            result.tally(Kind.STORAGE).read.set(contents.storageJson() == null ? 0 : 1);
            for (Skipped s : plan.skipped()) {
                skip(result, s);
            }

            List<Planned> changes = diff(plan, now, result);
            result.changes = changes.size() + (stream ? entities : 0);
            if (!stream) {
                result.readMillis = (System.nanoTime() - start) / 1_000_000;
            }
            if (result.refused != null || options.dryRun()) {
                result.millis = (System.nanoTime() - start) / 1_000_000;
                return result;
            }
            progress.total(result.changes + plan.registrations().size());
            AtomicLong done = new AtomicLong();
            AtomicReference<String> forbidden = new AtomicReference<>();
            long playersStart = System.nanoTime();
            Map<String, String> registeredAs = players.lookUpPlayers(plan.registrations(), forbidden);
            // registrations go to the players' partition and need nothing of the world's: both run at once
            java.util.concurrent.CompletableFuture<Void> registering = java.util.concurrent.CompletableFuture.runAsync(
                    () -> {
                        players.register(plan, registeredAs, forbidden, result, done);
                        result.playersMillis = (System.nanoTime() - playersStart) / 1_000_000;
                    }, runnable -> {
                        Thread t = new Thread(runnable, "import-hyperfy-players");
                        t.setDaemon(true);
                        t.start();
                    });
            try {
                long t0 = System.nanoTime();
                writer.write(changes, stream ? db : null, result, done, start);
                result.writeMillis = (System.nanoTime() - t0) / 1_000_000;
            } finally {
                try {
                    registering.join();
                } catch (java.util.concurrent.CompletionException e) {
                    if (e.getCause() instanceof RuntimeException re) {
                        throw re;
                    }
                    throw e;
                }
            }
            progress.finish(done.get());
            result.millis = (System.nanoTime() - start) / 1_000_000;
            return result;
        }
    }

    static void skip(Result result, Skipped s) {
        result.skipped.add(s);
        Kind k = switch (s.table()) {
            case "config" -> Kind.WORLD_STATE;
            case "users" -> Kind.USERS;
            case "blueprints" -> Kind.BLUEPRINTS;
            case "entities" -> Kind.ENTITIES;
            default -> Kind.STORAGE;
        };
        result.tally(k).skipped.incrementAndGet();
    }

    /** The world as it is, with versions. */
    private Map<Key, WorldAccess.Current> current() {
        Map<Key, WorldAccess.Current> now = new LinkedHashMap<>();
        access.world(options.worldId(), null, c -> now.put(c.key(), c));
        if (access.worldHasVersions() || now.isEmpty()) {
            return now;
        }
        // the versions, read now: a key deleted since the world was read is absent
        Map<Key, WorldAccess.Current> versioned = new LinkedHashMap<>();
        List<Key> keys = new ArrayList<>(now.keySet());
        for (int i = 0; i < keys.size(); i += READ_CHUNK) {
            for (WorldAccess.Current c : access.read(options.worldId(), keys.subList(i, Math.min(keys.size(), i + READ_CHUNK)))) {
                if (c != null) {
                    versioned.put(c.key(), c);
                }
            }
        }
        return versioned;
    }

    /**
     * The changes that make the world hold the plan. Sets {@code result.refused} when the world holds
     * other data and the mode is {@link Mode#REFUSE}.
     */
    private List<Planned> diff(HyperfyMapping.Plan plan, Map<Key, WorldAccess.Current> now, Result result) {
        List<Planned> out = new ArrayList<>();
        List<String> differing = new ArrayList<>();
        for (Map.Entry<Key, HyperfyMapping.Value> e : plan.values().entrySet()) {
            Key key = e.getKey();
            Kind kind = e.getValue().kind();
            byte[] want = e.getValue().json();
            WorldAccess.Current cur = now.get(key);
            if (cur == null) {
                out.add(new Planned(key, kind, Op.PUT, Condition.absent(), want));
                continue;
            }
            if (kind == Kind.WORLD_STATE && options.mode() == Mode.MERGE) {
                want = Json.bytes(mergedWorldState(cur.value(), Json.parse(want)));
            }
            if (sameJson(cur.value(), want)) {
                result.tally(kind).unchanged.addAndGet(HyperfyImportWriter.rows(result, kind));
                continue;
            }
            differing.add(HyperfyMapping.describe(key, kind));
            out.add(new Planned(key, kind, Op.PUT, Condition.version(cur.version()), want));
        }
        List<String> extra = new ArrayList<>();
        for (WorldAccess.Current c : now.values()) {
            if (!plan.values().containsKey(c.key())) {
                extra.add(c.key().describe());
                if (options.mode() == Mode.REPLACE) {
                    out.add(new Planned(c.key(), null, Op.DELETE, Condition.version(c.version()), null));
                }
            }
        }
        result.differing = differing;
        result.extra = extra;
        if (options.mode() == Mode.REFUSE && (!differing.isEmpty() || !extra.isEmpty())) {
            result.refused = "world " + options.worldId() + " already holds other data: " + differing.size() + " key(s) hold another "
                    + "value than the Hyperfy world's" + (differing.isEmpty() ? "" : " (first: " + differing.get(0) + ")") + ", "
                    + extra.size() + " key(s) are not in the Hyperfy world" + (extra.isEmpty() ? "" : " (first: " + extra.get(0) + ")")
                    + "; nothing was written. Give --merge to write the Hyperfy rows over it and keep the rest, or --replace to "
                    + "also delete the rest";
            return List.of();
        }
        return out;
    }

    /** True when the stored value and the bytes to write are the same JSON value (both as a parse gives them). */
    static boolean sameJson(JsonNode stored, byte[] want) {
        return stored.equals(Json.parse(want));
    }

    /** The world state as it is, its {@code metadata} holding the Hyperfy config instead of any earlier one. */
    private static JsonNode mergedWorldState(JsonNode current, JsonNode hyperfy) {
        if (!(current instanceof ObjectNode cur)) {
            return hyperfy;
        }
        ObjectNode merged = cur.deepCopy();
        ObjectNode meta = merged.get("metadata") instanceof ObjectNode m ? m : merged.putObject("metadata");
        for (String f : List.of("format", "version", "settings", "spawn", "config", "userColumns")) {
            meta.remove(f);
        }
        meta.setAll((ObjectNode) hyperfy.get("metadata"));
        return merged;
    }

    /** Waits before retry {@code attempt}: 100 ms doubling, at most 5 s. */
    static void backoff(int attempt) {
        try {
            TimeUnit.MILLISECONDS.sleep(Math.min(5_000, 100L << Math.min(attempt, 6)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure("interrupted", e);
        }
    }

    /** Waits for every task; the first failure is rethrown (an interrupt becomes a {@link CliFailure}). */
    static void await(List<Future<?>> running) {
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliFailure("interrupted", e);
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException(c);
            }
        }
    }
}
