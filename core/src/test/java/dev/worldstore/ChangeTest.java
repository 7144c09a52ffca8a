package dev.worldstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
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
}
