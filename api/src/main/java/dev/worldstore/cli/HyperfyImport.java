package dev.worldstore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.Change;
import dev.worldstore.Condition;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.Op;
import dev.worldstore.cli.HyperfyMapping.Kind;
import dev.worldstore.cli.HyperfyMapping.Registration;
import dev.worldstore.cli.HyperfyMapping.Skipped;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Brings a Hyperfy world folder into a worldstore world (see {@link HyperfyMapping} for where each
 * row goes) through any {@link WorldAccess}:
 *
 * <ol>
 * <li>reads the folder and maps it; a malformed row is set aside with its table, id and reason;
 * <li>reads the world as it is and compares it key by key with what the import would write (JSON
 *     compared as values): keys that already hold the same value are left alone, so a second run
 *     writes nothing at all;
 * <li>refuses, writing nothing, when the world holds other data (keys that differ or that the
 *     Hyperfy world lacks) unless the mode is {@link Mode#MERGE} (write the Hyperfy rows over it,
 *     keep the rest) or {@link Mode#REPLACE} (also delete the rest);
 * <li>writes the changes as world transactions of at most {@code batchSize} changes, each
 *     conditional on the version it read (absent, or the version it replaces), so a concurrent
 *     writer is never overwritten; each batch carries an idempotency key derived from its content,
 *     so a batch sent again after an unknown outcome applies once. A change the store refuses
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
    static final String KEY_PREFIX = "import:hyperfy:";
    /** JSON bytes per batch: below the default batch.max.bytes (8 MiB) and http.max.body.bytes (5 MiB) with room to spare. */
    static final int MAX_BATCH_BYTES = 3 * 1024 * 1024;
    private static final int READ_CHUNK = 1000;
    private static final int MAX_RETRIES = 10;
    /** Registrations in flight: each waits for its verdict (the name is free) from the projector. */
    private static final int REGISTRATION_THREADS = 32;

    enum Mode { REFUSE, MERGE, REPLACE }

    record Options(String worldId, Mode mode, int batchSize, int inFlight, boolean dryRun) {
    }

    /** One change to make, with what it is for messages. */
    private record Planned(Key key, Kind kind, Op op, Condition condition, byte[] json) {
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

    HyperfyImport(WorldAccess access, Options options, ProgressLine progress) {
        this.access = access;
        this.options = options;
        this.progress = progress;
    }

    Result run(Path source) {
        long start = System.nanoTime();
        Result result = new Result();
        HyperfyDb.Contents contents = HyperfyDb.read(source);
        HyperfyMapping.Plan plan = HyperfyMapping.toWorld(options.worldId(), contents);
        result.readMillis = (System.nanoTime() - start) / 1_000_000;
        result.version = plan.version();
        result.rows = contents.rows();
        result.tally(Kind.WORLD_STATE).read.set(contents.config().size());
        result.configRows = Math.max(1, contents.config().size());
        result.tally(Kind.USERS).read.set(contents.users().size());
        result.tally(Kind.BLUEPRINTS).read.set(contents.blueprints().size());
        result.tally(Kind.ENTITIES).read.set(contents.entities().size());
        result.tally(Kind.STORAGE).read.set(contents.storageJson() == null ? 0 : 1);
        for (Skipped s : plan.skipped()) {
            skip(result, s);
        }

        List<Planned> changes = diff(plan, current(), result);
        result.changes = changes.size();
        if (result.refused != null || options.dryRun()) {
            result.millis = (System.nanoTime() - start) / 1_000_000;
            return result;
        }
        progress.total(changes.size() + plan.registrations().size());
        AtomicLong done = new AtomicLong();
        // registrations go to the players' partition and need nothing of the world's: both run at once
        java.util.concurrent.CompletableFuture<Void> players = java.util.concurrent.CompletableFuture.runAsync(
                () -> register(plan, result, done), runnable -> {
                    Thread t = new Thread(runnable, "import-hyperfy-players");
                    t.setDaemon(true);
                    t.start();
                });
        try {
            write(changes, result, done);
        } finally {
            try {
                players.join();
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

    private static void skip(Result result, Skipped s) {
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
                result.tally(kind).unchanged.addAndGet(rows(result, kind));
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

    // ---- writing ------------------------------------------------------------------------------------

    private void write(List<Planned> changes, Result result, AtomicLong done) {
        List<List<Planned>> batches = new ArrayList<>();
        List<Planned> current = new ArrayList<>();
        long bytes = 0;
        for (Planned p : changes) {
            int size = p.json == null ? 64 : p.json.length + 128;
            if (!current.isEmpty() && (current.size() >= options.batchSize() || bytes + size > MAX_BATCH_BYTES)) {
                batches.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(p);
            bytes += size;
        }
        if (!current.isEmpty()) {
            batches.add(current);
        }
        ConcurrentLinkedQueue<List<Planned>> queue = new ConcurrentLinkedQueue<>(batches);
        AtomicReference<CliFailure> failure = new AtomicReference<>();
        int workers = Math.max(1, Math.min(options.inFlight(), batches.size()));
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "import-hyperfy-batch");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                running.add(pool.submit(() -> {
                    List<Planned> b;
                    while (failure.get() == null && (b = queue.poll()) != null) {
                        try {
                            send(b, result, done);
                        } catch (CliFailure f) {
                            failure.compareAndSet(null, f);
                        }
                    }
                }));
            }
            await(running);
        } finally {
            pool.shutdownNow();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    /** Sends one batch until it is applied (less the changes set aside on the way). */
    private void send(List<Planned> batch, Result result, AtomicLong done) {
        List<Planned> pending = new ArrayList<>(batch);
        int retries = 0;
        while (!pending.isEmpty()) {
            List<Change> changes = new ArrayList<>(pending.size());
            pending.forEach(p -> changes.add(p.change()));
            WorldAccess.BatchResult r = access.writeBatch(options.worldId(), changes, idempotencyKey(options.worldId(), pending));
            if (r instanceof WorldAccess.Applied a) {
                result.batches.incrementAndGet();
                result.lastPosition.accumulateAndGet(a.position(), (x, y) -> x == null || y.offset() > x.offset() ? y : x);
                if (a.replayed()) {
                    result.replayedBatches.incrementAndGet();
                }
                for (Planned p : pending) {
                    if (p.op == Op.DELETE) {
                        result.deleted.incrementAndGet();
                    } else {
                        result.tally(p.kind).written.addAndGet(rows(result, p.kind));
                    }
                }
                progress.update(done.addAndGet(pending.size()));
                return;
            } else if (r instanceof WorldAccess.Invalid inv && inv.index() >= 0 && inv.index() < pending.size()) {
                Planned bad = pending.remove(inv.index());
                String field = inv.field().replaceFirst("^changes\\[\\d+]\\.?", "");
                String reason = "refused by worldstore: " + (field.isEmpty() ? "" : field + ": ") + inv.rule();
                if (bad.kind == null) {
                    result.conflicts.add(bad.describe() + ": " + reason);
                } else {
                    skip(result, skippedOf(bad, reason));
                }
                progress.update(done.incrementAndGet());
            } else if (r instanceof WorldAccess.Conflict c) {
                settleConflicts(pending, c.indexes(), result, done);
            } else if (r instanceof WorldAccess.Retry retry) {
                if (++retries > MAX_RETRIES) {
                    throw new CliFailure("a batch of " + pending.size() + " changes could not be written after " + MAX_RETRIES
                            + " attempts: " + retry.why() + " (run the import again: it resumes where it stopped)");
                }
                backoff(retries);
            } else {
                String why = r instanceof WorldAccess.Failed f ? f.why() : r.toString();
                throw new CliFailure("a batch was refused: " + why);
            }
        }
    }

    /** The rows one key stands for: the world state holds every config row, other keys one row. */
    private static long rows(Result result, Kind kind) {
        return kind == Kind.WORLD_STATE ? result.configRows : 1;
    }

    private static Skipped skippedOf(Planned p, String reason) {
        Key k = p.key;
        return switch (p.kind) {
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
    private void settleConflicts(List<Planned> pending, List<Integer> indexes, Result result, AtomicLong done) {
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
            Planned p = failed.get(i);
            WorldAccess.Current c = now.get(i);
            boolean there = p.op == Op.DELETE ? c == null : c != null && sameJson(c.value(), p.json);
            if (there) {
                if (p.kind != null) {
                    result.tally(p.kind).unchanged.addAndGet(rows(result, p.kind));
                }
            } else {
                if (p.kind != null) {
                    result.tally(p.kind).conflicts.addAndGet(rows(result, p.kind));
                }
                result.conflicts.add(p.describe() + ": changed while the import ran; left as it is (run the import again to "
                        + "compare anew)");
            }
        }
        pending.removeAll(failed);
        progress.update(done.addAndGet(failed.size()));
    }

    private static void backoff(int attempt) {
        try {
            TimeUnit.MILLISECONDS.sleep(Math.min(5_000, 100L << Math.min(attempt, 6)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure("interrupted", e);
        }
    }

    /**
     * The batch's idempotency key: derived from the world and every change (key, operation,
     * condition, value bytes), so sending the same batch again gives the same key and no two
     * different batches share one.
     */
    private static String idempotencyKey(String worldId, List<Planned> changes) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(worldId.getBytes(StandardCharsets.UTF_8));
            for (Planned p : changes) {
                md.update((byte) 0);
                md.update(p.key.toString().getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(p.op.wireName().getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(p.condition.toString().getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
                if (p.json != null) {
                    md.update(p.json);
                }
            }
            return KEY_PREFIX + HexFormat.of().formatHex(md.digest(), 0, 24);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }

    // ---- players ------------------------------------------------------------------------------------

    private void register(HyperfyMapping.Plan plan, Result result, AtomicLong done) {
        List<Registration> regs = plan.registrations();
        if (regs.isEmpty()) {
            return;
        }
        ConcurrentLinkedQueue<Registration> queue = new ConcurrentLinkedQueue<>(regs);
        AtomicReference<String> forbidden = new AtomicReference<>();
        int workers = Math.max(1, Math.min(REGISTRATION_THREADS, regs.size()));
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "import-hyperfy-player");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                running.add(pool.submit(() -> {
                    Registration r;
                    while (forbidden.get() == null && (r = queue.poll()) != null) {
                        registerOne(r, result, forbidden);
                        progress.update(done.incrementAndGet());
                    }
                }));
            }
            await(running);
        } finally {
            pool.shutdownNow();
        }
        if (forbidden.get() != null) {
            long left = regs.size() - result.registered.get() - result.alreadyRegistered.get() - result.notRegistered.get();
            result.notRegistered.addAndGet(left);
            result.playerNotes.add(forbidden.get());
        }
    }

    private void registerOne(Registration r, Result result, AtomicReference<String> forbidden) {
        String name = r.username();
        String why = r.why();
        for (int attempt = 0; ; attempt++) {
            java.util.Optional<String> existing;
            try {
                existing = access.player(r.playerId());
            } catch (CliFailure e) {
                forbidden.compareAndSet(null, "players were not registered: " + e.getMessage());
                return;
            }
            if (existing.isPresent()) {
                result.alreadyRegistered.incrementAndGet();
                String has = existing.get();
                if (!HyperfyMapping.canonical(has).equals(HyperfyMapping.canonical(name))
                        && !HyperfyMapping.canonical(has).equals(HyperfyMapping.canonical(HyperfyMapping.suffixed(name, r.playerId())))) {
                    result.playerNotes.add("user " + r.playerId() + " ('" + r.hyperfyName() + "') is registered as '" + has
                            + "' already; kept");
                } else if (!has.equals(r.hyperfyName())) {
                    result.renamed.add("user " + r.playerId() + " '" + r.hyperfyName() + "' is player '" + has + "'"
                            + (why == null ? ": the name is held by another worldstore player" : ": " + why));
                }
                return;
            }
            WorldAccess.Registered outcome = access.register(r.playerId(), name);
            switch (outcome) {
                case REGISTERED -> {
                    result.registered.incrementAndGet();
                    if (why != null) {
                        result.renamed.add("user " + r.playerId() + " '" + r.hyperfyName() + "' is player '" + name + "': " + why);
                    }
                    return;
                }
                case USERNAME_TAKEN -> {
                    String suffixed = HyperfyMapping.suffixed(r.username(), r.playerId());
                    if (name.equals(suffixed)) {
                        result.notRegistered.incrementAndGet();
                        result.playerNotes.add("user " + r.playerId() + " ('" + r.hyperfyName() + "') was not registered: '" + name
                                + "' is taken too");
                        return;
                    }
                    name = suffixed;
                    why = "'" + r.username() + "' is held by another worldstore player";
                }
                case ID_TAKEN -> {
                    if (attempt > 2) {
                        result.notRegistered.incrementAndGet();
                        return;
                    }
                }
                case INVALID -> {
                    result.notRegistered.incrementAndGet();
                    result.playerNotes.add("user " + r.playerId() + " ('" + r.hyperfyName() + "') was not registered: '" + name
                            + "' is not a valid username");
                    return;
                }
                case FORBIDDEN -> {
                    forbidden.compareAndSet(null, "players were not registered: the API key may not register players (it needs "
                            + "\"players\": true or admin); the users' rows were imported");
                    return;
                }
                case UNAVAILABLE -> {
                    if (attempt >= MAX_RETRIES) {
                        result.notRegistered.incrementAndGet();
                        result.playerNotes.add("user " + r.playerId() + " was not registered: the store did not answer (run the "
                                + "import again)");
                        return;
                    }
                    backoff(attempt + 1);
                }
            }
        }
    }

    private static void await(List<Future<?>> running) {
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
