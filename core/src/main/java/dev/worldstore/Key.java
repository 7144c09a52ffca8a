package dev.worldstore;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The address of one stored value. A closed set: one record per logical table of the guide.
 * Records check that required parts are present; the character and length rules of ids are checked
 * by {@link #check()} (the store calls it on every read and write), so the error can name the field.
 *
 * <p>Per-table facts live here and in {@link Table}, not at the places that use keys: a key's ids
 * ({@link #id(int)}, {@link #ids()}) follow its table's {@link Table#idFields()}, so a key is written
 * to JSON, to the projection's key layout or to a message the same way whatever its table.
 *
 * <p>Immutable and thread-safe.
 */
public sealed interface Key permits Key.Player, Key.PlayerState, Key.Entity, Key.WorldState, Key.AppData {

    Table table();

    /** The world this key belongs to, or {@code null} for the global players table. */
    String worldId();

    /**
     * The id at {@code index} of {@link Table#idFields()}; {@code null} only for the player of
     * world-wide app data.
     *
     * @throws IndexOutOfBoundsException outside {@code 0 .. idFields().size() - 1}
     */
    String id(int index);

    /** Every id in {@link Table#idFields()} order (a {@code null} player for world-wide app data). Unmodifiable. */
    default List<String> ids() {
        int n = table().idFields().size();
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(id(i));
        }
        return Collections.unmodifiableList(ids);
    }

    /**
     * Checks every id against its rule: ids are 1 to 128 characters of {@code A-Z a-z 0-9 _ - . : @ $}
     * ({@code $} for Hyperfy's {@code $scene});
     * an app's {@code key} may also hold {@code /} and be up to 256 long.
     *
     * @throws ValidationException {@link ErrorCode#INVALID_ID} naming the first field that breaks its rule
     */
    default void check() {
        List<String> fields = table().idFields();
        for (int i = 0; i < fields.size(); i++) {
            String field = fields.get(i);
            String id = id(i);
            if (this instanceof AppData && field.equals("key")) {
                Ids.checkAppKey(field, id);
            } else if (!(this instanceof AppData && id == null && field.equals("playerId"))) {
                Ids.checkId(field, id);
            }
        }
    }

    /**
     * The key in words for messages, e.g. {@code world 'w1', entity 'door-1'}; never null.
     */
    String describe();

    /**
     * Checks a world id alone.
     *
     * @throws ValidationException {@link ErrorCode#INVALID_ID} on field {@code worldId}
     */
    static void checkWorldId(String worldId) {
        Ids.checkId("worldId", worldId);
    }

    /** A player registration: global, not per world. */
    record Player(String playerId) implements Key {
        public Player {
            Objects.requireNonNull(playerId, "playerId");
        }

        @Override
        public Table table() {
            return Table.PLAYERS;
        }

        @Override
        public String worldId() {
            return null;
        }

        @Override
        public String id(int index) {
            Objects.checkIndex(index, 1);
            return playerId;
        }

        @Override
        public String describe() {
            return "player '" + playerId + "'";
        }
    }

    /** A player's state in one world. */
    record PlayerState(String worldId, String playerId) implements Key {
        public PlayerState {
            Objects.requireNonNull(worldId, "worldId");
            Objects.requireNonNull(playerId, "playerId");
        }

        @Override
        public Table table() {
            return Table.PLAYER_STATES;
        }

        @Override
        public String id(int index) {
            return Objects.checkIndex(index, 2) == 0 ? worldId : playerId;
        }

        @Override
        public String describe() {
            return "world '" + worldId + "', player '" + playerId + "' (player state)";
        }
    }

    /** An entity of one world. */
    record Entity(String worldId, String entityId) implements Key {
        public Entity {
            Objects.requireNonNull(worldId, "worldId");
            Objects.requireNonNull(entityId, "entityId");
        }

        @Override
        public Table table() {
            return Table.ENTITY_STATES;
        }

        @Override
        public String id(int index) {
            return Objects.checkIndex(index, 2) == 0 ? worldId : entityId;
        }

        @Override
        public String describe() {
            return "world '" + worldId + "', entity '" + entityId + "'";
        }
    }

    /** The world-level state of one world. */
    record WorldState(String worldId) implements Key {
        public WorldState {
            Objects.requireNonNull(worldId, "worldId");
        }

        @Override
        public Table table() {
            return Table.WORLD_STATE;
        }

        @Override
        public String id(int index) {
            Objects.checkIndex(index, 1);
            return worldId;
        }

        @Override
        public String describe() {
            return "world '" + worldId + "' (world state)";
        }
    }

    /** One key of an app's storage; world-wide when {@code playerId} is {@code null}. */
    record AppData(String worldId, String appId, String playerId, String key) implements Key {
        public AppData {
            Objects.requireNonNull(worldId, "worldId");
            Objects.requireNonNull(appId, "appId");
            Objects.requireNonNull(key, "key");
        }

        @Override
        public Table table() {
            return Table.APP_STORAGE;
        }

        @Override
        public String id(int index) {
            return switch (Objects.checkIndex(index, 4)) {
                case 0 -> worldId;
                case 1 -> appId;
                case 2 -> playerId;
                default -> key;
            };
        }

        /** True when this key is world-wide rather than per player. */
        public boolean worldWide() {
            return playerId == null;
        }

        @Override
        public String describe() {
            return "world '" + worldId + "', app '" + appId + "', " + (playerId == null ? "world-wide" : "player '" + playerId + "'")
                    + ", key '" + key + "'";
        }
    }
}
