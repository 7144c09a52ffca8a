package dev.worldstore;

/** The logical tables of the guide. Each is a column family in the projection and a value of the {@code ws.table} event header. */
public enum Table {
    PLAYERS("players"),
    PLAYER_STATES("player_states"),
    ENTITY_STATES("entity_states"),
    WORLD_STATE("world_state"),
    APP_STORAGE("app_storage");

    private final String wireName;

    Table(String wireName) {
        this.wireName = wireName;
    }

    /** The stable name used in event headers, column families and docs. */
    public String wireName() {
        return wireName;
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
