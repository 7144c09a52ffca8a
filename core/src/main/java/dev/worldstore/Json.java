package dev.worldstore;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;

/**
 * worldstore's JSON rules, for values a caller builds or reads: numbers keep every digit (decimals
 * as {@link java.math.BigDecimal}, integers of any size), duplicate member names and trailing
 * content are errors, nesting is at most {@value #MAX_NESTING_DEPTH} deep. The store reads and
 * writes JSON with exactly these rules, so a value built here round-trips unchanged.
 *
 * <p>Every method is thread-safe. Parse errors are {@link ValidationException}s with
 * {@link ErrorCode#INVALID_JSON} on field {@code value}, naming the problem and, where known, its
 * line and column (unchecked: no {@code IOException} to catch).
 */
public final class Json {
    /** Deepest nesting a value may have. */
    public static final int MAX_NESTING_DEPTH = 200;

    /** Longest string (a member name or value) a value may hold, in characters. */
    public static final int MAX_STRING_LENGTH = 64 * 1024 * 1024;

    /** The one configured mapper; never handed out, since an {@link ObjectMapper} can be reconfigured. */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            // decimals exactly as written: 1.10 stays 1.10
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING_DEPTH)
                .maxStringLength(MAX_STRING_LENGTH)
                .build());
    }

    private static final ObjectReader READER = MAPPER.reader();

    private Json() {
    }

    /** A new, empty JSON object. */
    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** A new, empty JSON array. */
    public static ArrayNode array() {
        return MAPPER.createArrayNode();
    }

    /**
     * Parses text that must hold exactly one JSON value.
     *
     * @return the value, never null
     * @throws ValidationException {@link ErrorCode#INVALID_JSON} when it is not one well-formed value
     */
    public static JsonNode parse(String text) {
        try {
            return nonEmpty(MAPPER.readTree(text));
        } catch (JsonProcessingException e) {
            throw invalidJson(e, null);
        }
    }

    /**
     * Parses bytes that must hold exactly one JSON value (UTF-8, or UTF-16/32 as Jackson detects).
     *
     * @return the value, never null
     * @throws ValidationException {@link ErrorCode#INVALID_JSON} when they are not one well-formed value
     */
    public static JsonNode parse(byte[] bytes) {
        return parse(bytes, 0, bytes.length);
    }

    /** As {@link #parse(byte[])}, for {@code length} bytes of {@code bytes} from {@code offset}. */
    public static JsonNode parse(byte[] bytes, int offset, int length) {
        try {
            return nonEmpty(MAPPER.readTree(bytes, offset, length));
        } catch (JsonProcessingException e) {
            throw invalidJson(e, null);
        } catch (IOException e) {
            throw invalidJson("could not be read: " + e.getMessage());
        }
    }

    private static JsonNode nonEmpty(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            throw invalidJson("holds no JSON value");
        }
        return node;
    }

    /** The value as compact JSON text. */
    public static String text(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JsonNode always serializes", e);
        }
    }

    /** The value as compact UTF-8 JSON. */
    public static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JsonNode always serializes", e);
        }
    }

    /** The value as indented UTF-8 JSON, for files people read. */
    public static byte[] prettyBytes(JsonNode node) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JsonNode always serializes", e);
        }
    }

    /** A generator writing UTF-8 JSON to {@code out}; closing it does not close {@code out}. Not thread-safe. */
    public static JsonGenerator generator(OutputStream out) {
        try {
            return MAPPER.createGenerator(out).disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A generator writing JSON text to {@code out}; closing it does not close {@code out}. Not thread-safe. */
    public static JsonGenerator generator(Writer out) {
        try {
            return MAPPER.createGenerator(out).disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A streaming parser over {@code length} bytes of {@code bytes} from {@code offset}, with these rules. Not thread-safe. */
    public static JsonParser parser(byte[] bytes, int offset, int length) {
        try {
            return MAPPER.getFactory().createParser(bytes, offset, length);
        } catch (IOException e) {
            throw new UncheckedIOException("a parser over a byte array cannot fail to open", e);
        }
    }

    /**
     * A streaming parser for a document that wraps values in {@code envelopeDepth} levels of its own
     * (a batch's {@code {"changes": [{"value": ...}]}} is 3): nesting may reach
     * {@value #MAX_NESTING_DEPTH} + {@code envelopeDepth}, so a value nested as deep as a save allows
     * fits. Unlike {@link #parser(byte[], int, int)} it does not detect duplicate member names: the
     * caller checks its envelope's own names, and the values inside must be checked on their own
     * (which finds theirs: checked here too, every object of a batch's values was checked twice, and
     * this parser's hash set per object took 7% of a batch request's thread). Not thread-safe.
     */
    public static JsonParser parser(byte[] bytes, int offset, int length, int envelopeDepth) {
        if (envelopeDepth < 0 || envelopeDepth > 16) {
            throw new IllegalArgumentException("envelopeDepth must be between 0 and 16, was " + envelopeDepth);
        }
        try {
            return ENVELOPES.get(envelopeDepth).createParser(bytes, offset, length);
        } catch (IOException e) {
            throw new UncheckedIOException("a parser over a byte array cannot fail to open", e);
        }
    }

    /** Per envelope depth, a factory with {@link #MAPPER}'s rules and that much more nesting, without duplicate detection. */
    private static final java.util.List<com.fasterxml.jackson.core.JsonFactory> ENVELOPES;

    static {
        java.util.List<com.fasterxml.jackson.core.JsonFactory> f = new java.util.ArrayList<>();
        for (int depth = 0; depth <= 16; depth++) {
            com.fasterxml.jackson.core.JsonFactory copy = MAPPER.getFactory().copy();
            copy.setStreamReadConstraints(MAPPER.getFactory().streamReadConstraints().rebuild()
                    .maxNestingDepth(MAX_NESTING_DEPTH + depth).build());
            copy.disable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            f.add(copy);
        }
        ENVELOPES = java.util.List.copyOf(f);
    }

    /**
     * Writes {@code length} bytes of UTF-8 JSON from {@code offset} as the next value of
     * {@code gen}, unparsed: for JSON known to be one well-formed value (a stored value, a checked
     * request body). Nothing checks it here; malformed bytes make a malformed document.
     */
    public static void writeRaw(JsonGenerator gen, byte[] bytes, int offset, int length) throws IOException {
        new RawJson(bytes, offset, length).writeTo(gen);
    }

    /** An immutable reader with these rules (for subtrees of a stream and typed reads). */
    public static ObjectReader reader() {
        return READER;
    }

    /**
     * The {@link ErrorCode#INVALID_JSON} error for Jackson's complaint, at the exception's location
     * or, when it has none (a nesting limit), at {@code fallback} (may be null).
     */
    public static ValidationException invalidJson(JsonProcessingException e, JsonLocation fallback) {
        String at = where(e.getLocation() != null ? e.getLocation() : fallback);
        if (e instanceof StreamConstraintsException) {
            return invalidJson(limitBroken(e.getOriginalMessage()) + at);
        }
        return invalidJson("malformed JSON" + at + ": " + e.getOriginalMessage());
    }

    /**
     * A read limit's breach in worldstore's words, with the limit: {@code "nesting deeper than 200"},
     * not the parser's internal names.
     */
    private static String limitBroken(String parserMessage) {
        StreamReadConstraints c = MAPPER.getFactory().streamReadConstraints();
        String m = parserMessage == null ? "" : parserMessage;
        if (m.startsWith("Document nesting depth")) {
            return "nesting deeper than " + c.getMaxNestingDepth() + " (arrays and objects inside one another)";
        }
        if (m.startsWith("String value length")) {
            return "a string longer than " + c.getMaxStringLength() + " characters";
        }
        if (m.startsWith("Number value length")) {
            return "a number longer than " + c.getMaxNumberLength() + " characters";
        }
        if (m.startsWith("Name length")) {
            return "a member name longer than " + c.getMaxNameLength() + " characters";
        }
        // another limit: keep the parser's words but not the name of its setting
        return "JSON over a limit: " + m.replaceAll(",? from `[^`]*`", "");
    }

    /** The {@link ErrorCode#INVALID_JSON} error on field {@code value} with {@code rule} as its message. */
    public static ValidationException invalidJson(String rule) {
        return new ValidationException(ErrorCode.INVALID_JSON, "value", rule);
    }

    /** {@code " at line L, column C"}, or empty when {@code at} is null or unknown. */
    public static String where(JsonLocation at) {
        return at == null || at.getLineNr() < 1 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    }

    /** What a JSON value is, in words for error messages: "an array", "a string", "null", "missing" ({@code null} or a missing node). */
    public static String kind(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return "missing";
        }
        return switch (n.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
