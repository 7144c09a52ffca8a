package dev.worldstore.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.ErrorCode;
import dev.worldstore.ValidationException;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The one JSON mapper of worldstore: exact decimals, duplicate keys rejected, nesting bounded. */
public final class Json {
    /** Deepest nesting a value may have. */
    public static final int MAX_NESTING_DEPTH = 200;

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING_DEPTH)
                .maxStringLength(64 * 1024 * 1024)
                .build());
    }

    private Json() {
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** Parses JSON text or bytes. @throws IOException with Jackson's location on malformed input */
    public static JsonNode parse(byte[] bytes) throws IOException {
        return MAPPER.readTree(bytes);
    }

    public static JsonNode parse(String text) throws IOException {
        return MAPPER.readTree(text);
    }

    /**
     * Parses bytes that must hold exactly one JSON value (UTF-8, or UTF-16/32 as Jackson detects).
     *
     * @return the value, never null
     * @throws ValidationException {@link ErrorCode#INVALID_JSON} on field {@code value}, naming the
     *     problem and, where known, its line and column; also when the bytes hold no value
     */
    public static JsonNode parseValue(byte[] bytes) {
        try {
            JsonNode node = MAPPER.readTree(bytes);
            if (node == null || node.isMissingNode()) {
                throw invalidJson("holds no JSON value");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw malformed(e, null);
        } catch (IOException e) {
            throw invalidJson("could not be read: " + e.getMessage());
        }
    }

    static ValidationException invalidJson(String rule) {
        return new ValidationException(ErrorCode.INVALID_JSON, "value", rule);
    }

    /**
     * Jackson's complaint as {@link ErrorCode#INVALID_JSON}, at the exception's location or, when it
     * has none (a nesting limit), at {@code fallback} (may be null).
     */
    static ValidationException malformed(JsonProcessingException e, JsonLocation fallback) {
        return invalidJson("malformed JSON" + where(e.getLocation() != null ? e.getLocation() : fallback) + ": "
                + e.getOriginalMessage());
    }

    /** {@code " at line L, column C"}, or empty when {@code at} is null or unknown. */
    static String where(JsonLocation at) {
        return at == null || at.getLineNr() < 1 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    }

    /** Parses JSON the caller knows is well-formed (test data, constants). */
    public static JsonNode parseTrusted(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JsonNode always serializes", e);
        }
    }

    public static String text(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JsonNode always serializes", e);
        }
    }
}
