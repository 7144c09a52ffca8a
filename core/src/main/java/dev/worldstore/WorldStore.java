package dev.worldstore;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * An event-sourced store of world state: saves are change events appended to Kafka, loads are local
 * reads of this node's RocksDB projection of every partition.
 *
 * <p>Thread-safe. Open one per process with {@code WorldStores.open(config)} (projector module) and
 * share it; {@link #close()} is idempotent.
 */
public interface WorldStore extends AutoCloseable {

    /**
     * The per-world handle of the guide's API: cheap, thread-safe, needs no closing.
     *
     * @throws ValidationException if {@code worldId} breaks the id rule
     */
    default World world(String worldId) {
        return new WorldHandle(this, worldId);
    }

    /**
     * Appends a change and completes once Kafka acknowledged it; for a conditional change, a delete
     * or a merge patch, once the projector's verdict is known (only it knows whether a delete finds
     * a value and what a merge results in). A change that changes nothing is no event: a merge patch
     * whose result equals the value completes with the key's unchanged version, and a delete of an
     * absent key with {@link KeyNotFoundException}; neither adds history or a change-feed event.
     * A retry of an applied change with the same idempotency key changes nothing and completes with
     * the first one's outcome ({@link Saved#replayed()}).
     * Completes exceptionally with {@link ConflictException}, {@link KeyNotFoundException},
     * {@link ValidationException} ({@code VALUE_TOO_LARGE} also for a merge whose result exceeds
     * {@code value.max.bytes}), {@link LogUnavailableException} (not appended: Kafka unreachable
     * or {@code write.max.inflight.bytes} reached), {@link OutcomeUnknownException} (no outcome
     * within {@code write.timeout.ms}: it may still apply) or {@link StoreClosedException}.
     * Concurrent calls are batched into shared Kafka requests.
     */
    CompletableFuture<Saved> writeAsync(Change change);

    /** {@link #writeAsync} and wait; throws its {@link WorldStoreException} unwrapped. */
    Saved write(Change change);

    /**
     * Appends a batch of changes to one world as one change event: the projector applies all of it
     * or none of it (see {@link Batch}). Completes once Kafka acknowledged it and, when any change
     * is conditional or a merge patch, once the projector decided it. Completes exceptionally with
     * {@link BatchConflictException} (nothing applied), {@link ValidationException} naming
     * {@code changes[i]} (nothing appended), {@link LogUnavailableException} or
     * {@link StoreClosedException} ({@link OutcomeUnknownException} when it may still apply: retry
     * with the same idempotency key). Changes that change nothing (a delete of an absent key, a merge
     * patch whose result equals the value) are skipped, not refused: they add no history or feed
     * event, and a skipped merge reports the key's unchanged version.
     *
     * @param worldId the world every change belongs to
     * @param changes 1 to {@code batch.max.changes} changes, each key at most once; a change's own
     *     actor must be {@code null} or equal to {@code actor}
     * @param actor recorded as the batch's actor, or {@code null} for the node
     * @param idempotencyKey the batch's idempotency key (see {@link Change#withIdempotencyKey}), or
     *     {@code null}; a retry with the key of an applied batch completes with that batch's outcome
     *     ({@link Saved#replayed()} on every entry) and changes nothing. Changes of a batch carry no
     *     keys of their own.
     */
    CompletableFuture<BatchSaved> writeBatchAsync(String worldId, List<Change> changes, String actor, String idempotencyKey);

    /** {@link #writeBatchAsync(String, List, String, String)} without an idempotency key. */
    default CompletableFuture<BatchSaved> writeBatchAsync(String worldId, List<Change> changes, String actor) {
        return writeBatchAsync(worldId, changes, actor, null);
    }

    /** {@link #writeBatchAsync(String, List, String, String)} and wait; throws its {@link WorldStoreException} unwrapped. */
    BatchSaved writeBatch(String worldId, List<Change> changes, String actor, String idempotencyKey);

    /** {@link #writeBatch(String, List, String, String)} without an idempotency key. */
    default BatchSaved writeBatch(String worldId, List<Change> changes, String actor) {
        return writeBatch(worldId, changes, actor, null);
    }

    /**
     * Reads many keys of one world from one consistent snapshot of the local projection (no key is
     * newer than another), after waiting for {@code consistency}.
     *
     * @param keys keys of {@code worldId}, 1 to {@code Scan.MAX_LIMIT}
     * @return one entry per key in request order, empty where the key holds no value
     * @throws ValidationException if a key belongs to another world or breaks the id rule
     */
    List<Optional<Stored>> readMany(String worldId, List<Key> keys, ReadConsistency consistency);

    /**
     * Reads one key from the local projection after waiting for {@code consistency}.
     *
     * @throws ProjectionTimeoutException if the projection does not get there within {@code read.wait.timeout.ms}
     * @throws CorruptDataException if the stored value cannot be decoded
     */
    Optional<Stored> read(Key key, ReadConsistency consistency);

    default Optional<Stored> read(Key key) {
        return read(key, ReadConsistency.OWN_WRITES);
    }

    /** One page of keys in key order, read after waiting for {@code consistency}. Memory is bounded by the page. */
    Page scan(Scan scan, ReadConsistency consistency);

    /**
     * Follows a world's accepted changes.
     *
     * @param after resume after this position (a position the feed reported earlier); {@code null}
     *     starts at the current end of the log, i.e. only changes from now on
     * @throws ValidationException if the world id is invalid, or {@code after} is not in the world's partition or is at
     *     or past the log's end (no change has that position yet: refused, never read as "from the start"), or
     *     ({@link ErrorCode#POSITION_EXPIRED}) the changes after it were deleted by retention and this node no longer
     *     holds them in memory; a feed behind the tail that reaches deleted records fails its poll with the same code
     */
    ChangeFeed changes(String worldId, LogPosition after);

    /**
     * Follows a world's accepted changes starting at {@code from} (inclusive): the audit log. With
     * {@link #positionAt} a reader starts at a time; it stops where it likes (e.g. at {@link #endOf}).
     *
     * @throws ValidationException if {@code from} is not in the world's partition or is past the log's end, or
     *     ({@link ErrorCode#POSITION_EXPIRED}) is before the log's start ({@link #startOf}) and no longer held in memory
     */
    ChangeFeed changesFrom(String worldId, LogPosition from);

    /**
     * The first log position {@code worldId}'s partition still holds: offset 0 until topic retention
     * ({@code kafka.topic.retention.ms}) deletes records. Asks Kafka.
     *
     * @throws ValidationException if the world id is invalid
     * @throws LogUnavailableException if Kafka cannot tell
     */
    LogPosition startOf(String worldId);

    /** The log position of {@code worldId}'s partition that the next change will get: a starting point for feeds. */
    LogPosition endOf(String worldId);

    /**
     * The first position of {@code worldId}'s partition whose event time is at or after {@code time}: where a reader
     * starting at {@code time} starts; when no change this node has applied is that late, the next position it will
     * apply. Event time is the time history, feeds and stored values show: the writer's timestamp, raised where needed
     * so it never goes backwards within a partition (every node derives the same from the log).
     */
    LogPosition positionAt(String worldId, java.time.Instant time);

    /**
     * The last position of {@code worldId}'s partition that {@code asOf} includes: the position itself, or for an instant
     * T the last change whose event time (as history shows it, to the millisecond) is at or before T; event times never
     * go backwards within a partition, so T includes exactly the changes history shows at or before T. With
     * {@link #positionAt} this is the one convention for points in time: {@code resolve(w, T) + 1 == positionAt(w, T + 1 ms)}.
     * An instant later than every change this node has applied resolves to the last change it applied;
     * a position this node has not applied yet is waited for ({@code read.wait.timeout.ms}).
     *
     * @return empty when nothing in the partition is that old
     * @throws ValidationException if a position is not in the world's partition or not written yet (past the log's end)
     * @throws ProjectionTimeoutException if this node does not apply a written position in time
     */
    java.util.Optional<LogPosition> resolve(String worldId, AsOf asOf);

    // ---- history ---------------------------------------------------------------------------

    /**
     * A key's applied changes, newest first.
     *
     * @param before only versions strictly below this ({@code Long.MAX_VALUE} for the newest)
     * @param limit 1 to 1,000
     * @param withResult also compute each change's resulting value
     */
    HistoryPage history(Key key, long before, int limit, boolean withResult, ReadConsistency consistency);

    /**
     * The key's value as of a point in its history: empty if it did not exist then (or was deleted).
     * The returned {@link Stored} carries the version and facts of the change that produced it.
     * A position is resolved as {@link #resolve} does (waited for; refused past the log's end).
     */
    Optional<Stored> readAsOf(Key key, AsOf asOf, ReadConsistency consistency);

    /**
     * Streams every key of a world (world state, entities, player states, app data) as it was at
     * {@code asOf}, in table then key order, consistent to one log position. Memory is bounded by one
     * key's history, not the world. A position is resolved as {@link #resolve} does (waited for;
     * refused past the log's end).
     */
    void snapshot(String worldId, AsOf asOf, ReadConsistency consistency, java.util.function.Consumer<Stored> sink);

    /**
     * Rolls a world back to how it was at {@code asOf} by appending new events (puts and deletes,
     * each conditional on the version it replaces), so the rollback is itself in the history and
     * nothing is rewritten. Keys changed concurrently are reported as conflicts, not overwritten.
     *
     * @param actor recorded as the actor of every restoring event
     */
    RestoreResult restoreWorld(String worldId, AsOf asOf, String actor);

    /**
     * Creates a new world whose state is {@code sourceWorldId} as it was at {@code asOf}: every key
     * (world state, entities, player states, app data) written into {@code targetWorldId} as
     * create-only batches of the new world, the first recording the source and the point in its
     * metadata, {@code actor} as their actor. The source is not touched. A large world takes
     * several batches; each is atomic, the copy as a whole is not (a reader of the new world during
     * the fork may see part of it: wait for {@link ForkResult#lastPosition()}).
     *
     * @throws WorldExistsException if the target world holds data or history
     * @throws ValidationException if an id is invalid, the target is the source, or the source held nothing then
     */
    ForkResult forkWorld(String sourceWorldId, String targetWorldId, AsOf asOf, String actor);

    /**
     * The player's state and the player's data in every app of one world, from one consistent
     * snapshot of the projection, after waiting for {@code consistency}.
     */
    PlayerData readPlayerData(String worldId, String playerId, ReadConsistency consistency);

    // ---- worlds (the console's world list and timeline) ---------------------------------------

    /**
     * The ids of worlds this node's history index knows (any key of the world has history, i.e. the
     * world holds or held data), in id order, strictly after {@code after}.
     *
     * @param after the cursor ({@code null} = from the first world): the last id of the previous page
     * @param limit 1 to 10,000
     * @throws ValidationException if {@code limit} is out of range
     */
    List<String> worldIds(String after, int limit);

    /**
     * Counts of a world's current keys, after waiting for {@code consistency}. Costs one pass over
     * the world's current keys (values included), so it grows with the world.
     *
     * @throws ValidationException if the world id breaks the id rule
     */
    WorldSummary worldSummary(String worldId, ReadConsistency consistency);

    /**
     * When a world's changes happened (first, last, density over {@code buckets} equal intervals),
     * from this node's history index, after waiting for {@code consistency}. Costs two passes over the
     * world's history, so it grows with the number of changes.
     *
     * @param buckets 1 to 2,000
     * @throws ValidationException if the world id is invalid or {@code buckets} is out of range
     */
    WorldTimeline timeline(String worldId, int buckets, ReadConsistency consistency);

    /**
     * What {@link #restoreWorld} would do now, without appending anything: keys it would rewrite,
     * delete and leave unchanged ({@code conflicts} is 0: only a real restore can meet them).
     */
    RestoreResult planRestore(String worldId, AsOf asOf);

    /** What a {@link #restoreWorld} did. */
    record RestoreResult(int rewritten, int deleted, int unchanged, int conflicts) {
    }

    // ---- players (global) ------------------------------------------------------------------

    /**
     * Registers a player. Usernames are unique compared case-insensitively; the projector decides
     * races in log order, so exactly one of two concurrent registrations of a name wins on every node.
     *
     * @param playerId the id to use, or {@code null} to generate one
     * @throws UsernameTakenException if another player holds the username
     * @throws ConflictException if the id is already registered
     */
    PlayerRecord registerPlayer(String playerId, String username);

    /**
     * As {@link #registerPlayer}, without waiting for the projector's verdict, so that many
     * registrations can be in flight at once (an import registers thousands). The future completes
     * with the record, or exceptionally with the exception {@link #registerPlayer} would throw
     * (unwrapped). It may complete on one of the node's own threads: callbacks must not block,
     * and must not call back into this store synchronously. The default implementation registers
     * synchronously on the calling thread.
     *
     * @param playerId the id to use, or {@code null} to generate one
     */
    default CompletableFuture<PlayerRecord> registerPlayerAsync(String playerId, String username) {
        try {
            return CompletableFuture.completedFuture(registerPlayer(playerId, username));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** A registered player, after this node's own writes are projected. */
    default Optional<PlayerRecord> player(String playerId) {
        return player(playerId, ReadConsistency.OWN_WRITES);
    }

    /**
     * A registered player. {@code lastSeen} folds in player-state saves of every world, so an
     * {@link ReadConsistency.OwnWrites} read waits for this node's writes in every partition.
     */
    Optional<PlayerRecord> player(String playerId, ReadConsistency consistency);

    /** Looks a player up by username, case-insensitively. */
    default Optional<PlayerRecord> playerByUsername(String username) {
        return playerByUsername(username, ReadConsistency.OWN_WRITES);
    }

    Optional<PlayerRecord> playerByUsername(String username, ReadConsistency consistency);

    // ---- operations --------------------------------------------------------------------------

    /**
     * Waits until the projection includes {@code position}.
     *
     * @throws ProjectionTimeoutException if it does not within {@code timeout}
     */
    void awaitPosition(LogPosition position, Duration timeout);

    /** This node's name, written into the origin header of its events. */
    String nodeId();

    ProjectorState projectorState();

    /** Events waiting to be applied, summed over partitions (0 when caught up). */
    long projectorLag();

    /**
     * Whether this node can append to its log: false while Kafka has been unreachable for its last
     * checks (about two seconds), including from the start of a node that started while Kafka was
     * down. Meanwhile writes fail at once with {@link LogUnavailableException} and loads serve the
     * local projection ("degraded: read-only"); it turns true by itself when Kafka answers again.
     * A volatile read; thread-safe.
     */
    boolean logReachable();

    /** The node's operations: its log, its projection's progress, housekeeping on demand. */
    NodeOperations operations();

    /** The most recent dead-lettered records, newest first. */
    List<DeadLetter> deadLetters(int limit);

    /**
     * Stops the node: waits for background work (a retention sweep, a snapshot), ends the change
     * feeds it handed out, flushes in-flight saves, stops the projector, closes RocksDB and, if
     * started, the embedded broker. Idempotent.
     */
    @Override
    void close();
}
