package dev.worldstore.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.worldstore.ErrorCode;
import dev.worldstore.Json;
import dev.worldstore.ValidationException;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The entity id filled into request bodies as bytes, without a tree. */
class HttpSupportTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Stream<Arguments> bodiesWithoutId() {
        return Stream.of(
                Arguments.of("{}", "{\"id\":\"e1\"}"),
                Arguments.of(" { } ", " { \"id\":\"e1\"} "),
                Arguments.of("{\"a\":1}", "{\"a\":1,\"id\":\"e1\"}"),
                Arguments.of("{\"a\":{\"id\":\"x\"},\"b\":[{\"id\":1}]}", "{\"a\":{\"id\":\"x\"},\"b\":[{\"id\":1}],\"id\":\"e1\"}"),
                Arguments.of("{\"a\": \"}\" }\n", "{\"a\": \"}\" ,\"id\":\"e1\"}\n"),
                Arguments.of("{\"n\":\"Jos\u00e9\"}", "{\"n\":\"Jos\u00e9\",\"id\":\"e1\"}"));
    }

    @ParameterizedTest
    @MethodSource("bodiesWithoutId")
    void objectWithoutTopLevelIdGetsTheIdAsItsLastMember(String body, String expected) {
        byte[] filled = RequestBodies.withId(utf8(body), "e1");

        assertEquals(expected, new String(filled, StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"id\":\"other\"}", "{\"a\":1,\"id\":null}", "[{}]", "\"text\"", "null", "", "{\"a\":", "{} {}",
        "{\"a\":1,\"a\":2}", "{\"a\":1} x"})
    void bodyWithIdOrNotAnObjectOrUnreadableIsLeftAsItIs(String body) {
        byte[] sent = utf8(body);

        assertSame(sent, RequestBodies.withId(sent, "e1"));
    }

    @Test
    void idIsEscapedAsAJsonString() {
        byte[] filled = RequestBodies.withId(utf8("{}"), "a\"b");

        assertEquals("a\"b", Json.parse(new String(filled, StandardCharsets.UTF_8)).path("id").asText());
    }

    @Test
    void utf16BodyFallsBackToATree() {
        byte[] filled = RequestBodies.withId("{\"a\":1}".getBytes(StandardCharsets.UTF_16LE), "e1");

        assertEquals(Json.parse("{\"a\":1,\"id\":\"e1\"}"), Json.parse(new String(filled, StandardCharsets.UTF_8)));
    }

    // ---- Idempotency-Key (IETF httpapi draft: an RFC 8941 sf-string) -----------------------------

    @Test
    void anIdempotencyKeyIsAnSfStringOrABareToken() {
        assertEquals("8e03978e-40d5-43e8-bc93-6894a57f9324", HttpSupport.idempotencyKey("\"8e03978e-40d5-43e8-bc93-6894a57f9324\""));
        assertEquals("8e03978e", HttpSupport.idempotencyKey(" 8e03978e "));
        assertEquals("a \"quoted\" \\ key", HttpSupport.idempotencyKey("\"a \\\"quoted\\\" \\\\ key\""));
        assertEquals(null, HttpSupport.idempotencyKey((String) null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"unterminated", "\"a\"b\"", "\"bad \\x escape\"", "two words", "\"\"", "caf\u00e9", "\"tab\there\""})
    void aMalformedIdempotencyKeyIs400NamingTheHeader(String raw) {
        ValidationException e = org.junit.jupiter.api.Assertions.assertThrows(ValidationException.class,
                () -> HttpSupport.idempotencyKey(raw));
        assertEquals("Idempotency-Key", e.field());
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    }

    @Test
    void anIdempotencyKeyHoldsAtMost255Characters() {
        assertEquals(255, HttpSupport.idempotencyKey("k".repeat(255)).length());
        org.junit.jupiter.api.Assertions.assertThrows(ValidationException.class, () -> HttpSupport.idempotencyKey("k".repeat(256)));
    }
}
