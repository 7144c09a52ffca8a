package dev.worldstore.projector;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.Change;
import dev.worldstore.ErrorCode;
import dev.worldstore.Key;
import dev.worldstore.Op;
import dev.worldstore.Json;
import dev.worldstore.ValidationException;
import java.io.IOException;
import java.util.Arrays;
import java.util.Set;

/**
 * The rules a change must meet before it is appended. Stateless and thread-safe. Every failure is
 * a {@link ValidationException} naming the field (a dotted path into the value) and the rule.
 *
 * <p>Vector fields ({@code position}, {@code rotation}, {@code quaternion}, {@code scale}) accept
 * the guide's object form ({@code {x,y,z}} / {@code {x,y,z,w}}) and Hyperfy's array form and are
 * stored as sent. A merge patch may only set them whole (or remove them with {@code null}), so a
 * patch can never leave a half vector behind.
 */
final class Validator {
    /** The top-level fields the value rules read, per table (see {@link #fieldsRead}). */
    private static final Set<String> VECTORS = Set.of("position", "rotation", "quaternion", "scale");
    private static final Set<String> WORLD_STATE_FIELDS = Set.of("position", "rotation", "quaternion", "scale", "metadata");
    private static final Set<String> ENTITY_FIELDS = Set.of("position", "rotation", "quaternion", "scale", "id", "components",
            "metadata");

