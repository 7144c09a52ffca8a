package dev.worldstore.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteConfig;

/**
 * Hyperfy's kind of storage: one SQLite database file in WAL mode, a {@code player_states} table
 * with the state as a JSON TEXT column under a (world, player) primary key, upserted by one thread;
 * for the batch rows an {@code entities} table of the same shape ((world, entity) -> JSON TEXT).
 */
final class Sqlite {
    private static final String UPSERT = "INSERT INTO player_states (world_id, player_id, state, updated_at) VALUES (?, ?, ?, ?) "
            + "ON CONFLICT (world_id, player_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at";
    private static final String ENTITY_UPSERT = "INSERT INTO entities (world_id, entity_id, data, updated_at) VALUES (?, ?, ?, ?) "
            + "ON CONFLICT (world_id, entity_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at";
    private static final String LOAD = "SELECT state FROM player_states WHERE world_id = ? AND player_id = ?";

    /** {@code PRAGMA synchronous}: FULL survives a power loss, NORMAL (in WAL mode) only a process crash. */
    enum Sync {
        NORMAL, FULL
    }

    private final String url;
    private final Sync sync;
    private final Workload workload;

    Sqlite(Path file, Sync sync, Workload workload) throws SQLException {
        this.url = "jdbc:sqlite:" + file.toAbsolutePath();
        this.sync = sync;
        this.workload = workload;
        try (Connection c = connect(false); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS player_states (world_id TEXT NOT NULL, player_id TEXT NOT NULL, "
                    + "state TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (world_id, player_id))");
        }
    }

    private Connection connect(boolean readOnly) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(sync == Sync.FULL ? SQLiteConfig.SynchronousMode.FULL : SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(10_000);
        config.setReadOnly(readOnly);
        return config.createConnection(url);
    }

    /**
     * Upserts on one connection, committing every {@code perTransaction} saves. With 1, each upsert
     * runs in autocommit mode: its own implicit transaction, as better-sqlite3's {@code stmt.run()} does.
     */
    Writer writer(int perTransaction) throws SQLException {
        return writer(perTransaction, UPSERT, (upsert, key, variant) -> {
            upsert.setString(1, Workload.worldId(key));
            upsert.setString(2, Workload.playerId(key));
            upsert.setString(3, workload.text(variant));
        });
    }

    /**
     * Upserts of {@link Entities} rows (the variant is not used: each key has one value), on one
     * connection, committing every {@code perTransaction} saves.
     */
    Writer entityWriter(Entities entities, int perTransaction) throws SQLException {
        try (Connection c = connect(false); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS entities (world_id TEXT NOT NULL, entity_id TEXT NOT NULL, "
                    + "data TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (world_id, entity_id))");
        }
        return writer(perTransaction, ENTITY_UPSERT, (upsert, key, variant) -> {
            upsert.setString(1, Entities.worldId(key));
            upsert.setString(2, Entities.entityId(key));
            upsert.setString(3, entities.text(key));
        });
    }

    /** {@code sql}'s fourth parameter is the time of the save. */
    private Writer writer(int perTransaction, String sql, JdbcUpserts.Binder binder) throws SQLException {
        return JdbcUpserts.writer(connect(false), sql, perTransaction, binder, "SQLite");
    }

    /** Primary-key loads, each load thread on its own read-only connection. */
    Reader.Source loads() {
        return () -> JdbcUpserts.loader(connect(true), LOAD, "SQLite");
    }
}
