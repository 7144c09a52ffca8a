package dev.worldstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A value over one of the parser's limits is reported in worldstore's words, with the limit, and never by a parser-internal name. */
class JsonLimitsTest {

    private static String nested(String kind, int depth) {
        StringBuilder open = new StringBuilder();
        StringBuilder close = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            boolean array = kind.equals("arrays") || kind.equals("mixed") && i % 2 == 0;
            open.append(array ? "[" : "{\"a\":");
            close.insert(0, array ? "]" : "}");
        }
        return open.append("1").append(close).toString();
    }

    private static void assertWorldstoreWords(ValidationException e, String expected) {
        assertEquals(ErrorCode.INVALID_JSON, e.code());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        for (String internal : new String[] {"StreamReadConstraints", "getMax", "`", "exceeds the maximum allowed"}) {
            assertFalse(e.getMessage().contains(internal), () -> e.getMessage() + " names a parser internal: " + internal);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"arrays", "objects", "mixed"})
    void nestingOneDeeperThanTheLimitIsReportedWithTheLimit(String kind) {
        // given arrays, objects or both nested one level deeper than the limit
        String tooDeep = nested(kind, Json.MAX_NESTING_DEPTH + 1);
        // when parsed as text or bytes, then the error says "nesting deeper than 200"
        assertWorldstoreWords(assertThrows(ValidationException.class, () -> Json.parse(tooDeep)),
                "nesting deeper than " + Json.MAX_NESTING_DEPTH);
        assertWorldstoreWords(assertThrows(ValidationException.class, () -> Json.parse(tooDeep.getBytes(StandardCharsets.UTF_8))),
                "nesting deeper than " + Json.MAX_NESTING_DEPTH);
        // and exactly the limit is accepted
        Json.parse(nested(kind, Json.MAX_NESTING_DEPTH));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "-1", "0.1"})
    void aNumberLongerThanTheLimitIsReportedWithTheLimit(String start) {
        // given a number of more than 1000 characters (its digits all kept otherwise)
        String number = start + "1".repeat(1001);
        // then its error names the limit in characters
        assertWorldstoreWords(assertThrows(ValidationException.class, () -> Json.parse("[" + number + "]")),
                "a number longer than 1000 characters");
    }

    @ParameterizedTest
    @ValueSource(ints = {50_001, 100_000})
    void aMemberNameLongerThanTheLimitIsReportedWithTheLimit(int length) {
        // given an object with a member name over the parser's limit
        String doc = "{\"" + "n".repeat(length) + "\":1}";
        // then its error names the limit
        assertWorldstoreWords(assertThrows(ValidationException.class, () -> Json.parse(doc)),
                "a member name longer than 50000 characters");
    }
}
