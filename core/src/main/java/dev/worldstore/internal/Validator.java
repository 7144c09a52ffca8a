package dev.worldstore.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.Change;
import dev.worldstore.ErrorCode;
import dev.worldstore.Key;
import dev.worldstore.Op;
import dev.worldstore.Scan;
import dev.worldstore.ValidationException;
import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The rules a change must meet before it is appended. Stateless and thread-safe. Every failure is
 * a {@link ValidationException} naming the field (a dotted path into the value) and the rule.
 *
 * <p>Vector fields ({@code position}, {@code rotation}, {@code quaternion}, {@code scale}) accept
 * the guide's object form ({@code {x,y,z}} / {@code {x,y,z,w}}) and Hyperfy's array form and are
 * stored as sent. A merge patch may only set them whole (or remove them with {@code null}), so a
 * patch can never leave a half vector behind.
 */
public final class Validator {
    public static final int MAX_ID_LENGTH = 128;
    public static final int MAX_APP_KEY_LENGTH = 256;
    public static final int MAX_USERNAME_LENGTH = 64;

    static final String ID_RULE = "1 to " + MAX_ID_LENGTH + " characters of A-Z a-z 0-9 _ - . : @";
    static final String APP_KEY_RULE = "1 to " + MAX_APP_KEY_LENGTH + " characters of A-Z a-z 0-9 _ - . : @ /";
    static final String USERNAME_RULE = "1 to " + MAX_USERNAME_LENGTH
            + " letters, digits, _ - . or inner spaces";

    private static final Pattern USERNAME = Pattern.compile("[\\p{L}\\p{N}_.-](?:[\\p{L}\\p{N}_. -]{0,62}[\\p{L}\\p{N}_.-])?");

    private final int maxValueBytes;

    public Validator(int maxValueBytes) {
        this.maxValueBytes = maxValueBytes;
    }

    public int maxValueBytes() {
        return maxValueBytes;
    }

    // ---- ids -------------------------------------------------------------------------------

    /** The id rule without a regex: this runs on every load and save. */
    private static boolean idChars(String s, int min, int max, boolean slash) {
        int n = s.length();
        if (n < min || n > max) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
                    || c == '.' || c == ':' || c == '@' || (slash && c == '/');
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    public static void checkId(String field, String id) {
        if (id == null || !idChars(id, 1, MAX_ID_LENGTH, false)) {
            throw new ValidationException(ErrorCode.INVALID_ID, field, "must be " + ID_RULE + describe(id));
        }
    }

    public static void checkKey(Key key) {
        if (key instanceof Key.Player k) {
            checkId("playerId", k.playerId());
            return;
        }
        checkId("worldId", key.worldId());
        if (key instanceof Key.PlayerState k) {
            checkId("playerId", k.playerId());
        } else if (key instanceof Key.Entity k) {
            checkId("entityId", k.entityId());
        } else if (key instanceof Key.AppData k) {
            checkId("appId", k.appId());
            if (k.playerId() != null) {
                checkId("playerId", k.playerId());
            }
            if (!idChars(k.key(), 1, MAX_APP_KEY_LENGTH, true)) {
                throw new ValidationException(ErrorCode.INVALID_ID, "key", "must be " + APP_KEY_RULE + describe(k.key()));
            }
        }
    }

    public static void checkScan(Scan.Prefix prefix) {
        checkId("worldId", prefix.worldId());
        if (prefix instanceof Scan.AppData a) {
            checkId("appId", a.appId());
            if (a.playerId() != null) {
                checkId("playerId", a.playerId());
            }
            if (!idChars(a.keyPrefix(), 0, MAX_APP_KEY_LENGTH, true)) {
                throw new ValidationException(ErrorCode.INVALID_ID, "prefix", "must be up to " + MAX_APP_KEY_LENGTH
                        + " characters of A-Z a-z 0-9 _ - . : @ /" + describe(a.keyPrefix()));
            }
        }
    }

    /** Checks a username and returns its case-insensitive form (NFC, lower case), the uniqueness key. */
    public static String normalizeUsername(String username) {
        String composed = username == null ? null : Normalizer.normalize(username, Normalizer.Form.NFC);
        if (composed == null || !USERNAME.matcher(composed).matches()) {
            throw new ValidationException(ErrorCode.INVALID_SHAPE, "username", "must be " + USERNAME_RULE + describe(username));
        }
        // Upper then lower folds case variants that lower-casing alone keeps apart (final sigma).
        return composed.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
    }

    private static String describe(String value) {
        if (value == null) {
            return ", was missing";
        }
        if (value.isEmpty()) {
            return ", was empty";
        }
        return value.length() > 40 ? ", was " + value.length() + " characters" : ", was '" + value + "'";
    }

    // ---- values ------------------------------------------------------------------------------

    /**
     * Checks a whole change and returns its payload serialized (or {@code null} for a delete).
     *
     * @throws ValidationException naming the field and the rule
     */
    public byte[] check(Change change) {
        checkKey(change.key());
        if (change.op() == Op.DELETE) {
            return null;
        }
        JsonNode payload = change.payload();
        boolean patch = change.op() == Op.MERGE;
        Key key = change.key();
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
        byte[] bytes = Json.bytes(payload);
        if (bytes.length > maxValueBytes) {
            throw new ValidationException(ErrorCode.VALUE_TOO_LARGE, "value",
                    "must be at most " + maxValueBytes + " bytes of JSON (value.max.bytes), was " + bytes.length);
        }
        return bytes;
    }

    private static void requireObject(String field, JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new ValidationException(ErrorCode.INVALID_SHAPE, field, "must be a JSON object, was " + kind(node));
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
            throw new ValidationException(ErrorCode.INVALID_SHAPE, field, "must be a JSON object, was " + kind(v));
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
                throw new ValidationException(ErrorCode.INVALID_SHAPE, "metadata." + f, "must be a string, was " + kind(v));
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
            throw new ValidationException(ErrorCode.INVALID_SHAPE, field, rule + ", was " + kind(v));
        }
    }

    private static void requireFinite(String field, JsonNode n, String rule) {
        if (n == null || !n.isNumber() || !Double.isFinite(n.asDouble())) {
            throw new ValidationException(ErrorCode.INVALID_SHAPE, field, rule + ", was " + kind(n));
        }
    }

    static String kind(JsonNode n) {
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
            default -> n.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }
}