    /** Reads subtrees in the middle of a stream: the mapper's own trailing-token check would end the scan. */
    private static final ObjectReader SUBTREE = Json.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** As {@link #SUBTREE}, for parsers without duplicate detection of their own ({@link JsonWalk#parser}). */
    private static final ObjectReader SUBTREE_NO_DUPLICATES = SUBTREE.with(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    private final int maxValueBytes;

    Validator(int maxValueBytes) {
        this.maxValueBytes = maxValueBytes;
    }

    int maxValueBytes() {
        return maxValueBytes;
    }

    // ---- values ------------------------------------------------------------------------------

    /**
     * Checks a whole change and returns the bytes to append: {@code null} for a delete; for a
     * change built from a tree, the tree serialised; for a change built from JSON text
     * ({@link Change#payloadJson()}), the caller's bytes themselves (the same array; a copy only
     * when a UTF-8 byte order mark is dropped or UTF-16/32 text is re-encoded as UTF-8).
     *
     * <p>JSON text is read in one streaming pass: it must be exactly one well-formed value
     * without duplicate keys or nesting deeper than {@link Json#MAX_NESTING_DEPTH}, else
     * {@link ErrorCode#INVALID_JSON} (reported before the key is checked, as a server parsing the
     * text first would). Only the top-level fields the rules look at are built as trees; the rules,
     * their codes and messages are those of the tree form.
     *
     * @throws ValidationException naming the field and the rule
     */
    byte[] check(Change change) {
        byte[] json = change.payloadJson();
        if (json != null) {
            return checkJson(change, json);
        }
        change.key().check();
        if (change.op() == Op.DELETE) {
            return null;
        }
        JsonNode payload = change.payload();
        checkValue(change.key(), change.op() == Op.MERGE, payload);
        return checkSize(Json.bytes(payload));
    }

    private byte[] checkJson(Change change, byte[] json) {
        Key key = change.key();
        boolean patch = change.op() == Op.MERGE;
        if (!utf8(json)) {
            JsonNode tree = Json.parse(json);
            key.check();
            checkValue(key, patch, tree);
            return checkSize(Json.bytes(tree));
        }
        JsonNode sparse = scan(json, fieldsRead(key));
        key.check();
        checkValue(key, patch, sparse);
        return checkSize(hasUtf8Bom(json) ? Arrays.copyOfRange(json, 3, json.length) : json);
    }

    private byte[] checkSize(byte[] bytes) {
        if (bytes.length > maxValueBytes) {
            throw new ValidationException(ErrorCode.VALUE_TOO_LARGE, "value",
                    "must be at most " + maxValueBytes + " bytes of JSON (value.max.bytes), was " + bytes.length);
        }
        return bytes;
    }

    /** The shape rules of a PUT value or MERGE patch; they read only the fields {@link #fieldsRead} names. */
    private static void checkValue(Key key, boolean patch, JsonNode payload) {
        if (key instanceof Key.Player) {
            if (patch) {
                throw new ValidationException(ErrorCode.INVALID_SHAPE, "op", "players are registered, not patched");
            }
            requireObject("value", payload);
        } else if (key instanceof Key.PlayerState) {
            checkStateObject(payload, patch);
        } else if (key instanceof Key.Entity k) {
            checkStateObject(payload, patch);
            JsonNode id = payload.get("id");
            if (id != null && !(patch && id.isNull()) && !(id.isTextual() && id.asText().equals(k.entityId()))) {
                throw new ValidationException(ErrorCode.INVALID_SHAPE, "id", "must equal the entity id '" + k.entityId() + "'");
            }
            checkObjectField(payload, "components", patch);
            checkMetadata(payload, patch);
        } else if (key instanceof Key.WorldState) {
            checkStateObject(payload, patch);
            checkObjectField(payload, "metadata", patch);
        } else if (payload.isNull() || payload.isMissingNode()) {
            throw new ValidationException(ErrorCode.INVALID_SHAPE, "value", "must not be null (delete the key instead)");
        }
    }

    /** The top-level fields {@link #checkValue} reads for values at {@code key}. */
    private static Set<String> fieldsRead(Key key) {
        if (key instanceof Key.Entity) {
            return ENTITY_FIELDS;
        }
        if (key instanceof Key.WorldState) {
            return WORLD_STATE_FIELDS;
        }
        return key instanceof Key.PlayerState ? VECTORS : Set.of();
    }

    /**
     * Reads UTF-8 JSON, checking that it is exactly one well-formed value, and returns a stand-in
     * the shape rules can read: for an object, an object holding only the top-level {@code fields}
     * present; for an array, an empty array; for a scalar, the scalar.
     *
     * <p>Most values are read once, by {@link #streamed}. Anything it is unsure of, an error
     * included, makes the whole value read again by {@link #withTrees}, the way that builds every
     * read field's tree, so the refusals and their messages are exactly those of the tree form.
     */
    private static JsonNode scan(byte[] json, Set<String> fields) {
        JsonNode fast = streamed(json, fields);
        return fast != null ? fast : withTrees(json, fields);
    }

    /**
     * The common case in one pass without trees for vectors: an object (or an array) whose member
     * names {@link JsonWalk} checks; a vector field that is an array of as many plain, finite
     * numbers as it needs (Hyperfy's form), or an object of exactly its axes holding such numbers
     * (the guide's form), is checked as it streams by and left out of the stand-in, which the rules
     * then find nothing wrong with. {@code null} when the value needs {@link #withTrees}: a scalar
     * at the top, a vector of any other shape, a duplicate name, malformed JSON.
     */
    private static JsonNode streamed(byte[] json, Set<String> fields) {
        JsonWalk walk = new JsonWalk();
        try (JsonParser p = JsonWalk.parser(json, 0, json.length)) {
            JsonToken t = p.nextToken();
            JsonNode sparse;
            if (t == JsonToken.START_OBJECT) {
                ObjectNode o = Json.object();
                walk.open();
                while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    walk.member(name, p);
                    JsonToken v = p.nextToken();
                    if (!fields.contains(name)) {
                        walk.value(p, v);
                    } else if (VECTORS.contains(name) && (v == JsonToken.START_ARRAY || v == JsonToken.START_OBJECT)) {
                        int size = name.equals("position") || name.equals("scale") ? 3 : 4;
                        if (!(v == JsonToken.START_ARRAY ? finiteNumbers(p, size) : finiteAxes(p, size))) {
                            return null;
                        }
                    } else if (v == JsonToken.VALUE_STRING) {
                        o.put(name, p.getText());
                    } else {
                        // a tree of its own: duplicate names in it fail the tree, not the walk
                        o.set(name, SUBTREE_NO_DUPLICATES.readTree(p));
                    }
                }
                walk.close();
                sparse = o;
            } else if (t == JsonToken.START_ARRAY) {
                walk.value(p, t);
                sparse = Json.array();
            } else {
                return null;
            }
            return p.nextToken() == null ? sparse : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Reads JSON once, building the tree of every top-level field in {@code fields}; refuses what breaks the JSON rules. */
    private static JsonNode withTrees(byte[] json, Set<String> fields) {
        JsonParser p = parser(json);
        try (p) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw Json.invalidJson("holds no JSON value");
            }
            JsonNode sparse;
            if (t == JsonToken.START_OBJECT) {
                ObjectNode o = Json.object();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    if (fields.contains(name)) {
                        o.set(name, SUBTREE.readTree(p));
                    } else {
                        p.skipChildren();
                    }
                }
                sparse = o;
            } else if (t == JsonToken.START_ARRAY) {
                p.skipChildren();
                sparse = Json.array();
            } else {
                JsonNode scalar = SUBTREE.readTree(p);
                sparse = scalar == null ? NullNode.getInstance() : scalar;
            }
            if (p.nextToken() != null) {
                throw Json.invalidJson("malformed JSON" + Json.where(p.currentTokenLocation())
                        + ": trailing content after the JSON value");
            }
            return sparse;
        } catch (JsonProcessingException e) {
            throw Json.invalidJson(e, p.currentLocation());
        } catch (IOException e) {
            throw Json.invalidJson("could not be read: " + e.getMessage());
        }
    }

    /**
     * Reads the rest of an array whose start was just read: true when it holds exactly
     * {@code size} numbers that {@link #finiteNumber} accepts; false as soon as it does not, the
     * stream then left anywhere.
     */
    private static boolean finiteNumbers(JsonParser p, int size) throws IOException {
        for (int i = 0; i < size; i++) {
            if (!finiteNumber(p, p.nextToken())) {
                return false;
            }
        }
        return p.nextToken() == JsonToken.END_ARRAY;
    }

