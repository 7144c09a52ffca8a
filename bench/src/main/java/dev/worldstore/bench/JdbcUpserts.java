package dev.worldstore.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The JDBC peers' writer and loader (SQLite, PostgreSQL): one upsert statement on one connection,
 * committed every N saves; one primary-key select per load thread.
 */
final class JdbcUpserts {
    private JdbcUpserts() {
    }

    /** Sets an upsert's first three parameters (the key and the JSON) for one save. */
    @FunctionalInterface
    interface Binder {
        void bind(PreparedStatement upsert, int key, int variant) throws SQLException;
    }

    /**
     * Upserts through {@code sql} on {@code c}, whose fourth parameter is the time of the save,
     * committing every {@code perTransaction} saves (1: autocommit, each upsert its own
     * transaction). The writer owns {@code c} and closes it; {@code store} names it in errors.
     */
    static Writer writer(Connection c, String sql, int perTransaction, Binder binder, String store) throws SQLException {
        boolean autocommit = perTransaction == 1;
        c.setAutoCommit(autocommit);
        PreparedStatement upsert = c.prepareStatement(sql);
        return new BatchingWriter(perTransaction) {
            @Override
            void add(int key, int variant) throws SQLException {
                binder.bind(upsert, key, variant);
                upsert.setLong(4, System.currentTimeMillis());
                upsert.executeUpdate();
            }

            @Override
            void commit() throws SQLException {
                if (!autocommit) {
                    c.commit();
                }
            }

            @Override
            public void close() {
                closeAll(upsert, c, store);
            }
        };
    }

    /**
     * Loads by primary key through {@code sql} (parameters world id and player id; the value in
     * column 1) on {@code c}, which the reader owns and closes; a missing row is an error naming
     * {@code store}.
     */
    static Reader loader(Connection c, String sql, String store) throws SQLException {
        PreparedStatement load = c.prepareStatement(sql);
        return new Reader() {
            @Override
            public void read(int key) throws SQLException {
                load.setString(1, Workload.worldId(key));
                load.setString(2, Workload.playerId(key));
                try (ResultSet rs = load.executeQuery()) {
                    if (!rs.next() || rs.getString(1) == null) {
                        throw new IllegalStateException(store + " has no row for key " + key);
                    }
                }
            }

            @Override
            public void close() {
                closeAll(load, c, store);
            }
        };
    }

    /** Closes a statement and its connection; a failure is unchecked, naming {@code store}. */
    private static void closeAll(PreparedStatement statement, Connection c, String store) {
        try {
            statement.close();
            c.close();
        } catch (SQLException e) {
            throw new IllegalStateException("closing " + store + " failed: " + e.getMessage(), e);
        }
    }
}
