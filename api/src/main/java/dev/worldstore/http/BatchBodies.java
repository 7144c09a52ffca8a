package dev.worldstore.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.worldstore.Change;
import dev.worldstore.Condition;
import dev.worldstore.ErrorCode;
import dev.worldstore.IdempotencyKeys;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.Op;
import dev.worldstore.Table;
import dev.worldstore.ValidationException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The request bodies of world transactions ({@link BatchRoutes}): a batch of changes and a list of
 * keys to read, each checked as it is read, every error naming the item by its index
 * ({@code changes[3].value.position}, {@code keys[1].table}). Stateless.
 */
final class BatchBodies {
    private BatchBodies() {
    }

    private static final List<String> CHANGE_FIELDS = List.of("op", "table", "playerId", "entityId", "appId", "key", "value", "patch",
            "ifVersion", "ifAbsent");

    /** A batch body: its changes and its idempotency key (or null). */
    record ParsedBatch(List<Change> changes, String idempotencyKey) {
    }

    /** {@code {"changes": [{"value": ...}]}}: a value may nest as deep as a save allows, the envelope on top. */
    private static final int BATCH_ENVELOPE_DEPTH = 3;

    /** Reads a batch body; each value is a copy of the request's bytes, unparsed. */
    static ParsedBatch parseBatch(String worldId, byte[] body) {
        List<Change> changes = new ArrayList<>();
        String idempotencyKey = null;
        try (JsonParser p = Json.parser(body, 0, body.length, BATCH_ENVELOPE_DEPTH)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw shape("value", "must be a JSON object {\"changes\": [...]}");
            }
            boolean sawChanges = false;
            boolean sawKey = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                if (name.equals("idempotencyKey") ? sawKey : name.equals("changes") && sawChanges) {
                    throw duplicate(p, name);
                }
                JsonToken t = p.nextToken();
                if (name.equals("idempotencyKey")) {
                    sawKey = true;
                    if (t != JsonToken.VALUE_STRING) {
                        throw shape("idempotencyKey", "must be a string");
                    }
                    idempotencyKey = IdempotencyKeys.check(p.getText(), "idempotencyKey");
                    continue;
                }
                if (!name.equals("changes")) {
                    throw shape(name, "is not a batch field (changes, idempotencyKey)");
                }
                if (t != JsonToken.START_ARRAY) {
                    throw shape("changes", "must be an array of changes");
                }
                sawChanges = true;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t != JsonToken.START_OBJECT) {
                        throw shape("changes[" + changes.size() + "]", "must be a JSON object");
                    }
                    changes.add(change(p, body, worldId, changes.size()));
                }
            }
            if (!sawChanges) {
                throw shape("changes", "is required: {\"changes\": [...]}");
            }
            if (p.nextToken() != null) {
                throw Json.invalidJson("trailing content after the JSON value");
            }
        } catch (JsonProcessingException e) {
            throw Json.invalidJson(e, null);
        } catch (IOException e) {
            throw Json.invalidJson("could not be read: " + e.getMessage());
        }
        if (changes.isEmpty()) {
            throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "changes", "a batch holds at least one change");
        }
        return new ParsedBatch(changes, idempotencyKey);
    }

    /**
     * A member name seen twice in the envelope, refused as Jackson's duplicate detection words it
     * (the envelope's parser has none: {@link Json#parser(byte[], int, int, int)}).
     */
    private static ValidationException duplicate(JsonParser p, String name) {
        return Json.invalidJson("malformed JSON" + Json.where(p.currentTokenLocation()) + ": Duplicate field '" + name + "'");
    }

    private static Change change(JsonParser p, byte[] body, String worldId, int index) throws IOException {
        String at = "changes[" + index + "]";
        String op = null;
        String table = null;
        String[] ids = new String[4];
        byte[] payload = null;
        String payloadName = null;
        Long ifVersion = null;
        boolean ifAbsent = false;
        int seen = 0; // a bit per CHANGE_FIELDS index
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            int field = CHANGE_FIELDS.indexOf(name);
            if (field >= 0 && (seen & 1 << field) != 0) {
                throw duplicate(p, name);
            }
            seen |= field >= 0 ? 1 << field : 0;
            JsonToken t = p.nextToken();
            switch (name) {
                case "op" -> op = text(p, t, at + ".op");
                case "table" -> table = text(p, t, at + ".table");
                case "playerId" -> ids[0] = t == JsonToken.VALUE_NULL ? null : text(p, t, at + ".playerId");
                case "entityId" -> ids[1] = text(p, t, at + ".entityId");
                case "appId" -> ids[2] = text(p, t, at + ".appId");
                case "key" -> ids[3] = text(p, t, at + ".key");
                case "value", "patch" -> {
                    if (payloadName != null) {
                        throw shape(at + "." + name, "a change carries either value or patch, once");
                    }
                    payloadName = name;
                    int start = (int) p.currentTokenLocation().getByteOffset();
                    p.skipChildren();
                    p.finishToken(); // a string's text is read lazily: without this the end would be just past its opening quote
                    payload = Arrays.copyOfRange(body, start, (int) p.currentLocation().getByteOffset());
                }
                case "ifVersion" -> {
                    if (t != JsonToken.VALUE_NUMBER_INT || p.getLongValue() < 0) {
                        throw shape(at + ".ifVersion", "must be a version: a whole number >= 0");
                    }
                    ifVersion = p.getLongValue();
                }
                case "ifAbsent" -> {
                    if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
                        throw shape(at + ".ifAbsent", "must be true or false");
                    }
                    ifAbsent = t == JsonToken.VALUE_TRUE;
                }
                default -> throw shape(at + "." + name, "is not a change field (" + String.join(", ", CHANGE_FIELDS) + ")");
            }
        }
        Op o = op(op, at);
        Key key = key(worldId, table, ids, at);
        if (ifVersion != null && ifAbsent) {
            throw shape(at + ".ifVersion", "give ifVersion or ifAbsent, not both");
        }
        Condition condition = ifVersion != null ? Condition.version(ifVersion) : ifAbsent ? Condition.absent() : Condition.any();
        String expected = o == Op.PUT ? "value" : o == Op.MERGE ? "patch" : null;
        if (expected == null ? payloadName != null : !expected.equals(payloadName)) {
            throw shape(at + "." + (expected == null ? payloadName : expected), expected == null ? "a delete carries no value or patch"
                    : "a " + o.wireName() + " carries its " + expected);
        }
        if (o == Op.PUT && key instanceof Key.Entity e) {
            payload = RequestBodies.withId(payload, e.entityId()); // as a single PUT does: listed entities name themselves
        }
        Change c = o == Op.PUT ? Change.putJson(key, payload) : o == Op.MERGE ? Change.mergeJson(key, payload) : Change.delete(key);
        return c.withCondition(condition);
    }

    private static Op op(String op, String at) {
        if (op == null) {
            throw shape(at + ".op", "is required: put, merge-patch or delete");
        }
        try {
            return Op.fromWireName(op);
        } catch (IllegalArgumentException e) {
            throw shape(at + ".op", "must be put, merge-patch or delete, was '" + op + "'");
        }
    }

    /** The key a change or read names: its table and that table's ids, in the path's world. */
    static Key key(String worldId, String table, String[] ids, String at) {
        Table t;
        try {
            // app_data is accepted as another name of app_storage
            t = table == null ? null : Table.fromWireName(table.equals("app_data") ? Table.APP_STORAGE.wireName() : table);
        } catch (IllegalArgumentException e) {
            t = null;
        }
        if (t == null || !t.perWorld()) {
            throw shape(at + ".table", "must be player_states, entity_states, world_state or app_storage (app_data)"
                    + (table == null ? ", was missing" : ", was '" + table + "'"));
        }
        List<String> fields = t.idFields();
        String[] keyIds = new String[fields.size()];
        keyIds[0] = worldId;
        for (int f = 1; f < fields.size(); f++) {
            String field = fields.get(f);
            String id = ids[slot(field)];
            if (id == null && !(t == Table.APP_STORAGE && field.equals("playerId"))) {
                throw new ValidationException(ErrorCode.INVALID_ID, at + "." + field, "is required for " + t.wireName());
            }
            keyIds[f] = id;
        }
        Key key = t.key(keyIds);
        try {
            key.check();
        } catch (ValidationException e) {
            throw new ValidationException(e.code(), at + "." + e.field(), e.rule());
        }
        return key;
    }

    private static int slot(String field) {
        return switch (field) {
            case "playerId" -> 0;
            case "entityId" -> 1;
            case "appId" -> 2;
            default -> 3;
        };
    }

    private static String text(JsonParser p, JsonToken t, String field) throws IOException {
        if (t != JsonToken.VALUE_STRING) {
            throw shape(field, "must be a string");
        }
        return p.getText();
    }

    static ValidationException shape(String field, String rule) {
        return new ValidationException(ErrorCode.INVALID_SHAPE, field, rule);
    }

    static List<Key> parseKeys(String worldId, byte[] body) {
        com.fasterxml.jackson.databind.JsonNode root = Json.parse(body);
        if (!root.isObject() || !root.path("keys").isArray()) {
            throw shape("keys", "is required: {\"keys\": [{\"table\": ..., <ids>}, ...]}");
        }
        root.fieldNames().forEachRemaining(f -> {
            if (!f.equals("keys")) {
                throw shape(f, "is not a read field (keys)");
            }
        });
        List<Key> keys = new ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode k : root.get("keys")) {
            String at = "keys[" + keys.size() + "]";
            if (!k.isObject()) {
                throw shape(at, "must be a JSON object {\"table\": ..., <ids>}");
            }
            String[] ids = new String[4];
            k.fieldNames().forEachRemaining(f -> {
                if (!List.of("table", "playerId", "entityId", "appId", "key").contains(f)) {
                    throw shape(at + "." + f, "is not a key field (table, playerId, entityId, appId, key)");
                }
            });
            for (String f : List.of("playerId", "entityId", "appId", "key")) {
                com.fasterxml.jackson.databind.JsonNode v = k.get(f);
                if (v != null && !v.isNull() && !v.isTextual()) {
                    throw shape(at + "." + f, "must be a string");
                }
                ids[slot(f)] = v == null || v.isNull() ? null : v.asText();
            }
            com.fasterxml.jackson.databind.JsonNode t = k.get("table");
            keys.add(key(worldId, t != null && t.isTextual() ? t.asText() : null, ids, at));
        }
        if (keys.isEmpty()) {
            throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "keys", "name at least one key");
        }
        return keys;
    }
}