    /**
     * Reads the rest of an object whose start was just read: true when its members are exactly
     * the first {@code size} of {@code x, y, z, w}, each once, in any order, each a number that
     * {@link #finiteNumber} accepts; false as soon as they are not, the stream then left anywhere.
     */
    private static boolean finiteAxes(JsonParser p, int size) throws IOException {
        int seen = 0;
        for (int i = 0; i < size; i++) {
            if (p.nextToken() != JsonToken.FIELD_NAME) {
                return false;
            }
            String name = p.currentName();
            int axis = name.length() == 1 ? "xyzw".indexOf(name.charAt(0)) : -1;
            if (axis < 0 || axis >= size || (seen & 1 << axis) != 0 || !finiteNumber(p, p.nextToken())) {
                return false;
            }
            seen |= 1 << axis;
        }
        return p.nextToken() == JsonToken.END_OBJECT;
    }

    /**
     * True when {@code t}, just read, is a number that is finite however it is read: a whole
     * number of at most 64 bits, or a decimal well inside the range of a double.
     */
    private static boolean finiteNumber(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NUMBER_INT) {
            JsonParser.NumberType type = p.getNumberType();
            return type == JsonParser.NumberType.INT || type == JsonParser.NumberType.LONG;
        }
        return t == JsonToken.VALUE_NUMBER_FLOAT && Math.abs(p.getDoubleValue()) < 1e300;
    }

    private static JsonParser parser(byte[] json) {
        return Json.parser(json, 0, json.length);
    }

    /**
     * False for UTF-16/32 text (a byte order mark, or a zero byte among the first two, which UTF-8
     * JSON never has); such text is re-encoded rather than stored as sent.
     */
    private static boolean utf8(byte[] b) {
        if (b.length < 2) {
            return true;
        }
        int b0 = b[0] & 0xFF;
        int b1 = b[1] & 0xFF;
        return b0 != 0 && b1 != 0 && !(b0 == 0xFE && b1 == 0xFF) && !(b0 == 0xFF && b1 == 0xFE);
    }

    private static boolean hasUtf8Bom(byte[] b) {
        return b.length >= 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF;
    }

    private static void requireObject(String field, JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new ValidationException(ErrorCode.INVALID_SHAPE, field, "must be a JSON object, was " + Json.kind(node));
        }
    }

    private static void checkStateObject(JsonNode payload, boolean patch) {
        requireObject("value", payload);
        checkVector(payload, "position", 3, patch);
        checkVector(payload, "rotation", 4, patch);
        checkVector(payload, "quaternion", 4, patch);
        checkVector(payload, "scale", 3, patch);
    }

    private static void checkObjectField(JsonNode payload, String field, boolean patch) {
        JsonNode v = payload.get(field);
        if (v == null || (patch && v.isNull())) {
            return;
        }
        if (!v.isObject()) {
            throw new ValidationException(ErrorCode.INVALID_SHAPE, field, "must be a JSON object, was " + Json.kind(v));
        }
    }

    private static void checkMetadata(JsonNode payload, boolean patch) {
        checkObjectField(payload, "metadata", patch);
        JsonNode meta = payload.get("metadata");
        if (meta == null || !meta.isObject()) {
            return;
        }
        for (String f : new String[] {"type", "name"}) {
            JsonNode v = meta.get(f);
            if (v != null && !v.isTextual() && !(patch && v.isNull())) {
                throw new ValidationException(ErrorCode.INVALID_SHAPE, "metadata." + f, "must be a string, was " + Json.kind(v));
            }
        }
    }

    /**
     * A vector is {@code {x,y,z}} ({@code {x,y,z,w}} for 4) or an array of that many finite
     * numbers. In a patch, {@code null} removes it.
     */
    private static void checkVector(JsonNode payload, String field, int size, boolean patch) {
        JsonNode v = payload.get(field);
        if (v == null || (patch && v.isNull())) {
            return;
        }
        String names = size == 3 ? "x,y,z" : "x,y,z,w";
        String rule = "must be {" + names + "} or [" + names + "]: " + size + " finite numbers";
        if (v.isArray()) {
            if (v.size() != size) {
                throw new ValidationException(ErrorCode.INVALID_SHAPE, field, rule + ", was an array of " + v.size());
            }
            for (int i = 0; i < size; i++) {
                requireFinite(field + "[" + i + "]", v.get(i), rule);
            }
        } else if (v.isObject()) {
            if (v.size() != size) {
                throw new ValidationException(ErrorCode.INVALID_SHAPE, field, rule + ", had " + v.size() + " fields");
            }
            for (int i = 0; i < size; i++) {
                String axis = String.valueOf(names.charAt(i * 2));
                requireFinite(field + "." + axis, v.get(axis), rule);
            }
        } else {
            throw new ValidationException(ErrorCode.INVALID_SHAPE, field, rule + ", was " + Json.kind(v));
        }
    }

    private static void requireFinite(String field, JsonNode n, String rule) {
        if (n == null || !n.isNumber() || !Double.isFinite(n.asDouble())) {
            throw new ValidationException(ErrorCode.INVALID_SHAPE, field, rule + ", was " + Json.kind(n));
        }
    }
}
