package dev.worldstore.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Builds Hyperfy world folders the way upstream Hyperfy's {@code src/server/db.js} leaves them
 * (knex over better-sqlite3, 15 migrations applied), with the sqlite-jdbc driver and plain SQL, so
 * the import is tested against files it did not write itself. Deterministic for a given spec.
 *
 * <p>What a world holds: config rows {@code version} ('15'), {@code settings}, {@code spawn} and one
 * more ({@code motd}); the scene blueprint {@code $scene} and its entity; blueprints and entities with
 * 10-character nanoid ids, position/quaternion/scale arrays (some quaternions not normalised),
 * state objects; users whose names clash case-insensitively and width-insensitively ("Bob", "bob",
 * "BOB", "Ｂｏｂ") and one whose name breaks worldstore's username rule; timestamps as
 * {@code moment().toISOString()} writes them; a storage.json. Optionally the {@code rank} variant of
 * the users table and malformed rows (bad JSON, a missing id, data of another id, a vector of 2).
 *
 * <p>From the command line (the benchmark's world):
 * {@code java -cp api/target/test-classes:api/target/worldstore.jar dev.worldstore.cli.HyperfyFixture OUT_DIR
 * --entities=100000 --blueprints=1000 --users=10000}
 */
final class HyperfyFixture {
    private static final String ALPHABET = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict";
    private static final Instant BASE = Instant.parse("2025-03-01T10:00:00.000Z");
    private static final java.time.format.DateTimeFormatter MOMENT = java.time.format.DateTimeFormatter
            .ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(java.time.ZoneOffset.UTC);

    /**
     * @param rankColumn users carry {@code rank} (an integer) instead of {@code roles}
     * @param malformed add rows the import must skip, each with its reason
     * @param storage write a storage.json
     */
    record Spec(int entities, int blueprints, int users, boolean rankColumn, boolean malformed, boolean storage, long seed) {
        static Spec small() {
            return new Spec(300, 30, 12, false, false, true, 42);
        }

        Spec withRank() {
            return new Spec(entities, blueprints, users, true, malformed, storage, seed);
        }

        Spec withMalformed() {
            return new Spec(entities, blueprints, users, rankColumn, true, storage, seed);
        }

        Spec withoutStorage() {
            return new Spec(entities, blueprints, users, rankColumn, malformed, false, seed);
        }
    }

    /** The rows the fixture put in that the import must skip: "table id" (id "-" when the row has none). */
    static final List<String> MALFORMED = List.of("entities badjson001", "entities -", "entities otherid001", "entities shortvec01",
            "blueprints notobject1");

    private HyperfyFixture() {
    }

    static Path write(Path dir, Spec spec) {
        try {
            Files.createDirectories(dir);
            Path db = dir.resolve("db.sqlite");
            Files.deleteIfExists(db);
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath())) {
                c.setAutoCommit(false);
                schema(c, spec.rankColumn());
                rows(c, spec);
                c.commit();
            }
            Path storage = dir.resolve("storage.json");
            if (spec.storage()) {
                Files.writeString(storage, """
                        {
                          "highscores": [{"name": "Bob", "score": 1200}, {"name": "ann", "score": 900.5}],
                          "door:open": true,
                          "weather": {"kind": "rain", "since": "2025-03-01T10:00:00.000Z", "intensity": 0.25},
                          "visits": 1042,
                          "motto": "Hello, world — ünïcödé ✓"
                        }
                        """, StandardCharsets.UTF_8);
            } else {
                Files.deleteIfExists(storage);
            }
            return dir;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot write the fixture world " + dir + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The tables after upstream's 15 migrations (users' vrm column added, then renamed avatar), as knex writes them. */
    private static void schema(Connection c, boolean rank) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("create table `config` (`key` varchar(255), `value` varchar(255), primary key (`key`))");
            s.execute("create table `users` (`id` varchar(255), `name` varchar(255) not null, "
                    + (rank ? "`rank` integer not null default '0'" : "`roles` varchar(255) not null")
                    + ", `createdAt` datetime not null, `avatar` varchar(255), primary key (`id`))");
            s.execute("create table `blueprints` (`id` varchar(255), `data` text not null, `createdAt` datetime not null, "
                    + "`updatedAt` datetime not null, primary key (`id`))");
            s.execute("create table `entities` (`id` varchar(255), `data` text not null, `createdAt` datetime not null, "
                    + "`updatedAt` datetime not null, primary key (`id`))");
        }
    }

    private static void rows(Connection c, Spec spec) throws SQLException {
        SplittableRandom random = new SplittableRandom(spec.seed());
        try (PreparedStatement p = c.prepareStatement("insert into `config` (`key`, `value`) values (?, ?)")) {
            insert(p, "version", "15");
            insert(p, "settings", "{\"title\":\"Fixture World\",\"desc\":\"A world made by HyperfyFixture\",\"image\":null,"
                    + "\"avatar\":{\"url\":\"asset://avatar.vrm\"},\"public\":false,\"playerLimit\":0,\"ao\":true,\"customAvatars\":false,"
                    + "\"rank\":0}");
            insert(p, "spawn", "{\"position\":[1.5,0,-3.25],\"quaternion\":[0,0.7071068,0,0.7071068]}");
            insert(p, "motd", "welcome!");
        }
        List<String> blueprintIds = new ArrayList<>();
        try (PreparedStatement p = c.prepareStatement("insert into `blueprints` (`id`, `data`, `createdAt`, `updatedAt`) values (?, ?, ?, ?)")) {
            insert(p, "$scene", "{\"id\":\"$scene\",\"version\":4,\"name\":\"Scene\",\"image\":null,\"author\":null,\"url\":null,"
                    + "\"desc\":null,\"model\":\"asset://scene.glb\",\"script\":\"asset://scene.js\",\"props\":{\"hour\":4,\"fog\":true},"
                    + "\"preload\":true,\"public\":false,\"locked\":false,\"frozen\":false,\"unique\":false,\"scene\":true,\"disabled\":false}",
                    time(0), time(50));
            blueprintIds.add("$scene");
            for (int i = 0; i < spec.blueprints(); i++) {
                String id = nanoid(random);
                blueprintIds.add(id);
                insert(p, id, "{\"id\":\"" + id + "\",\"version\":" + random.nextInt(20) + ",\"name\":\"Thing " + i + "\",\"image\":"
                        + (i % 3 == 0 ? "null" : "{\"url\":\"asset://" + hex(random) + ".png\"}") + ",\"author\":\"fixture\",\"url\":null,"
                        + "\"desc\":" + (i % 2 == 0 ? "null" : "\"a thing\"") + ",\"model\":\"asset://" + hex(random) + ".glb\","
                        + "\"script\":" + (i % 4 == 0 ? "null" : "\"asset://" + hex(random) + ".js\"") + ",\"props\":{\"color\":\"#"
                        + Integer.toHexString(0x100000 + random.nextInt(0xEFFFFF)) + "\",\"speed\":" + random.nextInt(10) + ".5},"
                        + "\"preload\":false,\"public\":" + (i % 5 == 0) + ",\"locked\":false,\"frozen\":false,\"unique\":" + (i % 7 == 0)
                        + ",\"scene\":false,\"disabled\":false}", time(i), time(i + 100));
            }
            if (spec.malformed()) {
                insert(p, "notobject1", "[1,2,3]", time(1), time(1));
            }
        }
        try (PreparedStatement p = c.prepareStatement("insert into `entities` (`id`, `data`, `createdAt`, `updatedAt`) values (?, ?, ?, ?)")) {
            insert(p, "sceneentty", entity("sceneentty", "$scene", "[0,0,0]", "[0,0,0,1]", "{}"), time(0), time(0));
            for (int i = 0; i < spec.entities(); i++) {
                String id = nanoid(random);
                String bp = blueprintIds.get(random.nextInt(blueprintIds.size()));
                String q = i % 10 == 0 ? "[0.1,0.2,0.3,0.9]" // not normalised, as real worlds have them
                        : "[0," + round(random.nextDouble(-1, 1)) + ",0," + round(random.nextDouble(0, 1)) + "]";
                String pos = "[" + round(random.nextDouble(-500, 500)) + "," + round(random.nextDouble(0, 50)) + ","
                        + round(random.nextDouble(-500, 500)) + "]";
                String state = i % 4 == 0 ? "{\"open\":" + (i % 8 == 0) + ",\"count\":" + i + ",\"tags\":[\"a\",\"b\"]}" : "{}";
                insert(p, id, entity(id, bp, pos, q, state), time(i), time(i + random.nextInt(1000)));
            }
            if (spec.malformed()) {
                insert(p, "badjson001", "{\"id\":\"badjson001\",\"type\":\"app\",", time(1), time(1));
                insert(p, null, entity("nullid0001", "$scene", "[0,0,0]", "[0,0,0,1]", "{}"), time(1), time(1));
                insert(p, "otherid001", entity("someoneels", "$scene", "[0,0,0]", "[0,0,0,1]", "{}"), time(1), time(1));
                insert(p, "shortvec01", entity("shortvec01", "$scene", "[1,2]", "[0,0,0,1]", "{}"), time(1), time(1));
            }
        }
        try (PreparedStatement p = c.prepareStatement("insert into `users` (`id`, `name`, `" + (spec.rankColumn() ? "rank" : "roles")
                + "`, `createdAt`, `avatar`) values (?, ?, ?, ?, ?)")) {
            String[] clashing = {"Bob", "bob", "BOB", "\uFF22\uFF4F\uFF42"};
            for (int i = 0; i < spec.users(); i++) {
                String id = nanoid(random);
                String name = i < clashing.length ? clashing[i] : i == clashing.length ? "\u2728 Star!" : "user " + i;
                p.setString(1, id);
                p.setString(2, name);
                if (spec.rankColumn()) {
                    p.setLong(3, i == 0 ? 2 : i % 3 == 0 ? 1 : 0);
                } else {
                    p.setString(3, i == 0 ? "admin" : i % 3 == 0 ? "builder" : "");
                }
                // the clashing names in reverse order of creation: the last "Bob" row is the first user
                p.setString(4, time(i < clashing.length ? 10 * (clashing.length - i) : 100 + i));
                if (i % 2 == 0) {
                    p.setString(5, "asset://" + hex(random) + ".vrm");
                } else {
                    p.setNull(5, java.sql.Types.NULL);
                }
                p.addBatch();
            }
            p.executeBatch();
        }
    }

    static String entity(String id, String blueprint, String position, String quaternion, String state) {
        return "{\"id\":\"" + id + "\",\"type\":\"app\",\"blueprint\":\"" + blueprint + "\",\"position\":" + position + ",\"quaternion\":"
                + quaternion + ",\"scale\":[1,1,1],\"mover\":null,\"uploader\":null,\"pinned\":false,\"state\":" + state + "}";
    }

    private static void insert(PreparedStatement p, String... values) throws SQLException {
        for (int i = 0; i < values.length; i++) {
            p.setString(i + 1, values[i]);
        }
        p.executeUpdate();
    }

    /** As {@code moment().toISOString()} writes it: always three digits of milliseconds. */
    private static String time(long i) {
        return MOMENT.format(BASE.plusMillis(i * 61_001L));
    }

    private static String round(double d) {
        return String.format(Locale.ROOT, "%.4f", d).replaceFirst("\\.?0+$", "").replaceFirst("^-0$", "0");
    }

    private static String nanoid(SplittableRandom random) {
        StringBuilder b = new StringBuilder(10);
        for (int i = 0; i < 10; i++) {
            b.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }

    private static String hex(SplittableRandom random) {
        return Long.toHexString(random.nextLong() | Long.MIN_VALUE);
    }

    /** {@code OUT_DIR [--entities=N] [--blueprints=N] [--users=N] [--rank]}: writes a world folder for the benchmark. */
    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: HyperfyFixture OUT_DIR [--entities=N] [--blueprints=N] [--users=N] [--rank]");
            System.exit(2);
        }
        int entities = 100_000;
        int blueprints = 1_000;
        int users = 10_000;
        boolean rank = false;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--entities=")) {
                entities = Integer.parseInt(a.substring(11));
            } else if (a.startsWith("--blueprints=")) {
                blueprints = Integer.parseInt(a.substring(13));
            } else if (a.startsWith("--users=")) {
                users = Integer.parseInt(a.substring(8));
            } else if (a.equals("--rank")) {
                rank = true;
            } else {
                System.err.println("unknown option " + a);
                System.exit(2);
            }
        }
        long t0 = System.nanoTime();
        Path dir = write(Path.of(args[0]), new Spec(entities, blueprints, users, rank, false, true, 7));
        System.out.printf(Locale.ROOT, "wrote %s: %,d entities, %,d blueprints, %,d users in %.1f s%n", dir, entities + 1, blueprints + 1,
                users, (System.nanoTime() - t0) / 1e9);
    }
}
