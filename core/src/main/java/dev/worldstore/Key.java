package dev.worldstore;

import java.util.Objects;

/**
 * The address of one stored value. A closed set: one record per logical table of the guide.
 * Records check that required parts are present; the character and length rules of ids are
 * checked by the store on write (so the error can name the field), not here.
 */
public sealed interface Key permits Key.Player, Key.PlayerState, Key.Entity, Key.WorldState, Key.AppData {

    Table table();

    /** The world this key belongs to, or {@code null} for the global players table. */
    String worldId();

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

        /** True when this key is world-wide rather than per player. */
        public boolean worldWide() {
            return playerId == null;
        }
    }
}
