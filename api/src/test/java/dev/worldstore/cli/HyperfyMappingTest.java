package dev.worldstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.Usernames;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.cli.HyperfyMapping.Registration;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Hyperfy mapping both ways, on rows built here and on SQLite files the fixture writes. */
class HyperfyMappingTest {
    private static final String W = "w1";

    @TempDir
    Path tmp;

    private static HyperfyDb.UserRow user(String id, String name, String createdAt) {
        Map<String, Object> cols = new LinkedHashMap<>();
        cols.put("name", name);
        cols.put("roles", "");
        cols.put("createdAt", createdAt);
        cols.put("avatar", null);
        return new HyperfyDb.UserRow(id, cols);
    }

    private static HyperfyDb.Contents contents(List<HyperfyDb.UserRow> users, List<HyperfyDb.DataRow> entities, String storage) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("settings", "{\"title\":\"t\"}");
        config.put("version", "15");
        return new HyperfyDb.Contents(config, HyperfyDb.USER_COLUMNS, users, List.of(), entities, storage);
    }

    // ---- usernames ------------------------------------------------------------------------------------

    @Test
    void ofUsersWhoseNamesClashTheFirstCreatedKeepsTheNameAndTheOthersGetTheirIdAsASuffix() {
        // given: four spellings of one name (case and width), created in the reverse order of their ids
        List<HyperfyDb.UserRow> users = List.of(user("aaaaaaaaaa", "Bob", "2025-03-01T10:00:40.000Z"),
                user("bbbbbbbbbb", "bob", "2025-03-01T10:00:30.000Z"), user("cccccccccc", "BOB", "2025-03-01T10:00:20.000Z"),
                user("dddddddddd", "\uFF22\uFF4F\uFF42", "2025-03-01T10:00:10.000Z"), user("eeeeeeeeee", "ann", "2025-03-01T10:00:00.000Z"));
        // when: the registrations are planned, from the rows in two different orders
        List<Registration> regs = HyperfyUsernames.registrations(users);
        List<HyperfyDb.UserRow> shuffled = new ArrayList<>(users);
        Collections.shuffle(shuffled, new Random(3));
        // then: the fullwidth Bob, created first, keeps the name; the others are <name>-<id>; the rule ignores row order
        Map<String, Registration> byId = regs.stream().collect(Collectors.toMap(Registration::playerId, r -> r));
        assertEquals("\uFF22\uFF4F\uFF42", byId.get("dddddddddd").username());
        assertNull(byId.get("dddddddddd").why());
        assertEquals("Bob-aaaaaaaaaa", byId.get("aaaaaaaaaa").username());
        assertEquals("bob-bbbbbbbbbb", byId.get("bbbbbbbbbb").username());
        assertEquals("BOB-cccccccccc", byId.get("cccccccccc").username());
        assertTrue(byId.get("aaaaaaaaaa").why().contains("dddddddddd"), byId.get("aaaaaaaaaa").why());
        assertEquals("ann", byId.get("eeeeeeeeee").username());
        assertEquals(regs, HyperfyUsernames.registrations(shuffled));
    }

    @Test
    void aNameTheUsernameRuleRefusesIsSpeltWithUnderscoresAndSaysSo() {
        // given: names with characters worldstore's usernames do not allow
        List<Registration> regs = HyperfyUsernames.registrations(List.of(user("u1", "\u2728 Star!", "2025-01-01T00:00:00.000Z"),
                user("u2", "!!!", "2025-01-01T00:00:00.000Z"), user("u3", "x".repeat(80), "2025-01-01T00:00:00.000Z")));
        // then: each becomes a valid name, with the reason
        assertEquals("_ Star_", regs.get(0).username());
        assertTrue(regs.get(0).why().contains("username rule"), regs.get(0).why());
        assertEquals("___", regs.get(1).username());
        assertEquals(64, regs.get(2).username().length());
    }

    @Test
    void aSuffixedNameFitsSixtyFourCharacters() {
        String s = HyperfyUsernames.suffixed("n".repeat(64), "abcdefghij");
        assertEquals(64, s.length());
        assertTrue(s.endsWith("-abcdefghij"), s);
    }

    @Test
    void canonicalFormFoldsCaseAndWidth() {
        assertEquals(Usernames.comparisonForm("bob"), Usernames.comparisonForm("\uFF22\uFF4F\uFF42"));
        assertEquals(Usernames.comparisonForm("bob"), Usernames.comparisonForm("BOB"));
        assertFalse(Usernames.comparisonForm("bob").equals(Usernames.comparisonForm("bab")));
    }

    // ---- rows ----------------------------------------------------------------------------------------

    @Test
    void malformedRowsAreSetAsideWithTableIdAndReasonAndTheRestIsKept() {
        // given: entities with bad JSON, no id, another id in the data, data that is not an object
        List<HyperfyDb.DataRow> entities = List.of(new HyperfyDb.DataRow("good000001", HyperfyFixture.entity("good000001", "b", "[1,2,3]",
                "[0,0,0,1]", "{}"), "2025-01-01T00:00:00.000Z", "2025-01-01T00:00:00.000Z"),
                new HyperfyDb.DataRow("badjson001", "{\"id\":", "t", "t"),
                new HyperfyDb.DataRow(null, "{}", "t", "t"),
                new HyperfyDb.DataRow("otherid001", "{\"id\":\"x\"}", "t", "t"),
                new HyperfyDb.DataRow("array00001", "[]", "t", "t"),
                new HyperfyDb.DataRow("bad id!", "{}", "t", "t"));
        // when
        HyperfyMapping.Plan plan = HyperfyMapping.toWorld(W, contents(List.of(), entities, null));
        // then: one entity kept, each other one named with its reason
        assertTrue(plan.values().containsKey(new Key.Entity(W, "good000001")));
        assertEquals(2, plan.values().size(), plan.values().keySet().toString()); // the world state and the good entity
        List<String> skipped = plan.skipped().stream().map(Object::toString).toList();
        assertTrue(skipped.stream().anyMatch(s -> s.startsWith("entities 'badjson001': data is not JSON: ")), skipped.toString());
        assertTrue(skipped.contains("entities: has no id"), skipped.toString());
        assertTrue(skipped.stream().anyMatch(s -> s.startsWith("entities 'otherid001': data.id \"x\" is not the row's id")), skipped.toString());
        assertTrue(skipped.contains("entities 'array00001': data must be a JSON object, was an array"), skipped.toString());
        assertTrue(skipped.stream().anyMatch(s -> s.startsWith("entities 'bad id!': id cannot be a worldstore id")), skipped.toString());
    }

    @Test
    void anEntityIsKeptAsHyperfyWroteItWithItsRowTimesInMetadata() {
        String data = HyperfyFixture.entity("e000000001", "$scene", "[1.5,2,3]", "[0.1,0.2,0.3,0.9]", "{\"n\":1.10}");
        HyperfyMapping.Plan plan = HyperfyMapping.toWorld(W, contents(List.of(), List.of(new HyperfyDb.DataRow("e000000001", data,
                "2025-01-01T00:00:00.000Z", 1735689600000L)), null));
        JsonNode v = plan.values().get(new Key.Entity(W, "e000000001")).tree();
        JsonNode expected = Json.parse(data);
        ((com.fasterxml.jackson.databind.node.ObjectNode) expected).putObject("metadata").putObject("hyperfy")
                .put("createdAt", "2025-01-01T00:00:00.000Z").put("updatedAt", 1735689600000L);
        assertEquals(expected, v);
        assertEquals("1.10", v.path("state").path("n").toString(), "decimals as written");
    }

    @Test
    void anEntityRowIsKeptByteForByteWithItsTimesSplicedIn() {
        // given: data as Hyperfy wrote it (member order, spacing, decimals), with and without metadata of its own
        String data = "{\"id\":\"e1\", \"position\":[1.50,2,3],\"state\":{}}";
        String own = "{\"id\":\"e2\",\"metadata\":{\"name\":\"x\"}}";
        HyperfyMapping.Plan plan = HyperfyMapping.toWorld(W, contents(List.of(), List.of(new HyperfyDb.DataRow("e1", data, "t1", 5L),
                new HyperfyDb.DataRow("e2", own, "t2", "t3"), new HyperfyDb.DataRow("e3", "{}", "t4", "t4")), null));
        // then: the text is kept, the times follow as the last member; an own metadata object gets them inside it
        assertEquals("{\"id\":\"e1\", \"position\":[1.50,2,3],\"state\":{},\"metadata\":{\"hyperfy\":{\"createdAt\":\"t1\",\"updatedAt\":5}}}",
                new String(plan.values().get(new Key.Entity(W, "e1")).json(), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(Json.parse("{\"id\":\"e2\",\"metadata\":{\"name\":\"x\",\"hyperfy\":{\"createdAt\":\"t2\",\"updatedAt\":\"t3\","
                + "\"hadMetadata\":true}}}"), plan.values().get(new Key.Entity(W, "e2")).tree());
        assertEquals(Json.parse("{\"metadata\":{\"hyperfy\":{\"createdAt\":\"t4\",\"updatedAt\":\"t4\"}}}"),
                plan.values().get(new Key.Entity(W, "e3")).tree());
        // and back: the rows as they were
        HyperfyExport.Export back = HyperfyExport.fromWorld(entries(plan), Instant.EPOCH);
        assertEquals(Json.parse(own), Json.parse(back.contents().entities().get(1).data()));
        assertEquals(5L, back.contents().entities().get(0).updatedAt());
    }

    @Test
    void aWorldWithoutStorageJsonImportsWithoutAStorageKeyAndMalformedStorageIsReported() {
        HyperfyMapping.Plan none = HyperfyMapping.toWorld(W, contents(List.of(), List.of(), null));
        assertFalse(none.values().containsKey(new Key.AppData(W, HyperfyMapping.APP, null, HyperfyMapping.STORAGE_KEY)));
        assertTrue(none.skipped().isEmpty());
        HyperfyMapping.Plan bad = HyperfyMapping.toWorld(W, contents(List.of(), List.of(), "{not json"));
        assertEquals("storage.json", bad.skipped().get(0).table());
        HyperfyMapping.Plan array = HyperfyMapping.toWorld(W, contents(List.of(), List.of(), "[1]"));
        assertEquals("storage.json: must be one JSON object, was an array", array.skipped().get(0).toString());
    }

    // ---- both ways, on the fixture's SQLite files ------------------------------------------------------

    private static List<HyperfyExport.Entry> entries(HyperfyMapping.Plan plan) {
        List<HyperfyExport.Entry> out = new ArrayList<>();
        plan.values().forEach((k, v) -> out.add(new HyperfyExport.Entry(k, v.tree(), null)));
        return out;
    }

    private static void assertSameRows(HyperfyDb.Contents a, HyperfyDb.Contents b) {
        assertEquals(a.config().keySet(), b.config().keySet());
        a.config().forEach((k, v) -> {
            Object w = b.config().get(k);
            if (k.equals("settings") || k.equals("spawn")) {
                assertEquals(Json.parse((String) v), Json.parse((String) w), k);
            } else {
                assertEquals(v, w, k);
            }
        });
        assertEquals(a.userColumns(), b.userColumns());
        assertEquals(a.users(), b.users());
        assertEquals(a.blueprints().size(), b.blueprints().size());
        assertEquals(a.entities().size(), b.entities().size());
        for (int i = 0; i < a.entities().size(); i++) {
            assertSameRow(a.entities().get(i), b.entities().get(i));
        }
        for (int i = 0; i < a.blueprints().size(); i++) {
            assertSameRow(a.blueprints().get(i), b.blueprints().get(i));
        }
        assertEquals(a.storageJson() == null ? null : Json.parse(a.storageJson()), b.storageJson() == null ? null : Json.parse(b.storageJson()));
    }

    private static void assertSameRow(HyperfyDb.DataRow a, HyperfyDb.DataRow b) {
        assertEquals(a.id(), b.id());
        assertEquals(Json.parse(a.data()), Json.parse(b.data()), a.id());
        assertEquals(a.createdAt(), b.createdAt(), a.id());
        assertEquals(a.updatedAt(), b.updatedAt(), a.id());
    }

    @Test
    void aFixtureWorldMapsToWorldstoreAndBackRowForRow() {
        // given: a Hyperfy world written by the fixture, read back from its SQLite file
        HyperfyDb.Contents source = HyperfyDb.read(HyperfyFixture.write(tmp.resolve("w"), HyperfyFixture.Spec.small()));
        // when: mapped to keys and back, with no store in between
        HyperfyMapping.Plan plan = HyperfyMapping.toWorld(W, source);
        HyperfyExport.Export back = HyperfyExport.fromWorld(entries(plan), Instant.EPOCH);
        // then: every row is equal, and nothing was left out
        assertTrue(plan.skipped().isEmpty(), plan.skipped().toString());
        assertTrue(back.leftOut().isEmpty(), back.leftOut().toString());
        assertSameRows(source, back.contents());
        assertTrue(plan.values().containsKey(new Key.AppData(W, HyperfyMapping.APP, null, "blueprints/$scene")));
    }

    @Test
    void theRankVariantOfTheUsersTableComesBackAsRank() {
        // given: a world whose users carry rank (an integer) instead of roles
        HyperfyDb.Contents source = HyperfyDb.read(HyperfyFixture.write(tmp.resolve("r"), HyperfyFixture.Spec.small().withRank()));
        assertEquals(List.of("id", "name", "rank", "createdAt", "avatar"), source.userColumns());
        // when
        HyperfyMapping.Plan plan = HyperfyMapping.toWorld(W, source);
        HyperfyExport.Export back = HyperfyExport.fromWorld(entries(plan), Instant.EPOCH);
        // then: the user rows hold rank as a number, the world state remembers the columns, the export writes them
        HyperfyDb.UserRow first = source.users().get(0);
        JsonNode row = plan.values().get(new Key.AppData(W, HyperfyMapping.APP, first.id(), HyperfyMapping.USER_KEY)).tree();
        assertTrue(row.get("rank").isIntegralNumber(), row.toString());
        assertFalse(row.has("roles"));
        assertEquals("rank", plan.values().get(new Key.WorldState(W)).tree().path("metadata").path("userColumns").get(2).asText());
        assertSameRows(source, back.contents());
    }

    @Test
    void theFixturesMalformedRowsAreExactlyTheOnesSetAside() {
        HyperfyDb.Contents source = HyperfyDb.read(HyperfyFixture.write(tmp.resolve("m"), HyperfyFixture.Spec.small().withMalformed()));
        HyperfyMapping.Plan plan = HyperfyMapping.toWorld(W, source);
        // the short vector is fine JSON: the store refuses it, not the mapping
        List<String> found = plan.skipped().stream().map(s -> s.table() + " " + (s.id() == null ? "-" : s.id())).sorted().toList();
        List<String> expected = HyperfyFixture.MALFORMED.stream().filter(s -> !s.endsWith("shortvec01")).sorted().toList();
        assertEquals(expected, found);
    }
}
