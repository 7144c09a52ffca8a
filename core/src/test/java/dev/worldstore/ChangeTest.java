package dev.worldstore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ChangeTest {

    private static final Key KEY = new Key.Entity("w1", "e1");
    private static final JsonNode VALUE = JsonNodeFactory.instance.objectNode().put("a", 1);

    @Test
    void rejectsDeleteWithPayload() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Change(KEY, Op.DELETE, VALUE, Condition.any(), null));
        assertTrue(e.getMessage().contains("delete"), e.getMessage());
    }

    @Test
    void rejectsPutWithoutPayload() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Change(KEY, Op.PUT, null, Condition.any(), null));
        assertTrue(e.getMessage().contains("put"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Change.put(KEY, null));
    }

    @Test
    void rejectsMergeWithoutPayload() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Change.merge(KEY, null));
        assertTrue(e.getMessage().contains("merge-patch"), e.getMessage());
    }

    @Test
    void rejectsMissingKeyOpOrCondition() {
        assertThrows(NullPointerException.class, () -> new Change(null, Op.PUT, VALUE, Condition.any(), null));
        assertThrows(NullPointerException.class, () -> new Change(KEY, null, VALUE, Condition.any(), null));
        assertThrows(NullPointerException.class, () -> new Change(KEY, Op.PUT, VALUE, null, null));
    }

    @Test
    void factoriesUseAnyConditionAndNoActor() {
        Change put = Change.put(KEY, VALUE);
        Change merge = Change.merge(KEY, VALUE);
        Change delete = Change.delete(KEY);

        assertEquals(Op.PUT, put.op());
        assertEquals(Op.MERGE, merge.op());
        assertEquals(Op.DELETE, delete.op());
        assertNull(delete.payload());
        for (Change c : new Change[] {put, merge, delete}) {
            assertEquals(Condition.any(), c.condition());
            assertNull(c.actor());
            assertSame(KEY, c.key());
        }
    }

    @Test
    void withConditionAndWithActorKeepTheRest() {
        Change c = Change.put(KEY, VALUE).withCondition(Condition.version(4)).withActor("alice");

        assertEquals(new Change(KEY, Op.PUT, VALUE, Condition.version(4), "alice"), c);
    }

    @Test
    void jsonFactoriesCarryTheCallersBytes() {
        byte[] bytes = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);

        Change put = Change.putJson(KEY, bytes);
        Change merge = Change.mergeJson(KEY, bytes);

        assertEquals(Op.PUT, put.op());
        assertEquals(Op.MERGE, merge.op());
        assertSame(bytes, put.payloadJson());
        assertSame(bytes, merge.payloadJson());
        assertEquals(Condition.any(), put.condition());
        assertNull(put.actor());
    }

    @Test
    void jsonFactoriesTakingTextEncodeUtf8() {
        Change c = Change.putJson(KEY, "{\"name\":\"Jos\u00e9\"}");

        assertArrayEquals("{\"name\":\"Jos\u00e9\"}".getBytes(StandardCharsets.UTF_8), c.payloadJson());
        assertArrayEquals("[1]".getBytes(StandardCharsets.UTF_8), Change.mergeJson(KEY, "[1]").payloadJson());
    }

    @Test
    void treeChangesAndDeletesHaveNoPayloadJson() {
        assertNull(Change.put(KEY, VALUE).payloadJson());
        assertNull(Change.merge(KEY, VALUE).payloadJson());
        assertNull(Change.delete(KEY).payloadJson());
    }

    @Test
    void jsonFactoriesRejectNull() {
        assertThrows(IllegalArgumentException.class, () -> Change.putJson(KEY, (byte[]) null));
        assertThrows(IllegalArgumentException.class, () -> Change.putJson(KEY, (String) null));
        assertThrows(IllegalArgumentException.class, () -> Change.mergeJson(KEY, (byte[]) null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Change.mergeJson(KEY, (String) null));
        assertTrue(e.getMessage().contains("merge-patch"), e.getMessage());
    }

    @Test
    void payloadOfJsonChangeIsParsedOnceAndKept() {
        Change c = Change.putJson(KEY, "{\"a\": 1}");

        JsonNode first = c.payload();

        assertEquals(VALUE, first);
        assertSame(first, c.payload());
        assertSame(first, c.withActor("bob").payload());
    }

    @Test
    void payloadOfMalformedJsonIsInvalidJson() {
        Change c = Change.putJson(KEY, "{\"a\": }");

        ValidationException e = assertThrows(ValidationException.class, c::payload);

        assertEquals(ErrorCode.INVALID_JSON, e.code());
        assertEquals("value", e.field());
        assertTrue(e.getMessage().contains("line 1, column 7"), e.getMessage());
        assertEquals(ErrorCode.INVALID_JSON, assertThrows(ValidationException.class, Change.putJson(KEY, "")::payload).code());
    }

    @Test
    void withConditionAndWithActorKeepTheJsonForm() {
        byte[] bytes = "{}".getBytes(StandardCharsets.UTF_8);

        Change c = Change.mergeJson(KEY, bytes).withCondition(Condition.version(4)).withActor("alice");

        assertSame(bytes, c.payloadJson());
        assertEquals(Op.MERGE, c.op());
        assertEquals(Condition.version(4), c.condition());
        assertEquals("alice", c.actor());
    }

    @Test
    void jsonChangesAreEqualByContentAndNeverEqualTreeChanges() {
        Change a = Change.putJson(KEY, "{\"a\":1}");
        Change b = Change.putJson(KEY, "{\"a\":1}".getBytes(StandardCharsets.UTF_8));

        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, Change.putJson(KEY, "{\"a\": 1}"));
        assertNotEquals(a, Change.mergeJson(KEY, "{\"a\":1}"));
        assertNotEquals(a, Change.put(KEY, VALUE));
        assertEquals(Change.put(KEY, VALUE), Change.put(KEY, VALUE.deepCopy()));
        assertEquals(Change.put(KEY, VALUE).hashCode(), Change.put(KEY, VALUE.deepCopy()).hashCode());
        assertEquals(Change.delete(KEY), Change.delete(KEY));
    }

    @Test
    void toStringShowsTheJsonText() {
        assertTrue(Change.putJson(KEY, "{\"a\":1}").toString().contains("payload={\"a\":1}"));
        assertTrue(Change.put(KEY, VALUE).toString().contains("payload={\"a\":1}"));
    }
}
