package dev.worldstore.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sqlite.SQLiteConfig;

/**
 * A Hyperfy world folder on disk: {@code db.sqlite} as upstream Hyperfy's {@code src/server/db.js}
 * (knex over better-sqlite3) writes it, and {@code storage.json} beside it. Reads every row as it is
 * (values keep their SQLite type: text, integer, real or null) and writes a folder upstream Hyperfy
 * opens: the tables its migrations create, with the {@code version} row that tells them which have
 * run. Stateless; each call opens and closes its own connection.
 *
 * <p>The schema, as knex's SQLite dialect creates it (a {@code string} column is
 * {@code varchar(255)}, a {@code timestamp} is {@code datetime}):
 *
 * <pre>
 * config(key varchar(255) primary key, value varchar(255))
 * users(id varchar(255) primary key, name varchar(255) not null, roles varchar(255) not null,
 *       createdAt datetime not null, avatar varchar(255))            -- roles: rank in some versions
 * blueprints(id varchar(255) primary key, data text not null, createdAt datetime not null, updatedAt datetime not null)
 * entities(id varchar(255) primary key, data text not null, createdAt datetime not null, updatedAt datetime not null)
 * </pre>
 */
final class HyperfyDb {
    static final String DB_FILE = "db.sqlite";
    static final String STORAGE_FILE = "storage.json";
    /** The users columns of the current upstream schema, in table order. */
    static final List<String> USER_COLUMNS = List.of("id", "name", "roles", "createdAt", "avatar");

    private HyperfyDb() {
    }

    /** One row of {@code blueprints} or {@code entities}: {@code data} as the text Hyperfy wrote (null if the column was null). */
    record DataRow(String id, String data, Object createdAt, Object updatedAt) {
    }

    /** One row of {@code users}: its id and every other column, in table order, with its SQLite value. */
    record UserRow(String id, Map<String, Object> columns) {
    }

    /**
     * A world folder's contents.
     *
     * @param config the config table, key to value, in key order
     * @param userColumns the users table's columns in table order (id first)
     * @param storageJson the text of storage.json, or {@code null} when there is none
     */
    record Contents(Map<String, Object> config, List<String> userColumns, List<UserRow> users, List<DataRow> blueprints,
            List<DataRow> entities, String storageJson) {

        long rows() {
            return config.size() + users.size() + blueprints.size() + entities.size() + (storageJson == null ? 0 : 1);
        }
    }

    /** The database of a world folder, or the file itself when {@code path} names one. */
    static Path databaseOf(Path path) {
        return Files.isDirectory(path) ? path.resolve(DB_FILE) : path;
    }

