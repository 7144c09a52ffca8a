package dev.worldstore;

import java.util.List;

/**
 * The logical tables of the guide, and what differs between them: the stable wire name (event
 * header {@code ws.table}, column family, docs) and the id fields that address one value, in
 * order. A {@link Key}'s {@link Key#ids()} follow {@link #idFields()}, so code that writes or reads
 * keys generically (feeds, snapshots, the projection's key layout) needs no per-table branches.
 */
public enum Table {
    PLAYERS("players", List.of("playerId")),
    PLAYER_STATES("player_states", List.of("worldId", "playerId")),
    ENTITY_STATES("entity_states", List.of("worldId", "entityId")),
    WORLD_STATE("world_state", List.of("worldId")),
    /** App data: {@code playerId} is {@code null} for world-wide data. */
    APP_STORAGE("app_storage", List.of("worldId", "appId", "playerId", "key"));

    private final String wireName;
    private final List<String> idFields;

    Table(String wireName, List<String> idFields) {
        this.wireName = wireName;
        this.idFields = idFields;
    }

    /** The stable name used in event headers, column families and docs. */
    public String wireName() {
        return wireName;
    }

    /**
     * The names of the ids that address a value of this table, in key order, as JSON members of
     * change events, history and snapshots name them. Immutable.
     */
    public List<String> idFields() {
        return idFields;
    }

    /** True for the tables of one world (every table but {@link #PLAYERS}). */
    public boolean perWorld() {
        return this != PLAYERS;
    }

    /**
     * The key of this table with the given ids, in {@link #idFields()} order ({@code null} only for
     * the player of world-wide app data). Ids are not checked here; see {@link Key#check()}.
     *
     * @throws IllegalArgumentException if the count of ids is not this table's
     * @throws NullPointerException if a required id is null
     */
    public Key key(String... ids) {
        if (ids.length != idFields.size()) {
            throw new IllegalArgumentException(wireName + " keys have " + idFields.size() + " ids " + idFields + ", got " + ids.length);
        }
        return switch (this) {
            case PLAYERS -> new Key.Player(ids[0]);
            case PLAYER_STATES -> new Key.PlayerState(ids[0], ids[1]);
            case ENTITY_STATES -> new Key.Entity(ids[0], ids[1]);
            case WORLD_STATE -> new Key.WorldState(ids[0]);
            case APP_STORAGE -> new Key.AppData(ids[0], ids[1], ids[2], ids[3]);
        };
    }

    /** @throws IllegalArgumentException if {@code name} is not a table's wire name */
    public static Table fromWireName(String name) {
        for (Table t : values()) {
            if (t.wireName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown table: " + name);
    }
}
