package dev.worldstore;

import java.util.Objects;

/**
 * A range of keys to list, in key order, one page at a time.
 *
 * @param after the cursor: list keys strictly after this id ({@code null} = from the start);
 *     pass back {@link Page#next()}
 * @param limit most entries in one page, 1 to 10,000
 */
public record Scan(Prefix prefix, String after, int limit) {
    public static final int MAX_LIMIT = 10_000;

    public Scan {
        Objects.requireNonNull(prefix, "prefix");
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "limit", "must be between 1 and " + MAX_LIMIT + ", was " + limit);
        }
    }

    /**
     * What to list: a closed set. Every listed key shares all ids but the last with the prefix; the
     * last id ({@link #keyOf}) is what pages and cursors move over.
     */
    public sealed interface Prefix permits Entities, PlayerStates, AppData {
        String worldId();

        /** The table listed. */
        Table table();

        /** The listed key whose last id is {@code lastId}. */
        Key keyOf(String lastId);

        /**
         * Checks the ids of the prefix.
         *
         * @throws ValidationException {@link ErrorCode#INVALID_ID} naming the field
         */
        default void check() {
            Ids.checkId("worldId", worldId());
        }
    }

    /** All entities of a world. */
    public record Entities(String worldId) implements Prefix {
        public Entities {
            Objects.requireNonNull(worldId, "worldId");
        }

        @Override
        public Table table() {
            return Table.ENTITY_STATES;
        }

        @Override
        public Key keyOf(String lastId) {
            return new Key.Entity(worldId, lastId);
        }
    }

    /** All player states of a world. */
    public record PlayerStates(String worldId) implements Prefix {
        public PlayerStates {
            Objects.requireNonNull(worldId, "worldId");
        }

        @Override
        public Table table() {
            return Table.PLAYER_STATES;
        }

        @Override
        public Key keyOf(String lastId) {
            return new Key.PlayerState(worldId, lastId);
        }
    }

    /** One app's keys in a world, world-wide ({@code playerId == null}) or for one player, whose key starts with {@code keyPrefix}. */
    public record AppData(String worldId, String appId, String playerId, String keyPrefix) implements Prefix {
        public AppData {
            Objects.requireNonNull(worldId, "worldId");
            Objects.requireNonNull(appId, "appId");
            keyPrefix = keyPrefix == null ? "" : keyPrefix;
        }

        @Override
        public Table table() {
            return Table.APP_STORAGE;
        }

        @Override
        public Key keyOf(String lastId) {
            return new Key.AppData(worldId, appId, playerId, lastId);
        }

        @Override
        public void check() {
            Ids.checkId("worldId", worldId);
            Ids.checkId("appId", appId);
            if (playerId != null) {
                Ids.checkId("playerId", playerId);
            }
            Ids.checkAppKeyPrefix("prefix", keyPrefix);
        }
    }
}