    /**
     * Reads a world folder (or its {@code db.sqlite}; {@code storage.json} is looked for beside it).
     * A missing table reads as empty (an old or partial world): the import says so.
     *
     * @throws CliFailure if the database cannot be opened or read
     */
    static Contents read(Path path) {
        Path db = databaseOf(path);
        if (!Files.isRegularFile(db)) {
            throw new CliFailure(db + " does not exist: give a Hyperfy world folder (holding db.sqlite) or its db.sqlite");
        }
        try (Connection c = connect(db, true)) {
            List<String> tables = tables(c);
            Map<String, Object> config = new LinkedHashMap<>();
            if (tables.contains("config")) {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select key, value from config order by key")) {
                    while (rs.next()) {
                        config.put(rs.getString(1), value(rs.getObject(2)));
                    }
                }
            }
            List<String> userColumns = new ArrayList<>();
            List<UserRow> users = new ArrayList<>();
            if (tables.contains("users")) {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select * from users order by id")) {
                    ResultSetMetaData md = rs.getMetaData();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        userColumns.add(md.getColumnName(i));
                    }
                    int idAt = userColumns.indexOf("id") + 1;
                    while (rs.next()) {
                        Map<String, Object> columns = new LinkedHashMap<>();
                        for (int i = 1; i <= userColumns.size(); i++) {
                            if (i != idAt) {
                                columns.put(userColumns.get(i - 1), value(rs.getObject(i)));
                            }
                        }
                        users.add(new UserRow(idAt == 0 ? null : rs.getString(idAt), columns));
                    }
                }
            }
            List<DataRow> blueprints = tables.contains("blueprints") ? dataRows(c, "blueprints") : List.of();
            List<DataRow> entities = tables.contains("entities") ? dataRows(c, "entities") : List.of();
            Path storage = (db.getParent() == null ? Path.of(".") : db.getParent()).resolve(STORAGE_FILE);
            String storageJson = Files.isRegularFile(storage) ? Files.readString(storage, StandardCharsets.UTF_8) : null;
            return new Contents(config, userColumns, users, blueprints, entities, storageJson);
        } catch (SQLException e) {
            throw new CliFailure("cannot read " + db + " as a Hyperfy world database: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new CliFailure("cannot read " + STORAGE_FILE + " beside " + db + ": " + e.getMessage(), e);
        }
    }

    private static List<DataRow> dataRows(Connection c, String table) throws SQLException {
        List<DataRow> rows = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select id, data, createdAt, updatedAt from " + table + " order by id")) {
            while (rs.next()) {
                Object data = rs.getObject(2);
                String text = data instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : data == null ? null : data.toString();
                rows.add(new DataRow(rs.getString(1), text, value(rs.getObject(3)), value(rs.getObject(4))));
            }
        }
        return rows;
    }

    /** A column's value as JSON can hold it: text, a whole number (as Long), a real (as Double), null; a blob as text. */
    private static Object value(Object o) {
        if (o instanceof Integer i) {
            return i.longValue();
        }
        if (o instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        if (o instanceof Float f) {
            return f.doubleValue();
        }
        return o;
    }

    private static List<String> tables(Connection c) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select name from sqlite_master where type = 'table'")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    static Connection connect(Path db, boolean readOnly) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(readOnly);
        config.setBusyTimeout(10_000);
        return config.createConnection("jdbc:sqlite:" + db.toAbsolutePath());
    }

    /**
     * Writes a world folder: {@code db.sqlite} with upstream's schema and {@code storage.json}
     * ({@code {}} when {@code contents} has none). Both are written to temporary files in
     * {@code dir} and moved in place when complete, so a folder never holds half a database.
     *
     * @param replace overwrite existing files; otherwise an existing {@code db.sqlite} is refused
     * @throws CliFailure if the folder cannot be written
     */
    static void write(Path dir, Contents contents, boolean replace) {
        Path db = dir.resolve(DB_FILE);
        if (!replace && Files.exists(db)) {
            throw new CliFailure(db + " exists; give an empty folder, or --force to replace it");
        }
        Path tmpDb = null;
        Path tmpStorage = null;
        try {
            Files.createDirectories(dir);
            tmpDb = Files.createTempFile(dir, ".db.sqlite.", ".tmp");
            Files.delete(tmpDb); // SQLite creates the file itself
            writeDatabase(tmpDb, contents);
            // a name of its own in the folder (renamed into place below), made as db.sqlite is: not createTempFile, whose 0600 mode would stay
            tmpStorage = dir.resolve(".storage.json." + java.util.UUID.randomUUID() + ".tmp");
            Files.writeString(tmpStorage, contents.storageJson() == null ? "{}" : contents.storageJson(), StandardCharsets.UTF_8);
            move(tmpDb, db);
            tmpDb = null;
            move(tmpStorage, dir.resolve(STORAGE_FILE));
            tmpStorage = null;
        } catch (SQLException e) {
            throw new CliFailure("cannot write " + db + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new CliFailure("cannot write into " + dir + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmpDb);
            deleteQuietly(tmpStorage);
        }
    }

    private static void writeDatabase(Path db, Contents contents) throws SQLException {
        try (Connection c = connect(db, false)) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("create table `config` (`key` varchar(255), `value` varchar(255), primary key (`key`))");
                s.execute("create table `users` (" + userColumnsDdl(contents.userColumns()) + ", primary key (`id`))");
                for (String table : List.of("blueprints", "entities")) {
                    s.execute("create table `" + table + "` (`id` varchar(255), `data` text not null, `createdAt` datetime not null, "
                            + "`updatedAt` datetime not null, primary key (`id`))");
                }
            }
            try (PreparedStatement p = c.prepareStatement("insert into `config` (`key`, `value`) values (?, ?)")) {
                for (Map.Entry<String, Object> e : contents.config().entrySet()) {
                    p.setString(1, e.getKey());
                    bind(p, 2, e.getValue());
                    p.addBatch();
                }
                p.executeBatch();
            }
            List<String> columns = contents.userColumns();
            StringBuilder names = new StringBuilder();
            StringBuilder marks = new StringBuilder();
            for (String col : columns) {
                names.append(names.length() == 0 ? "" : ", ").append('`').append(col).append('`');
                marks.append(marks.length() == 0 ? "?" : ", ?");
            }
            try (PreparedStatement p = c.prepareStatement("insert into `users` (" + names + ") values (" + marks + ")")) {
                for (UserRow u : contents.users()) {
                    for (int i = 0; i < columns.size(); i++) {
                        bind(p, i + 1, columns.get(i).equals("id") ? u.id() : u.columns().get(columns.get(i)));
                    }
                    p.addBatch();
                }
                p.executeBatch();
            }
            insertData(c, "blueprints", contents.blueprints());
            insertData(c, "entities", contents.entities());
            c.commit();
        }
    }

    /** The users columns as knex created them: {@code name}, {@code roles} and {@code createdAt} not null, a {@code rank} integer. */
    private static String userColumnsDdl(List<String> columns) {
        StringBuilder b = new StringBuilder();
        for (String col : columns) {
            String type = switch (col) {
                case "createdAt" -> "datetime not null";
                case "name", "roles" -> "varchar(255) not null";
                case "rank" -> "integer not null default '0'";
                default -> "varchar(255)";
            };
            b.append(b.length() == 0 ? "" : ", ").append('`').append(col.replace("`", "``")).append("` ").append(type);
        }
        return b.toString();
    }

    private static void insertData(Connection c, String table, List<DataRow> rows) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("insert into `" + table + "` (`id`, `data`, `createdAt`, `updatedAt`) "
                + "values (?, ?, ?, ?)")) {
            int n = 0;
            for (DataRow r : rows) {
                p.setString(1, r.id());
                p.setString(2, r.data());
                bind(p, 3, r.createdAt());
                bind(p, 4, r.updatedAt());
                p.addBatch();
                if (++n % 10_000 == 0) {
                    p.executeBatch();
                }
            }
            p.executeBatch();
        }
    }

    /** Binds a value with the SQLite type it was read with. */
    private static void bind(PreparedStatement p, int at, Object v) throws SQLException {
        if (v == null) {
            p.setNull(at, java.sql.Types.NULL);
        } else if (v instanceof Long l) {
            p.setLong(at, l);
        } else if (v instanceof Double d) {
            p.setDouble(at, d);
        } else if (v instanceof Boolean b) {
            p.setLong(at, b ? 1 : 0);
        } else {
            p.setString(at, v.toString());
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // a temporary file: best effort
            }
        }
    }
}
