package dev.worldstore.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.Json;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class BodiesTest {

    /** The entity as {@code String.format} wrote it before {@link Bodies#entity} was built by hand: the benchmarks' bodies must not change. */
    private static String formatted(int id, int tick) {
        double a = (id * 37 + tick) % 360 * Math.PI / 180;
        return String.format(Locale.ROOT, "{\"id\":\"e%d\",\"type\":\"app\",\"blueprint\":\"bp-%d\",\"position\":[%.2f,0,%.2f],"
                + "\"quaternion\":[0,%.4f,0,%.4f],\"scale\":[1,1,1],\"mover\":null,\"uploader\":null,\"pinned\":false,"
                + "\"state\":{\"open\":%b,\"tick\":%d}}", id, id % 40, id % 100 * 1.5, id / 100 * 1.5, Math.sin(a / 2), Math.cos(a / 2),
                tick % 2 == 0, tick);
    }

    @Test
    void entityIsTheTextTheFormatWrote() {
        for (int id = -250; id < 25_000; id += 7) {
            for (int tick : new int[] {0, 1, 2, 359, 360, 1_001, 123_457}) {
                assertEquals(formatted(id, tick), Bodies.entity(id, tick), "entity " + id + " at tick " + tick);
            }
        }
    }

    @Test
    void batchHoldsThePutsOfConsecutiveEntitiesWrappingAtTheCount() {
        JsonNode batch = Json.parse(new String(Bodies.batch(98, 4, 100, 5), StandardCharsets.UTF_8));
        assertEquals(4, batch.get("changes").size());
        int[] ids = {98, 99, 0, 1};
        for (int i = 0; i < ids.length; i++) {
            JsonNode change = batch.get("changes").get(i);
            assertEquals("put", change.get("op").asText());
            assertEquals("e" + ids[i], change.get("entityId").asText());
            assertEquals(Json.parse(formatted(ids[i], 5)), change.get("value"));
        }
    }
}
