package dev.worldstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConditionTest {

    @Test
    void expectedVersionRejectsNegative() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Condition.version(-1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Condition.ExpectedVersion(Long.MIN_VALUE));
    }

    @Test
    void expectedVersionAcceptsZeroAndMax() {
        assertEquals(0L, ((Condition.ExpectedVersion) Condition.version(0)).version());
        assertEquals(Long.MAX_VALUE, ((Condition.ExpectedVersion) Condition.version(Long.MAX_VALUE)).version());
    }

    @Test
    void onlyAnyIsUnconditional() {
        assertFalse(Condition.any().isConditional());
        assertFalse(new Condition.Any().isConditional());
        assertTrue(Condition.absent().isConditional());
        assertTrue(Condition.version(0).isConditional());
        assertTrue(Condition.version(5).isConditional());
    }

    @Test
    void conditionsAreValues() {
        assertEquals(Condition.any(), new Condition.Any());
        assertEquals(Condition.absent(), new Condition.Absent());
        assertEquals(Condition.version(3), Condition.version(3));
        assertFalse(Condition.version(3).equals(Condition.version(4)));
        assertFalse(Condition.any().equals(Condition.absent()));
    }

    @Test
    void toStringIsTheWireForm() {
        assertEquals("any", Condition.any().toString());
        assertEquals("absent", Condition.absent().toString());
        assertEquals("version=17", Condition.version(17).toString());
    }
}
