package dev.worldstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class LogPositionTest {

    @Test
    void toStringIsPartitionDashOffset() {
        assertEquals("3-1042", new LogPosition(3, 1042).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0-0", "3-1042", "0-42", "9999-" + Long.MAX_VALUE, "2147483647-1"})
    void parseAndToStringRoundTrip(String text) {
        LogPosition p = LogPosition.parse(text);

        assertEquals(text, p.toString());
        assertEquals(p, LogPosition.parse(p.toString()));
    }

    @Test
    void parseReadsPartitionAndOffset() {
        LogPosition p = LogPosition.parse("3-1042");

        assertEquals(3, p.partition());
        assertEquals(1042L, p.offset());
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"x", "1-", "-1", "a-b", "-", "1", "1-x", "x-1", "1-2-3", "2147483648-1", "1.5-2"})
    void parseRejectsMalformedTextNamingTheForm(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LogPosition.parse(text));
        assertTrue(e.getMessage().contains("partition-offset") || e.getMessage().contains("must be >= 0"), e.getMessage());
    }

    @Test
    void parseRejectsNegativeOffset() {
        assertThrows(IllegalArgumentException.class, () -> LogPosition.parse("1--2"));
    }

    @Test
    void rejectsNegativePartitionOrOffset() {
        assertThrows(IllegalArgumentException.class, () -> new LogPosition(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> new LogPosition(0, -1));
    }
}
