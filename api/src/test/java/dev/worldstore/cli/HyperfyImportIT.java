package dev.worldstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.PlayerRecord;
import dev.worldstore.Stored;
import dev.worldstore.World;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.http.HttpConfig;
import dev.worldstore.http.HttpServer;
import dev.worldstore.projector.StoreFixture;
import dev.worldstore.projector.WorldStores;
import dev.worldstore.testing.TestKafka;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code import-hyperfy} and {@code export-hyperfy} as an operator runs them: the CLI in-process,
 * its own node on the shared test broker (local path) or a real HTTP server (HTTP path), worlds the
 * fixture wrote as real SQLite files, and a second node to look at the result.
 */
class HyperfyImportIT {
    @TempDir
    Path tmp;

    StoreFixture fixture;
    WorldStore viewer;

    @BeforeEach
    void open() {
        fixture = new StoreFixture();
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    record Run(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    private Run cli(String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--kafka.bootstrap.servers=" + fixture.bootstrapServers());
        all.add("--kafka.topic=" + fixture.topic());
        all.add("--kafka.topic.partitions=3");
        if (all.stream().noneMatch(a -> a.startsWith("--data.dir") || a.startsWith("--url"))) {
            all.add("--data.dir=" + Files.createTempDirectory(tmp, "node"));
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(Map.of(), new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    private Run ok(String... args) throws IOException {
        Run r = cli(args);
        assertEquals(0, r.code(), r::toString);
        return r;
    }

    private WorldStore viewer() {
        if (viewer == null) {
            viewer = fixture.open();
        }
        return viewer;
    }

    private static String world() {
        return TestKafka.uniqueName("hyperfy");
    }

    private Path fixtureWorld(String name, HyperfyFixture.Spec spec) {
        return HyperfyFixture.write(tmp.resolve(name), spec);
    }

    /** The world's partition end as the viewer sees it once it caught up with everything written so far. */
    private LogPosition end(String worldId) {
        LogPosition end = viewer().endOf(worldId);
        if (end.offset() > 0) {
            viewer().awaitPosition(new LogPosition(end.partition(), end.offset() - 1), java.time.Duration.ofSeconds(30));
        }
        return end;
    }

    // ---- import ----------------------------------------------------------------------------------------

    @Test
    void aGeneratedWorldIsImportedAndLoadsBackKeyForKey() throws IOException {
        // given: a Hyperfy world folder
        String w = world();
        Path src = fixtureWorld("src", HyperfyFixture.Spec.small());
        HyperfyDb.Contents source = HyperfyDb.read(src);
        // when: it is imported through a node of the CLI's own
        Run r = ok("import-hyperfy", "--world=" + w, src.toString());
        // then: every row is in the world, key for key, as Hyperfy wrote it
        assertTrue(r.out().contains("imported"), r::toString);
        end(w);
        World world = viewer().world(w);
        List<ObjectNode> entities = world.loadEntities();
        assertEquals(source.entities().size(), entities.size());
        for (HyperfyDb.DataRow row : source.entities()) {
            Stored s = viewer().read(new Key.Entity(w, row.id())).orElseThrow();
            ObjectNode expected = (ObjectNode) Json.parse(row.data());
            expected.putObject("metadata").putObject("hyperfy").put("createdAt", (String) row.createdAt())
                    .put("updatedAt", (String) row.updatedAt());
            assertEquals(expected, s.value(), row.id());
            assertEquals(HyperfyImport.ACTOR, s.actor(), "the audit log names the import");
        }
        for (HyperfyDb.DataRow row : source.blueprints()) {
            JsonNode bp = world.loadAppData(HyperfyMapping.APP, null, "blueprints/" + row.id()).orElseThrow();
            assertEquals(Json.parse(row.data()).get("name"), bp.get("name"), row.id());
        }
        assertTrue(world.loadAppData(HyperfyMapping.APP, null, "blueprints/$scene").isPresent(), "$scene keeps its id");
        JsonNode meta = world.loadWorldState().orElseThrow().get("metadata");
        assertEquals(15, meta.get("version").asInt());
        assertEquals("Fixture World", meta.path("settings").path("title").asText());
        assertEquals(Json.parse("[1.5,0,-3.25]"), meta.path("spawn").path("position"));
        assertEquals("welcome!", meta.path("config").path("motd").asText());
        assertEquals(Json.parse(source.storageJson()), world.loadAppData(HyperfyMapping.APP, null, "storage").orElseThrow());
        // users: their rows in the hyperfy app, their players registered by the clash rule
        Map<String, String> usernames = new LinkedHashMap<>();
        for (HyperfyDb.UserRow u : source.users()) {
            JsonNode row = world.loadAppData(HyperfyMapping.APP, u.id(), "user").orElseThrow();
            assertEquals(u.columns().get("name"), row.get("name").asText());
            assertEquals(u.columns().get("roles"), row.get("roles").asText());
            PlayerRecord p = viewer().player(u.id()).orElseThrow();
            usernames.put((String) u.columns().get("name"), p.username());
        }
        // the fullwidth Bob was created first and keeps the name; the other Bobs carry their ids
        assertEquals("\uFF22\uFF4F\uFF42", usernames.get("\uFF22\uFF4F\uFF42"));
        assertTrue(usernames.get("Bob").startsWith("Bob-"), usernames.toString());
        assertTrue(usernames.get("bob").startsWith("bob-"), usernames.toString());
        assertEquals("_ Star_", usernames.get("\u2728 Star!"));
        assertTrue(r.out().contains("users under another name"), r::toString);
    }

    @Test
    void importingTwiceChangesNothingTheSecondTime() throws IOException {
        // given: an imported world
        String w = world();
        Path src = fixtureWorld("src", HyperfyFixture.Spec.small());
        ok("import-hyperfy", "--world=" + w, src.toString());
        LogPosition before = end(w);
        Stored entityBefore = viewer().read(new Key.Entity(w, "sceneentty")).orElseThrow();
        // when: the same folder is imported again
        Run again = ok("import-hyperfy", "--world=" + w, src.toString());
        // then: no event was appended to the world's partition, no version moved, and the report says so
        assertEquals(before, end(w), again::toString);
        assertEquals(entityBefore.version(), viewer().read(new Key.Entity(w, "sceneentty")).orElseThrow().version());
        assertTrue(again.out().contains("players: 0 registered, 12 already registered"), again::toString);
        assertFalse(again.out().contains("world transaction"), again::toString);
    }

    @Test
    void anInterruptedImportResumesAndWritesOnlyWhatIsMissing() throws IOException {
        // given: a world holding part of the import (as an interrupted run leaves it): some entities are gone
        String w = world();
        Path src = fixtureWorld("src", HyperfyFixture.Spec.small());
        ok("import-hyperfy", "--world=" + w, src.toString());
        end(w);
        World world = viewer().world(w);
        List<String> ids = world.loadEntities().stream().map(e -> e.get("id").asText()).limit(10).toList();
        assertEquals(10, ids.size());
        ids.forEach(world::deleteEntity);
        // when: the import runs again, with no --merge
        Run r = ok("import-hyperfy", "--world=" + w, src.toString());
        // then: exactly the missing entities were written
        end(w);
        assertTrue(r.out().matches("(?s).*entities\\s+301\\s+10\\s+291\\s+0\\s+0.*"), r::toString);
        ids.forEach(id -> assertTrue(viewer().read(new Key.Entity(w, id)).isPresent(), id));
    }

    @Test
    void aWorldHoldingOtherDataIsRefusedUnlessMergeOrReplaceSaysWhatToDo() throws IOException {
        // given: a world a server already uses
        String w = world();
        World world = viewer().world(w);
        world.saveEntity(Json.parse("{\"id\":\"lamp\",\"position\":[1,2,3]}"));
        world.saveWorldState(Json.parse("{\"time\":\"day\"}"));
        Path src = fixtureWorld("src", HyperfyFixture.Spec.small());
        LogPosition before = end(w);
        // when: imported without a mode
        Run refused = cli("import-hyperfy", "--world=" + w, src.toString());
        // then: refused, nothing written
        assertEquals(1, refused.code(), refused::toString);
        assertTrue(refused.err().contains("already holds other data"), refused::toString);
        assertTrue(refused.err().contains("--merge"), refused::toString);
        assertEquals(before, end(w));

        // when: --merge: the Hyperfy rows are written over it, the rest is kept
        ok("import-hyperfy", "--world=" + w, "--merge", src.toString());
        end(w);
        assertTrue(viewer().read(new Key.Entity(w, "lamp")).isPresent());
        JsonNode state = world.loadWorldState().orElseThrow();
        assertEquals("day", state.get("time").asText());
        assertEquals("Fixture World", state.path("metadata").path("settings").path("title").asText());

        // when: --replace: the rest is deleted too
        Run replaced = ok("import-hyperfy", "--world=" + w, "--replace", src.toString());
        end(w);
        assertFalse(viewer().read(new Key.Entity(w, "lamp")).isPresent(), replaced::toString);
        assertFalse(world.loadWorldState().orElseThrow().has("time"));
        assertTrue(replaced.out().contains("deleted (--replace): 1 key(s)"), replaced::toString);
    }

    @Test
    void malformedRowsAreReportedWithTableAndIdAndSkippedWhileTheRestIsImported() throws IOException {
        // given: a world with rows of bad JSON, no id, another id, data that is not an object, a vector of 2 numbers
        String w = world();
        Path src = fixtureWorld("src", HyperfyFixture.Spec.small().withMalformed());
        // when
        Run r = cli("import-hyperfy", "--world=" + w, src.toString());
        // then: exit 1 with each row named, every other row imported, no half entity
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.out().contains("skipped rows (5):"), r::toString);
        assertTrue(r.out().contains("entities 'badjson001': data is not JSON"), r::toString);
        assertTrue(r.out().contains("entities: has no id"), r::toString);
        assertTrue(r.out().contains("entities 'otherid001': data.id"), r::toString);
        assertTrue(r.out().contains("entities 'shortvec01': refused by worldstore: position"), r::toString);
        assertTrue(r.out().contains("blueprints 'notobject1': data must be a JSON object"), r::toString);
        end(w);
        assertEquals(301, viewer().world(w).loadEntities().size());
        assertFalse(viewer().read(new Key.Entity(w, "shortvec01")).isPresent());
    }

    // ---- export ----------------------------------------------------------------------------------------

    @Test
    void anImportedWorldExportsToADatabaseEqualToTheSourceRowForRow() throws Exception {
        // given: an imported world (the rank variant of users, to see the columns come back)
        String w = world();
        Path src = fixtureWorld("src", HyperfyFixture.Spec.small().withRank());
        ok("import-hyperfy", "--world=" + w, src.toString());
        // when: exported
        Path out = tmp.resolve("out");
        Run r = ok("export-hyperfy", "--world=" + w, out.toString());
        // then: every table equal to the source's, row for row (JSON compared as values), and the same storage.json
        assertTrue(r.out().contains("exported world " + w), r::toString);
        for (String table : List.of("config", "users", "blueprints", "entities")) {
            assertEquals(columns(src, table), columns(out, table), table);
            assertEquals(rows(src, table), rows(out, table), table);
        }
        assertEquals(Json.parse(Files.readString(src.resolve("storage.json"))), Json.parse(Files.readString(out.resolve("storage.json"))));
    }

    @Test
    void anExportAsOfAPointBeforeALaterChangeShowsTheOldValue() throws Exception {
        // given: an imported world, its position noted, then an entity moved
        String w = world();
        Path src = fixtureWorld("src", HyperfyFixture.Spec.small());
        ok("import-hyperfy", "--world=" + w, src.toString());
        LogPosition end = end(w);
        LogPosition imported = new LogPosition(end.partition(), end.offset() - 1);
        ObjectNode scene = (ObjectNode) viewer().read(new Key.Entity(w, "sceneentty")).orElseThrow().value().deepCopy();
        scene.set("position", Json.parse("[9,9,9]"));
        viewer().world(w).saveEntity(scene);
        // when: exported as of the import, and now
        Path then = tmp.resolve("then");
        Path now = tmp.resolve("now");
        ok("export-hyperfy", "--world=" + w, "--as-of=" + imported, then.toString());
        ok("export-hyperfy", "--world=" + w, now.toString());
        // then: the old export holds the old position, the new one the new
        assertEquals(Json.parse("[0,0,0]"), Json.parse(row(then, "entities", "sceneentty")).get("position"));
        assertEquals(Json.parse("[9,9,9]"), Json.parse(row(now, "entities", "sceneentty")).get("position"));
    }

    // ---- over HTTP ---------------------------------------------------------------------------------------

    @Test
    void anImportOverHttpWithAScopedKeyIsRecordedUnderTheKeysNameAndRunsTwiceWithoutWriting() throws Exception {
        // given: a server with auth on and a key for one world, the hyperfy app and player registration only
        String w = world();
        String key = "wsk_" + UUID.randomUUID().toString().replace("-", "");
        Path keys = tmp.resolve("keys.json");
        Files.writeString(keys, "{\"keys\": [{\"name\": \"import:hyperfy\", \"hash\": \"sha256:" + sha256(key) + "\", \"worlds\": [\""
                + w + "\"], \"apps\": [\"hyperfy\"], \"players\": true}]}");
        WorldStoreConfig config = fixture.config(Files.createTempDirectory(tmp, "server"));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (WorldStore store = WorldStores.open(config, registry, Clock.systemUTC());
                HttpServer server = HttpServer.start(store, HttpConfig.of("http.port", "0", "http.auth.keys.file", keys.toString()),
                        config.dataDir(), registry)) {
            String url = "--url=" + server.uri().toString().replaceAll("/$", "");
            Path src = fixtureWorld("src", HyperfyFixture.Spec.small());
            // when: imported over HTTP, twice
            Run first = ok("import-hyperfy", "--world=" + w, url, "--api-key=" + key, src.toString());
            LogPosition after = store.endOf(w);
            Run second = ok("import-hyperfy", "--world=" + w, url, "--api-key=" + key, src.toString());
            // then: the writes carry the key's name; the second run wrote nothing
            assertTrue(first.out().contains("players: 12 registered"), first::toString);
            assertEquals("import:hyperfy", store.read(new Key.Entity(w, "sceneentty")).orElseThrow().actor());
            assertEquals(after, store.endOf(w), second::toString);
            // and an export over HTTP gives the source back
            Path out = tmp.resolve("out");
            ok("export-hyperfy", "--world=" + w, url, "--api-key=" + key, out.toString());
            assertEquals(rows(src, "entities"), rows(out, "entities"));
            assertEquals(rows(src, "users"), rows(out, "users"));
            // and a key of another world is refused with the server's answer, nothing written
            Run other = cli("import-hyperfy", "--world=" + world(), url, "--api-key=" + key, src.toString());
            assertEquals(1, other.code(), other::toString);
            assertTrue(other.err().contains("403"), other::toString);
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static Connection db(Path dir) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("db.sqlite").toAbsolutePath());
    }

    private static List<String> columns(Path dir, String table) throws SQLException {
        List<String> cols = new ArrayList<>();
        try (Connection c = db(dir); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("pragma table_info(`" + table + "`)")) {
            while (rs.next()) {
                cols.add(rs.getString("name") + " " + rs.getString("type") + (rs.getInt("notnull") == 1 ? " not null" : "")
                        + (rs.getInt("pk") > 0 ? " pk" : ""));
            }
        }
        return cols;
    }

    /** Every row, id first; a column holding JSON text compared as a value, every other as its SQLite value and type. */
    private static Map<String, List<Object>> rows(Path dir, String table) throws SQLException {
        Map<String, List<Object>> rows = new LinkedHashMap<>();
        try (Connection c = db(dir); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select * from `" + table
                + "` order by 1")) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                List<Object> values = new ArrayList<>();
                for (int i = 2; i <= md.getColumnCount(); i++) {
                    Object v = rs.getObject(i);
                    String col = md.getColumnName(i);
                    boolean json = col.equals("data") || (table.equals("config") && List.of("settings", "spawn").contains(rs.getString(1)));
                    values.add(json ? Json.parse((String) v) : v == null ? "NULL" : v.getClass().getSimpleName() + ":" + v);
                }
                rows.put(rs.getString(1), values);
            }
        }
        return rows;
    }

    private static String row(Path dir, String table, String id) throws SQLException {
        try (Connection c = db(dir); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select data from `" + table + "` where id = '" + id + "'")) {
            assertTrue(rs.next(), id + " in " + dir);
            return rs.getString(1);
        }
    }
}
