package dev.worldstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.Condition;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.Saved;
import dev.worldstore.World;
import dev.worldstore.WorldStore;
import dev.worldstore.Json;
import dev.worldstore.projector.StoreFixture;
import dev.worldstore.testing.TestKafka;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code replay}, {@code rebuild} and {@code restore} in-process against the shared test broker:
 * each test writes its world through the Java API on its own topic and hands the CLI the same
 * bootstrap address and topic.
 */
class ToolsIT {
    private static final String APP = "quest-app";
    private static final List<String> PLAYERS = List.of("p1", "p2", "p3");

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    private static Run run(StoreFixture fixture, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--kafka.bootstrap.servers=" + fixture.bootstrapServers());
        all.add("--kafka.topic=" + fixture.topic());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(Map.of(), new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    private static Run ok(StoreFixture fixture, String... args) {
        Run r = run(fixture, args);
        assertEquals(0, r.code(), "exit code of " + String.join(" ", args) + "\nstdout:\n" + r.out() + "\nstderr:\n" + r.err());
        return r;
    }

    /** The world as the Java API loads it now, in the file's shape (arrays sorted, see {@link #normalized}). */
    private static JsonNode loaded(World w, String asOf) {
        ObjectNode o = Json.object();
        o.put("world", w.id());
        o.put("asOf", asOf);
        o.set("worldState", w.loadWorldState().map(JsonNode.class::cast).orElse(null));
        ArrayNode entities = o.putArray("entities");
        w.loadEntities().forEach(entities::add);
        ArrayNode players = o.putArray("players");
        for (String p : PLAYERS) {
            w.loadPlayerState(p).ifPresent(s -> players.addObject().put("playerId", p).set("state", s));
        }
        ArrayNode apps = o.putArray("apps");
        for (String p : new String[] {null, "p1", "p2", "p3"}) {
            w.listAppData(APP, p).forEach((k, v) -> apps.addObject().put("appId", APP).put("playerId", p).put("key", k).set("value", v));
        }
        return normalized(o);
    }

    /** Arrays sorted by their elements' JSON, so the comparison does not depend on key order within a table. */
    private static JsonNode normalized(JsonNode world) {
        ObjectNode o = ((ObjectNode) world).deepCopy();
        for (String field : List.of("entities", "players", "apps")) {
            List<JsonNode> items = new ArrayList<>();
            o.withArray(field).forEach(items::add);
            items.sort(Comparator.comparing(JsonNode::toString));
            ArrayNode sorted = o.putArray(field);
            items.forEach(sorted::add);
        }
        return o;
    }

    private static JsonNode file(Path p) throws IOException {
        return normalized(Json.parse(Files.readAllBytes(p)));
    }

    private static void writeEarly(World w) {
        w.saveWorldState(Json.object().put("era", "one").put("weather", "rain"));
        w.saveEntity(Json.object().put("id", "e1").put("type", "tree").set("position", Json.parse("[1,2,3]")));
        w.saveEntity(Json.object().put("id", "e2").put("type", "rock"));
        w.savePlayerState("p1", Json.object().put("health", 100).set("inventory", Json.parse("[{\"itemId\":\"sword\"}]")));
        w.savePlayerState("p2", Json.object().put("health", 80));
        w.saveAppData(APP, null, "settings", Json.object().put("difficulty", "hard"));
        w.saveAppData(APP, "p1", "quest", Json.object().put("stage", 1));
    }

    /** Changes every table after the point the tests go back to. */
    private static void writeLate(World w) {
        w.saveWorldState(Json.object().put("era", "two"));
        w.deleteEntity("e1");
        w.saveEntity(Json.object().put("id", "e4").put("type", "portal"));
        w.patchPlayerState("p1", Json.object().put("health", 5), Condition.any());
        w.savePlayerState("p3", Json.object().put("health", 1));
        w.deleteAppData(APP, null, "settings");
        w.saveAppData(APP, "p3", "quest", Json.object().put("stage", 9));
    }

    @Test
    void replayToAMidPointWritesTheWorldAsItWasThenWithAndWithoutSnapshots() throws IOException {
        try (StoreFixture fixture = new StoreFixture()) {
            Path dataDir = tmp.resolve("node");
            WorldStore store = fixture.open(dataDir);
            World w = store.world(TestKafka.uniqueName("w"));
            writeEarly(w);
            store.read(new Key.WorldState(w.id()));
            store.operations().takeSnapshot();
            w.patchPlayerState("p2", Json.object().put("mana", 7), Condition.any());
            w.deleteEntity("e2");
            w.saveEntity(Json.object().put("id", "e3").put("type", "chest"));
            Saved mid = w.saveAppData(APP, "p2", "quest", Json.parse("[1,2]"));
            JsonNode expected = loaded(w, mid.position().toString());
            writeLate(w);
            assertTrue(!expected.equals(loaded(w, mid.position().toString())), "the late writes change the world");

            Path viaSnapshot = tmp.resolve("via-snapshot.json");
            Run r = ok(fixture, "replay", "--world=" + w.id(), "--to=" + mid.position(), "--out=" + viaSnapshot, "--data.dir=" + dataDir);
            assertEquals(expected, file(viaSnapshot));
            assertTrue(r.out().contains("starting from snapshot " + dataDir.resolve("snapshots")), r.out());
            assertTrue(r.out().contains("wrote " + viaSnapshot + ": world state, 2 entities, 2 player states, 3 app keys"), r.out());

            Path fromLog = tmp.resolve("from-log.json");
            Run full = ok(fixture, "replay", "--world=" + w.id(), "--to=" + mid.position(), "--out=" + fromLog, "--no-snapshots");
            assertEquals(expected, file(fromLog));
            assertTrue(full.out().contains("from the start of the log (--no-snapshots)"), full.out());
            long events = Long.parseLong(match(full.out(), "([\\d,]+) events applied").replace(",", ""));
            assertTrue(events >= 11, full.out());
        }
    }

    @Test
    void replayRefusesAPositionOfAnotherPartitionOrNotYetWritten() {
        try (StoreFixture fixture = new StoreFixture()) {
            WorldStore store = fixture.open();
            World w = store.world(TestKafka.uniqueName("w"));
            Saved s = w.saveWorldState(Json.object().put("a", 1));
            int other = (s.position().partition() + 1) % 3;
            Run wrong = run(fixture, "replay", "--world=" + w.id(), "--to=" + other + "-0", "--out=" + tmp.resolve("x.json"));
            assertEquals(2, wrong.code(), wrong.err());
            assertTrue(wrong.err().contains("--to: world " + w.id() + " lives in partition " + s.position().partition()), wrong.err());
            Run future = run(fixture, "replay", "--world=" + w.id(), "--to=" + new LogPosition(s.position().partition(), 1_000_000),
                    "--out=" + tmp.resolve("x.json"));
            assertEquals(2, future.code(), future.err());
            assertTrue(future.err().contains("has not been written yet"), future.err());
            assertTrue(!Files.exists(tmp.resolve("x.json")));
        }
    }

    @Test
    void rebuildOfAClosedStoresLogIsIdenticalToItsProjectionAndAnOlderRebuildDiffers() {
        try (StoreFixture fixture = new StoreFixture()) {
            Path dataDir = tmp.resolve("node");
            WorldStore store = fixture.open(dataDir);
            World w = store.world(TestKafka.uniqueName("a"));
            writeEarly(w);
            writeLate(w);
            store.registerPlayer(null, TestKafka.uniqueName("rebuilder"));
            store.player("nobody"); // waits until this node's writes in every partition are projected
            store.close();

            Path rebuilt = tmp.resolve("rebuilt");
            Run r = ok(fixture, "rebuild", "--target=" + rebuilt, "--compare-with=" + dataDir);
            assertTrue(r.out().contains("15 events applied"), r.out());
            assertTrue(r.out().contains("identical: " + rebuilt + " and " + dataDir.resolve("projection")), r.out());

            WorldStore again = fixture.open(dataDir);
            World more = again.world(TestKafka.uniqueName("c"));
            more.saveWorldState(Json.object().put("new", true));
            again.read(new Key.WorldState(more.id()));
            again.close();
            Run differs = run(fixture, "rebuild", "--target=" + tmp.resolve("rebuilt-2"), "--compare-with=" + rebuilt);
            assertEquals(1, differs.code(), differs.out() + differs.err());
            assertTrue(differs.out().contains("different: "), differs.out());
        }
    }

    @Test
    void restoreRollsAWorldBackWithNewEvents() {
        try (StoreFixture fixture = new StoreFixture()) {
            WorldStore store = fixture.open();
            World w = store.world(TestKafka.uniqueName("w"));
            writeEarly(w);
            Saved at = w.saveEntity(Json.object().put("id", "e3").put("type", "chest"));
            JsonNode before = loaded(w, "");
            writeLate(w);

            Run r = ok(fixture, "restore", "--world=" + w.id(), "--to=" + at.position());
            assertTrue(r.out().contains("restored world " + w.id() + " to " + at.position() + " (actor cli:restore): "), r.out());
            assertTrue(r.out().contains(" 0 conflicts"), r.out());
            assertTrue(r.out().contains("4 keys rewritten, 3 keys deleted, "), r.out());

            LogPosition end = store.endOf(w.id());
            store.awaitPosition(new LogPosition(end.partition(), end.offset() - 1), Duration.ofSeconds(60));
            assertEquals(before, loaded(w, ""));
        }
    }

    private static String match(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "no match for " + regex + " in:\n" + text);
        return m.group(1);
    }
}
