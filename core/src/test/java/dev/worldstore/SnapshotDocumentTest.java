package dev.worldstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SnapshotDocumentTest {

    private static Stored stored(Key key, String json) {
        return new Stored(key, json.getBytes(StandardCharsets.UTF_8), 1, Instant.EPOCH, 1, "n", null);
    }

    @Test
    void anEmptyWorldHasEverySectionEmpty() throws IOException {
        StringWriter out = new StringWriter();
        SnapshotDocument w = new SnapshotDocument(() -> Json.generator(out), "w", "0-3");
        w.finish();
        assertEquals(Json.parse("{\"world\":\"w\",\"asOf\":\"0-3\",\"worldState\":null,\"entities\":[],\"players\":[],\"apps\":[]}"),
                Json.parse(out.toString()));
    }

    @Test
    void keysGoToTheirSectionsInTheSnapshotShape() throws IOException {
        StringWriter out = new StringWriter();
        SnapshotDocument w = new SnapshotDocument(() -> Json.generator(out), "w", "2026-11-24T14:02:00Z");
        w.accept(stored(new Key.Entity("w", "e1"), "{\"id\":\"e1\",\"position\":[1,2,3]}"));
        w.accept(stored(new Key.AppData("w", "app", null, "k"), "[1]"));
        w.accept(stored(new Key.AppData("w", "app", "p1", "k"), "\"v\""));
        w.finish();
        assertEquals(Json.parse("{\"world\":\"w\",\"asOf\":\"2026-11-24T14:02:00Z\",\"worldState\":null,"
                + "\"entities\":[{\"id\":\"e1\",\"position\":[1,2,3]}],\"players\":[],"
                + "\"apps\":[{\"appId\":\"app\",\"playerId\":null,\"key\":\"k\",\"value\":[1]},"
                + "{\"appId\":\"app\",\"playerId\":\"p1\",\"key\":\"k\",\"value\":\"v\"}]}"), Json.parse(out.toString()));
        assertEquals(1, w.entities());
        assertEquals(2, w.apps());
    }

    @Test
    void aValueThatIsNotJsonIsLeftOutAndCounted() throws IOException {
        StringWriter out = new StringWriter();
        SnapshotDocument w = new SnapshotDocument(() -> Json.generator(out), "w", "0-1");
        w.accept(stored(new Key.WorldState("w"), "{\"a\":1}"));
        w.accept(stored(new Key.PlayerState("w", "p1"), "{broken"));
        w.accept(stored(new Key.PlayerState("w", "p2"), "{\"hp\":3}"));
        w.finish();
        assertEquals(Json.parse("{\"world\":\"w\",\"asOf\":\"0-1\",\"worldState\":{\"a\":1},\"entities\":[],"
                + "\"players\":[{\"playerId\":\"p2\",\"state\":{\"hp\":3}}],\"apps\":[]}"), Json.parse(out.toString()));
        assertEquals(1, w.corrupt().size());
        assertTrue(w.corrupt().get(0).contains("p1"), w.corrupt().get(0));
    }

    @Test
    void keysOutOfTableOrderAreRefused() throws IOException {
        SnapshotDocument w = new SnapshotDocument(() -> Json.generator(new StringWriter()), "w", "0-1");
        w.accept(stored(new Key.PlayerState("w", "p1"), "{}"));
        assertThrows(IllegalStateException.class, () -> w.accept(stored(new Key.Entity("w", "e1"), "{\"id\":\"e1\"}")));
    }
}
