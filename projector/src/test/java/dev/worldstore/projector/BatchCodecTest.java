package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.Condition;
import dev.worldstore.Key;
import dev.worldstore.Op;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The batch document: what goes in comes out, payload bytes unchanged, and a malformed document names what is wrong. */
class BatchCodecTest {
    private static final String W = "w1";

    private static BatchEvent.Item item(Key key, Op op, String json, Condition c) {
        byte[] p = json == null ? null : json.getBytes(StandardCharsets.UTF_8);
        return new BatchEvent.Item(key, op, c, 1, p, 0, p == null ? 0 : p.length);
    }

    private static String payload(BatchEvent.Item i) {
        return new String(i.buffer(), i.offset(), i.length(), StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"v\"", "\"a \\\"quoted\\\" \\u00e9 string\"", "42", "-1.50e3", "true", "[1,\"x\",{\"a\":[]}]",
            "{ \"spaced\" : [ 1 , 2 ] }", "\"\"", "\"é ü ✓\""})
    void everyKindOfValueComesBackByteForByte(String json) throws MalformedEventException {
        // given
        List<BatchEvent.Item> items = List.of(item(new Key.AppData(W, "app", null, "k"), Op.PUT, json, Condition.any()),
                item(new Key.Entity(W, "e"), Op.PUT, "{\"after\":" + json + "}", Condition.version(3)));
        // when
        BatchCodec.Document d = BatchCodec.decode(W, BatchCodec.encode(items, 1000, null));
        // then
        assertEquals(json, payload(d.items().get(0)));
        assertEquals("{\"after\":" + json + "}", payload(d.items().get(1)));
        assertEquals(Condition.version(3), d.items().get(1).condition());
        assertEquals(1000, d.maxValueBytes());
    }

    @Test
    void keysOpsConditionsAndMetaRoundTrip() throws MalformedEventException {
        List<BatchEvent.Item> items = new ArrayList<>();
        items.add(item(new Key.PlayerState(W, "p"), Op.MERGE, "{\"hp\":null}", Condition.absent()));
        items.add(item(new Key.WorldState(W), Op.DELETE, null, Condition.any()));
        items.add(item(new Key.AppData(W, "app", "p", "inv/slot/1"), Op.PUT, "{}", Condition.any()));
        byte[] meta = "{\"forkOf\":\"w0\"}".getBytes(StandardCharsets.UTF_8);
        BatchCodec.Document d = BatchCodec.decode(W, BatchCodec.encode(items, 7, meta));
        assertEquals(new String(meta, StandardCharsets.UTF_8), new String(d.meta(), StandardCharsets.UTF_8));
        for (int i = 0; i < items.size(); i++) {
            assertEquals(items.get(i).key(), d.items().get(i).key());
            assertEquals(items.get(i).op(), d.items().get(i).op());
            assertEquals(items.get(i).condition(), d.items().get(i).condition());
        }
    }

    @Test
    void aMalformedDocumentNamesWhatIsWrong() {
        assertTrue(assertThrows(MalformedEventException.class, () -> BatchCodec.decode(W,
                "{\"limit\":9,\"changes\":[{\"table\":\"entity_states\",\"op\":\"put\",\"value\":{}}]}".getBytes(StandardCharsets.UTF_8)))
                .getMessage().contains("changes[0]"));
        assertThrows(MalformedEventException.class, () -> BatchCodec.decode(W, "{\"limit\":9,\"changes\":[]}".getBytes(
                StandardCharsets.UTF_8)));
        assertThrows(MalformedEventException.class, () -> BatchCodec.decode(W, ("{\"limit\":9,\"changes\":[{\"table\":\"entity_states\","
                + "\"entityId\":\"e\",\"op\":\"put\",\"value\":[1]}]}").getBytes(StandardCharsets.UTF_8)));
        assertThrows(MalformedEventException.class, () -> BatchCodec.decode(W, "{\"limit\":9,\"changes\":[".getBytes(
                StandardCharsets.UTF_8)));
    }
}
