package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.Condition;
import dev.worldstore.Json;
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

    private static MalformedEventException malformed(String doc, String expectedInMessage) {
        MalformedEventException e = assertThrows(MalformedEventException.class, () -> BatchCodec.decode(W, doc.getBytes(
                StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains(expectedInMessage), () -> "'" + e.getMessage() + "' should say '" + expectedInMessage + "'");
        return e;
    }

    private static String doc(String change) {
        return "{\"limit\":99,\"changes\":[" + change + "]}";
    }

    @Test
    void aValueAsDeepAsTheWriterAllowsComesBackAndADeeperOneIsMalformed() throws MalformedEventException {
        // given app data nested exactly as deep as a single save may be, inside the batch document
        String atLimit = "[".repeat(Json.MAX_NESTING_DEPTH) + "]".repeat(Json.MAX_NESTING_DEPTH);
        List<BatchEvent.Item> items = List.of(item(new Key.AppData(W, "app", null, "k"), Op.PUT, atLimit, Condition.any()));
        // when
        BatchCodec.Document d = BatchCodec.decode(W, BatchCodec.encode(items, 1000, null));
        // then it comes back; one level deeper it is malformed
        assertEquals(atLimit, payload(d.items().get(0)));
        String deeper = "[" + atLimit + "]";
        malformed(doc("{\"table\":\"app_storage\",\"appId\":\"a\",\"playerId\":null,\"key\":\"k\",\"op\":\"put\",\"value\":"
                + deeper + "}"), "nesting depth");
    }

    @Test
    void aPatchOfATableOfObjectsIsAnObjectAndNoAppValueIsNull() {
        malformed(doc("{\"table\":\"entity_states\",\"entityId\":\"e\",\"op\":\"merge-patch\",\"patch\":[1]}"),
                "a patch of entity_states is a JSON object");
        malformed(doc("{\"table\":\"world_state\",\"op\":\"put\",\"value\":\"x\"}"), "a value of world_state is a JSON object");
        malformed(doc("{\"table\":\"app_storage\",\"appId\":\"a\",\"key\":\"k\",\"op\":\"put\",\"value\":null}"),
                "not null");
        malformed(doc("{\"table\":\"app_storage\",\"appId\":\"a\",\"key\":\"k\",\"op\":\"merge-patch\",\"patch\":null}"),
                "not null");
    }

    @Test
    void aChangeNamingAnotherWorldIsMalformed() throws MalformedEventException {
        malformed(doc("{\"table\":\"entity_states\",\"worldId\":\"w2\",\"entityId\":\"e\",\"op\":\"put\",\"value\":{}}"),
                "names world 'w2'");
        // naming its own world is no harm
        BatchCodec.decode(W, doc("{\"table\":\"entity_states\",\"worldId\":\"w1\",\"entityId\":\"e\",\"op\":\"put\","
                + "\"value\":{}}").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anIdFieldOfAnotherTableIsMalformed() {
        malformed(doc("{\"table\":\"entity_states\",\"entityId\":\"e\",\"playerId\":\"p\",\"op\":\"put\",\"value\":{}}"),
                "playerId is not an id of entity_states");
        malformed(doc("{\"table\":\"world_state\",\"key\":\"k\",\"op\":\"put\",\"value\":{}}"),
                "key is not an id of world_state");
    }

    @Test
    void duplicateNamesTwoPayloadsAndTrailingContentAreMalformed() {
        malformed(doc("{\"table\":\"entity_states\",\"entityId\":\"e\",\"entityId\":\"f\",\"op\":\"put\",\"value\":{}}"),
                "Duplicate field");
        malformed(doc("{\"table\":\"entity_states\",\"entityId\":\"e\",\"op\":\"put\",\"value\":{\"a\":1,\"a\":2}}"),
                "Duplicate field 'a'");
        malformed(doc("{\"table\":\"entity_states\",\"entityId\":\"e\",\"op\":\"put\",\"value\":{},\"patch\":{}}"),
                "both a value and a patch");
        malformed(doc("{\"table\":\"entity_states\",\"entityId\":\"e\",\"op\":\"put\",\"value\":{\"n\": nope}}"), "not valid JSON");
        malformed(doc("{\"table\":\"entity_states\",\"entityId\":\"e\",\"op\":\"put\",\"value\":{}}") + " {}", "trailing");
        malformed("{\"limit\":9,\"meta\":7,\"changes\":[]}", "meta is a JSON object");
    }

    @Test
    void duplicateNamesAreMalformedAtEveryLevelOfTheDocument() {
        String change = "{\"table\":\"entity_states\",\"entityId\":\"e\",\"op\":\"put\",\"value\":{}}";
        malformed("{\"limit\":9,\"limit\":9,\"changes\":[" + change + "]}", "Duplicate field 'limit'");
        malformed("{\"limit\":9,\"changes\":[" + change + "],\"changes\":[" + change + "]}", "Duplicate field 'changes'");
        malformed("{\"limit\":9,\"meta\":{\"by\":1,\"by\":2},\"changes\":[" + change + "]}", "Duplicate field 'by'");
        malformed("{\"limit\":9,\"later\":{\"x\":[{\"y\":1,\"y\":1}]},\"changes\":[" + change + "]}",
                "Duplicate field 'y'");
        malformed(doc("{\"table\":\"entity_states\",\"entityId\":\"e\",\"op\":\"put\",\"value\":{\"a\":{\"b\":[{\"c\":1,"
                + "\"c\":2}]}}}"), "Duplicate field 'c'");
        malformed(doc("{\"table\":\"entity_states\",\"entityId\":\"e\",\"op\":\"put\",\"value\":{},\"op\":\"put\"}"),
                "Duplicate field 'op'");
    }

    @Test
    void theSameNamesInSiblingObjectsAreNotDuplicates() throws MalformedEventException {
        String change = "{\"table\":\"entity_states\",\"entityId\":\"e%d\",\"op\":\"put\",\"value\":{\"a\":{\"n\":1},"
                + "\"b\":{\"n\":2}}}";
        String json = "{\"limit\":9,\"meta\":{\"n\":1},\"changes\":[" + String.format(change, 1) + "," + String.format(change, 2) + "]}";

        BatchCodec.Document d = BatchCodec.decode(W, json.getBytes(StandardCharsets.UTF_8));

        assertEquals(2, d.items().size());
    }

    @Test
    void aChangeThatIsNotAnObjectIsMalformed() {
        malformed("{\"limit\":9,\"changes\":[7]}", "changes[0] is a JSON object");
        malformed(doc("{\"table\":\"world_state\",\"op\":\"put\",\"value\":{}}") .replace("}]}", "},\"x\"]}"),
                "changes[1] is a JSON object");
    }

    @Test
    void aDocumentInUtf16IsMalformed() {
        byte[] utf16 = doc("{\"table\":\"world_state\",\"op\":\"put\",\"value\":{}}").getBytes(StandardCharsets.UTF_16LE);
        assertTrue(assertThrows(MalformedEventException.class, () -> BatchCodec.decode(W, utf16)).getMessage().contains("not UTF-8"));
    }
}
