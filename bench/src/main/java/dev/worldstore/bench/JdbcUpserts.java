package dev.worldstore.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/** The JDBC peers' writer (SQLite, PostgreSQL): one upsert statement on one connection, committed every N saves. */
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
                try {
                    upsert.close();
                    c.close();
                } catch (SQLException e) {
                    throw new IllegalStateException("closing " + store + " failed: " + e.getMessage(), e);
                }
            }
        };
    }
}
