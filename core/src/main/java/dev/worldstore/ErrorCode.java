package dev.worldstore;

/**
 * Stable error codes. Clients match on these (they appear as {@code code} in HTTP problem
 * documents); the names never change once released.
 */
public enum ErrorCode {
    /** An id (world, player, entity, app, key) breaks the id rule. */
    INVALID_ID(false),
    /** A value's shape breaks a rule (e.g. position is not three numbers). */
    INVALID_SHAPE(false),
    /**
     * A value given as JSON text is not one well-formed JSON value (syntax error, trailing
     * content, duplicate key, nesting deeper than 200, no value at all); the message names the
     * line and column.
     */
    INVALID_JSON(false),
    /** A value is larger than {@code value.max.bytes}. */
    VALUE_TOO_LARGE(false),
    /** Any other bad argument (a malformed log position, a negative limit, ...). */
    INVALID_ARGUMENT(false),
    /** An expected-version write found another version. */
    VERSION_CONFLICT(false),
    /** A create-only write found a value. */
    ALREADY_EXISTS(false),
    /** A batch's conditions did not all hold: nothing of it was applied (the error lists every failing change). */
    BATCH_CONFLICT(false),
    /**
     * A delete found no value at its key (nothing changed, nothing recorded); over HTTP also a
     * read of a key that holds no value.
     */
    KEY_NOT_FOUND(false),
    /**
     * An idempotency key was already used, within its window, by a write to the same world that
     * asked something else (another key, value, condition or batch): nothing was applied. A retry
     * must repeat the request exactly; a new write needs a new key.
     */
    IDEMPOTENCY_KEY_REUSED(false),
    /** A player registration asked for a username another player holds (case-insensitive). */
    USERNAME_TAKEN(false),
    /**
     * A change feed asked to resume from a position the log no longer holds: topic retention
     * ({@code kafka.topic.retention.ms}) or a deletion of records removed changes after it, so the
     * feed could not continue without a gap. Resume from the log's current start knowing changes were
     * missed (e.g. reload the world's state first), or start live.
     */
    POSITION_EXPIRED(false),
    /** Stored data could not be decoded; the load reports it instead of crashing. */
    CORRUPT_DATA(false),
    /** The local RocksDB projection failed. */
    STORAGE_FAILURE(false),
    /** The store was closed. */
    STORE_CLOSED(false),
    /**
     * The event was appended but the projector could not apply it and kept it as a dead letter
     * (see {@code WorldStore.deadLetters}): a server-side failure, not the request's.
     */
    EVENT_REJECTED(false),
    /** A configuration value breaks its rule. */
    INVALID_CONFIG(false),
    /** The projection did not reach a required log position in time; retry later. */
    PROJECTION_TIMEOUT(true),
    /**
     * Kafka is unreachable, or this node holds too many unacknowledged writes
     * ({@code write.max.inflight.bytes}): the write was not appended; retry later.
     */
    LOG_UNAVAILABLE(true),
    /**
     * No outcome within {@code write.timeout.ms}: the write may have been appended and may still be
     * applied. Retry it with the same idempotency key to apply it at most once (or with a condition).
     */
    OUTCOME_UNKNOWN(true),
    /** The calling thread was interrupted while it waited (for Kafka, a verdict or the projection); the call may be retried. */
    INTERRUPTED(true);

    private final boolean retriable;

    ErrorCode(boolean retriable) {
        this.retriable = retriable;
    }

    /** True when retrying the same request later may succeed. */
    public boolean retriable() {
        return retriable;
    }
}
