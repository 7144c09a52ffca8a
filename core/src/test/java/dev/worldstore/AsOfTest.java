package dev.worldstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class AsOfTest {

    @Test
    void readsEachFormAndWritesItBackAsGiven() {
        AsOf time = AsOf.parse("asOf", "2026-11-24T14:02:00Z");
        AsOf position = AsOf.parse("asOf", "3-1042");
        AsOf start = AsOf.parse("asOf", "3-start");

        assertEquals(Instant.parse("2026-11-24T14:02:00Z"), assertInstanceOf(AsOf.AtTime.class, time).instant());
        assertEquals(new LogPosition(3, 1042), assertInstanceOf(AsOf.AtPosition.class, position).position());
        assertEquals(3, assertInstanceOf(AsOf.AtStart.class, start).partition());
        assertEquals("2026-11-24T14:02:00Z", time.toString());
        assertEquals("3-1042", position.toString());
        assertEquals("3-start", start.toString());
    }

    @Test
    void aPositionOrAStartNamesItsPartitionAndAnInstantNone() {
        assertEquals(3, AsOf.parse("asOf", "3-1042").partition());
        assertEquals(0, AsOf.parse("asOf", "0-start").partition());
        assertEquals(-1, AsOf.parse("asOf", "2026-11-24T14:02:00Z").partition());
    }

    @Test
    void aPartitionsStartIncludesNoChangeAndAPositionItselfAndWhatCameBefore() {
        AsOf start = new AsOf.AtStart(2);
        AsOf position = AsOf.position(new LogPosition(2, 5));

        assertFalse(start.includes(0, Long.MIN_VALUE));
        assertTrue(position.includes(5, Long.MAX_VALUE));
        assertFalse(position.includes(6, Long.MIN_VALUE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "start", "-start", "x-start", "-1-start", "3-", "3-START", "yesterday", "3-start-start"})
    void anythingElseIsAnInvalidArgumentNamingTheField(String text) {
        ValidationException e = assertThrows(ValidationException.class, () -> AsOf.parse("from", text));

        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertEquals("from", e.field());
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }
}
