package dev.worldstore.projector;

import dev.worldstore.BatchConflictException;
import dev.worldstore.BatchSaved;
import dev.worldstore.Change;
import dev.worldstore.Condition;
import dev.worldstore.ConflictException;
import dev.worldstore.ErrorCode;
import dev.worldstore.IdempotencyKeys;
import dev.worldstore.EventRejectedException;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.KeyNotFoundException;
import dev.worldstore.LogPosition;
import dev.worldstore.Op;
import dev.worldstore.OutcomeUnknownException;
import dev.worldstore.PlayerRecord;
import dev.worldstore.Saved;
import dev.worldstore.Upgraders;
import dev.worldstore.UsernameTakenException;
import dev.worldstore.Usernames;
import dev.worldstore.ValidationException;
import dev.worldstore.WorldStoreException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The write path of a node, one for saves and registrations alike: check the change
 * ({@link Validator}), make it an event stamped with this node and the clock, append it
 * ({@link LogWriter}), remember the position for read-your-writes ({@link OwnWrites}) and, for a
 * conditional change, wait for the projector's verdict ({@link VerdictBoard}) for at most
 * {@code write.timeout.ms}.
 *
 * <p>An unconditional put completes when Kafka acknowledges it; its version is its offset. A
 * conditional change, a delete and a merge patch complete with the verdict (only the projector
 * knows whether a delete finds a value and what a merge results in): applied, unchanged (a merge
 * that changes nothing keeps the key's version), a {@link ConflictException} naming the actual
 * version, a {@link KeyNotFoundException}, or {@code VALUE_TOO_LARGE} for a merge whose result
 * exceeds {@code value.max.bytes}. Thread-safe; concurrent writes share Kafka batches.
 */
final class Writer {
    private final LogWriter log;
    private final Validator validator;
    private final VerdictBoard verdicts;
    private final OwnWrites own;
    private final Upgraders upgraders;
    private final String nodeId;
    private final Clock clock;
    private final long timeoutMs;
    private final long idempotencyWindowMs;

    /** The batch limits: most changes and most JSON bytes of one batch. */
    record BatchLimits(int maxChanges, int maxBytes) {
    }

    private final BatchLimits limits;

    Writer(LogWriter log, Validator validator, BatchLimits limits, VerdictBoard verdicts, OwnWrites own, Upgraders upgraders,
            String nodeId, Clock clock, long timeoutMs, long idempotencyWindowMs) {
        this.limits = limits;
        this.idempotencyWindowMs = idempotencyWindowMs;
        this.log = log;
        this.validator = validator;
        this.verdicts = verdicts;
        this.own = own;
        this.upgraders = upgraders;
        this.nodeId = nodeId;
        this.clock = clock;
        this.timeoutMs = timeoutMs;
    }

    /**
     * Checks and appends a change. Never throws: every failure completes the future exceptionally
     * with a {@link WorldStoreException}.
     */
    CompletableFuture<Saved> write(Change change) {
        try {
            if (change.key() instanceof Key.Player) {
                throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "key", "players are written with registerPlayer");
            }
            byte[] payload = validator.check(change);
            Idempotency idem = idempotency(change.idempotencyKey(), "idempotencyKey");
            ChangeEvent event = new ChangeEvent(newEventId(), change.key(), change.op(), payload, change.condition(),
                    upgraders.current(change.key().table()), nodeId, change.actor(), clock.millis(),
                    change.op() == Op.MERGE ? validator.maxValueBytes() : 0, idem);
            // only the projector knows whether a delete finds a value, what a merge results in, and
            // whether an idempotency key was applied before
            return append(event, change.condition().isConditional() || change.op() != Op.PUT || idem != null, change.key())
                    .thenApply(o -> outcome(change.key(), change.condition(), o, null));
        } catch (WorldStoreException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Registers a player: a create-only put of {@code {"id", "username"}} decided by the projector,
     * which also requires the username to be free.
     *
     * @param playerId the id to use, or {@code null} to generate one
     */
    CompletableFuture<PlayerRecord> register(String playerId, String username) {
        try {
            String id = playerId == null ? UUID.randomUUID().toString() : playerId;
            Key.Player key = new Key.Player(id);
            key.check();
            Usernames.normalize(username);
            Change change = new Change(key, Op.PUT, Json.object().put("id", id).put("username", username), Condition.absent(), null);
            long at = clock.millis();
            ChangeEvent event = new ChangeEvent(newEventId(), key, Op.PUT, validator.check(change), Condition.absent(),
                    EventCodec.FORMAT_VERSION, nodeId, null, at);
            return append(event, true, key).thenApply(o -> outcome(key, Condition.absent(), o, username))
                    .thenApply(s -> new PlayerRecord(id, username, Instant.ofEpochMilli(at), Instant.ofEpochMilli(at), s.version(),
                            s.position()));
        } catch (WorldStoreException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Checks and appends a world transaction as one batch event. Never throws: every failure
     * completes the future exceptionally. Each change is checked as a single save is, its errors
     * naming {@code changes[i]}; then the batch as a whole (one world, distinct keys, the limits).
     * Waits for the projector's verdict when a change is conditional or a merge patch (only the
     * projector knows a merge's result).
     */
    CompletableFuture<BatchSaved> writeBatch(String worldId, List<Change> changes, String actor) {
        return writeBatch(worldId, changes, actor, null, null);
    }

    /**
     * As {@link #writeBatch(String, List, String)}, recording {@code meta} (a UTF-8 JSON object, or
     * null) with the batch, under the batch's {@code idempotencyKey} (or null).
     */
    CompletableFuture<BatchSaved> writeBatch(String worldId, List<Change> changes, String actor, byte[] meta, String idempotencyKey) {
        try {
            Idempotency idem = idempotency(idempotencyKey, "idempotencyKey");
            Key.checkWorldId(worldId);
            if (changes.isEmpty()) {
                throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "changes", "a batch holds at least one change");
            }
            if (changes.size() > limits.maxChanges()) {
                throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "changes", "a batch holds at most " + limits.maxChanges()
                        + " changes (batch.max.changes), was " + changes.size());
            }
            List<BatchEvent.Item> items = new ArrayList<>(changes.size());
            Map<Key, Integer> seen = new HashMap<>();
            boolean decided = false;
            long bytes = 0;
            for (int i = 0; i < changes.size(); i++) {
                Change c = changes.get(i);
                String at = "changes[" + i + "]";
                Key key = c.key();
                if (!worldId.equals(key.worldId())) {
                    throw new ValidationException(ErrorCode.INVALID_ARGUMENT, at + ".key", "must be a key of world '" + worldId
                            + "' (one world per batch), was " + key.describe());
                }
                if (c.actor() != null && !c.actor().equals(actor)) {
                    throw new ValidationException(ErrorCode.INVALID_ARGUMENT, at + ".actor", "a batch has one actor ('" + actor
                            + "'), the change names '" + c.actor() + "'");
                }
                Integer before = seen.putIfAbsent(key, i);
                if (before != null) {
                    throw new ValidationException(ErrorCode.INVALID_SHAPE, at, "names the same key as changes[" + before + "] ("
                            + key.describe() + "); a batch changes each key once");
                }
                if (c.idempotencyKey() != null) {
                    throw new ValidationException(ErrorCode.INVALID_ARGUMENT, at + ".idempotencyKey",
                            "a batch has one idempotency key, the batch's own; its changes carry none");
                }
                byte[] payload;
                try {
                    payload = validator.check(c);
                } catch (ValidationException e) {
                    throw new ValidationException(e.code(), at + "." + e.field(), e.rule());
                }
                bytes += payload == null ? 0 : payload.length;
                decided |= c.condition().isConditional() || c.op() == Op.MERGE;
                items.add(new BatchEvent.Item(key, c.op(), c.condition(), upgraders.current(key.table()), payload, 0,
                        payload == null ? 0 : payload.length));
            }
            if (bytes > limits.maxBytes()) {
                throw new ValidationException(ErrorCode.VALUE_TOO_LARGE, "changes", "a batch holds at most " + limits.maxBytes()
                        + " bytes of JSON (batch.max.bytes), was " + bytes);
            }
            byte[] document = BatchCodec.encode(items, validator.maxValueBytes(), meta);
            BatchEvent event = new BatchEvent(newEventId(), worldId, document, items, validator.maxValueBytes(), meta, nodeId, actor,
                    clock.millis(), idem);
            Key key = new Key.WorldState(worldId);
            return append(event, decided || idem != null, key).thenApply(o -> {
                List<Saved> saved = new ArrayList<>(items.size());
                if (o.verdict() instanceof Verdict.KeyReused k) {
                    throw keyReused(k, o.position());
                }
                if (o.verdict() instanceof Verdict.Replayed r) {
                    LogPosition first = new LogPosition(o.position().partition(), r.offset());
                    if (r.versions().size() != items.size()) {
                        throw new EventRejectedException(key, "idempotency key " + idem.key() + " was first used by the event at "
                                + first + ", a batch of " + r.versions().size() + " changes, not " + items.size());
                    }
                    for (long version : r.versions()) {
                        saved.add(new Saved(version, first, true));
                    }
                    return new BatchSaved(first, saved);
                }
                for (int i = 0; i < items.size(); i++) {
                    long version = o.verdict() instanceof Verdict.BatchApplied a ? a.versions().get(i)
                            : outcome(key, Condition.any(), o, null).version();
                    saved.add(new Saved(version, o.position()));
                }
                return new BatchSaved(o.position(), saved);
            });
        } catch (WorldStoreException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Where an event was appended and, when waited for, the projector's verdict on it ({@code null} otherwise). */
    private record Outcome(LogPosition position, Verdict verdict) {
    }

    /**
     * Appends {@code event}; with {@code decided}, also waits (at most {@code write.timeout.ms}) for
     * the projector's verdict.
     *
     * @param key the key the event changes (a batch: its world's state key), for messages
     */
    private CompletableFuture<Outcome> append(LogEvent event, boolean decided, Key key) {
        if (!decided) {
            // bounded by the producer's delivery.timeout.ms (= write.timeout.ms): no timer per save
            return log.append(event).thenApply(position -> {
                own.record(position);
                return new Outcome(position, null);
            });
        }
        // registered before the append, so the projector can never decide before anyone listens
        CompletableFuture<Verdict> verdict = verdicts.register(event.eventId());
        CompletableFuture<Outcome> outcome = log.append(event).thenCompose(position -> {
            own.record(position);
            return verdict.thenApply(v -> new Outcome(position, v));
        });
        return outcome.orTimeout(timeoutMs, TimeUnit.MILLISECONDS).handle((o, error) -> {
            verdicts.forget(event.eventId());
            if (error == null) {
                return o;
            }
            Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (e instanceof TimeoutException) {
                throw new OutcomeUnknownException("no outcome for the write of " + key.describe() + " within write.timeout.ms="
                        + timeoutMs + " ms (Kafka topic " + log.topic() + "); it may still be applied: retry with the same "
                        + "idempotency key to apply it at most once", e);
            }
            throw e instanceof RuntimeException r ? r : new CompletionException(e);
        });
    }

    /** The result of a single change, or the error its verdict names. */
    private static Saved outcome(Key key, Condition condition, Outcome o, String username) {
        Verdict v = o.verdict();
        LogPosition position = o.position();
        if (v == null) {
            return new Saved(position.offset(), position);
        } else if (v instanceof Verdict.Applied a) {
            return new Saved(a.version(), position);
        } else if (v instanceof Verdict.Replayed r) {
            if (r.versions().size() != 1) {
                throw new EventRejectedException(key, "its idempotency key was first used by a batch (at offset " + r.offset() + ")");
            }
            return new Saved(r.versions().get(0), new LogPosition(position.partition(), r.offset()), true);
        } else if (v instanceof Verdict.KeyReused k) {
            throw keyReused(k, position);
        } else if (v instanceof Verdict.Unchanged u) {
            return new Saved(u.version(), position);
        } else if (v instanceof Verdict.NotFound) {
            throw new KeyNotFoundException(key);
        } else if (v instanceof Verdict.Conflict c) {
            throw new ConflictException(key, condition, c.actualVersion());
        } else if (v instanceof Verdict.UsernameTaken) {
            throw new UsernameTakenException(username);
        } else if (v instanceof Verdict.BatchConflict b) {
            throw new BatchConflictException(b.failures());
        } else if (v instanceof Verdict.TooLarge t) {
            throw new ValidationException(ErrorCode.VALUE_TOO_LARGE, t.field(), "the merge patch's result must be at most " + t.limit()
                    + " bytes of JSON (value.max.bytes), would be " + t.bytes());
        }
        throw new EventRejectedException(key, ((Verdict.Rejected) v).reason());
    }

    private static ValidationException keyReused(Verdict.KeyReused k, LogPosition position) {
        return new ValidationException(ErrorCode.IDEMPOTENCY_KEY_REUSED, "idempotencyKey", "'" + k.idempotencyKey()
                + "' was used by a different write of this world (at " + new LogPosition(position.partition(), k.offset())
                + ") within idempotency.window.ms; a retry must repeat that request exactly, a new write needs a new key");
    }

    /** The checked idempotency key with this node's window, or {@code null} without a key. */
    private Idempotency idempotency(String key, String field) {
        return key == null ? null : new Idempotency(IdempotencyKeys.check(key, field), idempotencyWindowMs);
    }

    /** A random event id; ThreadLocalRandom, not SecureRandom, whose lock concurrent writers would share. */
    private static String newEventId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return new UUID((r.nextLong() & ~0xF000L) | 0x4000L, (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L).toString();
    }
}
