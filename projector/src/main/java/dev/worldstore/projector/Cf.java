package dev.worldstore.projector;

import dev.worldstore.Table;

/**
 * The projection's column families: one per logical table (named by {@link Table#wireName()}) and
 * the bookkeeping families beside them.
 */
enum Cf {
    DEFAULT("default"),
    META("meta"),
    /** Per partition: next offset to apply, records applied and the event time so far, written in every atomic batch. */
    OFFSETS("offsets"),
    PLAYERS(Table.PLAYERS.wireName()),
    /** Normalised username to player id. */
    USERNAMES("usernames"),
    /** Player id to the latest activity (epoch ms), under RocksDB's "max" merge operator. */
    LAST_SEEN("last_seen"),
    PLAYER_STATES(Table.PLAYER_STATES.wireName()),
    ENTITY_STATES(Table.ENTITY_STATES.wireName()),
    WORLD_STATE(Table.WORLD_STATE.wireName()),
    APP_STORAGE(Table.APP_STORAGE.wireName()),
    /** Records that could not be decoded or applied: see {@link DeadLetters}. */
    DEAD_LETTERS("dead_letters"),
    /** Positions of events whose condition failed: the log holds them, the state never did. */
    REJECTED("rejected"),
    /** Per world and idempotency key, the first applied event that carried it: see {@link IdempotencyRecords}. */
    IDEMPOTENCY("idempotency"),
    /** Every applied change per key: see {@link HistoryCodec}. */
    HISTORY("history"),
    /** Per partition, the event time of the log and the positions where it moves: see {@link EventClock}. */
    EVENT_TIMES("event_times");

    final String cfName;

    Cf(String cfName) {
        this.cfName = cfName;
    }

    /** The state family of {@code table}. */
    static Cf of(Table t) {
        return switch (t) {
            case PLAYERS -> PLAYERS;
            case PLAYER_STATES -> PLAYER_STATES;
            case ENTITY_STATES -> ENTITY_STATES;
            case WORLD_STATE -> WORLD_STATE;
            case APP_STORAGE -> APP_STORAGE;
        };
    }

    /** True for families the projector reads back while applying a poll (so pending writes must be visible to it). */
    boolean readBack() {
        return this != HISTORY && this != DEAD_LETTERS && this != REJECTED && this != OFFSETS && this != LAST_SEEN
                && this != EVENT_TIMES;
    }
}
