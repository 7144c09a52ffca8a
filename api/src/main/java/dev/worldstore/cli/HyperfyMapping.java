package dev.worldstore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.ValidationException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a Hyperfy world maps onto a worldstore world, both ways. Pure: no I/O, no store; unit-tested.
 *
 * <pre>
 * Hyperfy                        worldstore (world W)
 * config rows                -> world_state W: {"metadata": {"format": "hyperfy", "version": 15,
 *                                 "settings": {...}, "spawn": {...}, "config": {other rows}, "userColumns": [...]}}
 * entities row id            -> entity_states W/id: data as written, + metadata.hyperfy {createdAt, updatedAt}
 * blueprints row id          -> app_storage W/hyperfy (world-wide)/blueprints/id: data + metadata.hyperfy {createdAt, updatedAt}
 * storage.json               -> app_storage W/hyperfy (world-wide)/storage: the whole object
 * users row id               -> app_storage W/hyperfy/players/id/user: every column but id, as written
 *                               + a worldstore player id (registered separately, see {@link HyperfyUsernames#registrations})
 * </pre>
 *
 * The Hyperfy ids stay the ids; JSON is kept as Hyperfy wrote it (arrays, unnormalised
 * quaternions and all). {@code config.userColumns} is written only when the users table was not
 * upstream's current one ({@code rank} instead of {@code roles}, {@code vrm} instead of
 * {@code avatar}), {@code config} only when there were rows besides version, settings and spawn,
 * {@code metadata.hyperfy.hadMetadata} only when the Hyperfy data had a {@code metadata} object of
 * its own: each so that an export gives back exactly what was imported.
 */
final class HyperfyMapping {
    /** The app whose world-wide and per-player storage holds what Hyperfy keeps beside entities. */
    static final String APP = "hyperfy";
    static final String BLUEPRINTS = "blueprints/";
    static final String STORAGE_KEY = "storage";
    static final String USER_KEY = "user";
    static final String FORMAT = "hyperfy";
    /** Hyperfy's migration count in the versions this mapping was written against. */
    static final long DEFAULT_VERSION = 15;

    private HyperfyMapping() {
    }

    /** The kinds of rows, in the order the import writes them. */
    enum Kind {
        WORLD_STATE("config"), BLUEPRINTS("blueprints"), STORAGE("storage.json"), ENTITIES("entities"), USERS("users");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** A row left out, with its table and id (or {@code null} when it had none) and why. */
    record Skipped(String table, String id, String reason) {
        @Override
        public String toString() {
            return table + (id == null ? "" : " '" + id + "'") + ": " + reason;
        }
    }

    /**
     * A user to register as a worldstore player.
     *
     * @param username the name to register (the Hyperfy name, or the name the clash rule gives)
     * @param why {@code null} when {@code username} is the Hyperfy name as written; else why not
     */
    record Registration(String playerId, String hyperfyName, String username, String why) {
    }

    /** A value to hold: its kind of row and its JSON bytes (written as they are, parsed only to compare). */
    record Value(Kind kind, byte[] json) {
        JsonNode tree() {
            return Json.parse(json);
        }
    }

    /**
     * What a Hyperfy world becomes: the values to hold, key by key, in the order to write them.
     *
     * @param version Hyperfy's format version (its config {@code version} row), or {@code null}
     */
    record Plan(Map<Key, Value> values, List<Skipped> skipped, List<Registration> registrations, Object version) {
    }

    // ---- Hyperfy -> worldstore ---------------------------------------------------------------------

    static Plan toWorld(String worldId, HyperfyDb.Contents in) {
        Map<Key, Value> values = new LinkedHashMap<>(2 * (in.entities().size() + in.blueprints().size() + in.users().size()) + 16);
        List<Skipped> skipped = new ArrayList<>();

        ObjectNode meta = Json.object();
        meta.put("format", FORMAT);
        ObjectNode otherConfig = Json.object();
        Object version = in.config().get("version");
        for (Map.Entry<String, Object> row : in.config().entrySet()) {
            String key = row.getKey();
            Object v = row.getValue();
            switch (key) {
                case "version" -> meta.set("version", versionNode(v));
                case "settings", "spawn" -> {
                    JsonNode parsed = parseConfigJson(v);
                    if (parsed == null) {
                        skipped.add(new Skipped("config", key, "value is not JSON: " + abbreviate(String.valueOf(v))));
                    } else {
                        meta.set(key, parsed);
                    }
                }
                default -> otherConfig.set(key, scalar(v));
            }
        }
        if (!otherConfig.isEmpty()) {
            meta.set("config", otherConfig);
        }
        if (!in.userColumns().isEmpty() && !in.userColumns().equals(HyperfyDb.USER_COLUMNS)) {
            ArrayNode cols = meta.putArray("userColumns");
            in.userColumns().forEach(cols::add);
        }
        if (!in.config().isEmpty()) {
            ObjectNode ws = Json.object();
            ws.set("metadata", meta);
            put(values, new Key.WorldState(worldId), ws, Kind.WORLD_STATE);
        }

        for (HyperfyDb.DataRow r : in.blueprints()) {
            byte[] v = dataValue("blueprints", r, skipped, false);
            if (v != null) {
                Key key = new Key.AppData(worldId, APP, null, BLUEPRINTS + r.id());
                if (checkKey(key, "blueprints", r.id(), skipped)) {
                    values.put(key, new Value(Kind.BLUEPRINTS, v));
                }
            }
        }
        if (in.storageJson() != null) {
            try {
                JsonNode storage = Json.parse(in.storageJson());
                if (!storage.isObject()) {
                    skipped.add(new Skipped(HyperfyDb.STORAGE_FILE, null, "must be one JSON object, was " + Json.kind(storage)));
                } else {
                    put(values, new Key.AppData(worldId, APP, null, STORAGE_KEY), storage, Kind.STORAGE);
                }
            } catch (ValidationException e) {
                skipped.add(new Skipped(HyperfyDb.STORAGE_FILE, null, "is not JSON: " + e.rule()));
            }
        }
        for (HyperfyDb.DataRow r : in.entities()) {
            Map.Entry<Key, Value> e = entity(worldId, r, skipped);
            if (e != null) {
                values.put(e.getKey(), e.getValue());
            }
        }

        List<HyperfyDb.UserRow> users = new ArrayList<>();
        for (HyperfyDb.UserRow u : in.users()) {
            if (u.id() == null || u.id().isEmpty()) {
                skipped.add(new Skipped("users", null, "has no id"));
                continue;
            }
            Object name = u.columns().get("name");
            if (!(name instanceof String s) || s.isEmpty()) {
                skipped.add(new Skipped("users", u.id(), "has no name (upstream's users.name is not null)"));
                continue;
            }
            Key key = new Key.AppData(worldId, APP, u.id(), USER_KEY);
            if (!checkKey(key, "users", u.id(), skipped)) {
                continue;
            }
            ObjectNode v = Json.object();
            u.columns().forEach((col, value) -> v.set(col, scalar(value)));
            put(values, key, v, Kind.USERS);
            users.add(u);
        }
        return new Plan(values, skipped, HyperfyUsernames.registrations(users), version);
    }

    /**
     * One entities row as {@link #toWorld} maps it (an import that streams the entities maps them
     * one by one): its key and value, or {@code null} with the reason added to {@code skipped}.
     */
    static Map.Entry<Key, Value> entity(String worldId, HyperfyDb.DataRow r, List<Skipped> skipped) {
        byte[] v = dataValue("entities", r, skipped, true);
        if (v == null) {
            return null;
        }
        Key key = new Key.Entity(worldId, r.id());
        return checkKey(key, "entities", r.id(), skipped) ? Map.entry(key, new Value(Kind.ENTITIES, v)) : null;
    }

    private static void put(Map<Key, Value> values, Key key, JsonNode value, Kind kind) {
        values.put(key, new Value(kind, Json.bytes(value)));
    }

    private static boolean checkKey(Key key, String table, String id, List<Skipped> skipped) {
        try {
            key.check();
            return true;
        } catch (ValidationException e) {
            skipped.add(new Skipped(table, id, "id cannot be a worldstore id: " + e.rule()));
            return false;
        }
    }

    /**
     * A blueprints or entities row's data as a worldstore value: the JSON object as written, its
     * row times in {@code metadata.hyperfy}. {@code null} (and the reason in {@code skipped}) for a
     * row without an id, data that is not one JSON object, or an entity whose data names another id.
     *
     * <p>The common row (an object with no {@code metadata} of its own) is checked in one streaming
     * pass and the times spliced in before its closing brace: the text stays as Hyperfy wrote it and
     * no tree is built; anything else takes the tree path, which also words every refusal.
     */
    private static byte[] dataValue(String table, HyperfyDb.DataRow r, List<Skipped> skipped, boolean entity) {
        if (r.id() != null && !r.id().isEmpty() && r.data() != null) {
            byte[] fast = spliced(r, entity);
            if (fast != null) {
                return fast;
            }
        }
        return dataTree(table, r, skipped, entity).map(Json::bytes).orElse(null);
    }

    /** The fast path of {@link #dataValue}, or {@code null} when the row needs the tree path. */
    private static byte[] spliced(HyperfyDb.DataRow r, boolean entity) {
        byte[] data = r.data().getBytes(StandardCharsets.UTF_8);
        try (com.fasterxml.jackson.core.JsonParser p = Json.parser(data, 0, data.length)) {
            if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                return null;
            }
            boolean empty = true;
            while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                empty = false;
                String name = p.currentName();
                com.fasterxml.jackson.core.JsonToken t = p.nextToken();
                if (name.equals("metadata")) {
                    return null;
                }
                if (entity && name.equals("id") && !(t == com.fasterxml.jackson.core.JsonToken.VALUE_STRING && p.getText().equals(r.id()))) {
                    return null;
                }
                p.skipChildren();
            }
            if (p.nextToken() != null) {
                return null;
            }
            int end = data.length - 1;
            while (end > 0 && data[end] != '}') {
                end--;
            }
            byte[] times = ("\"metadata\":{\"hyperfy\":{\"createdAt\":" + scalarText(r.createdAt()) + ",\"updatedAt\":"
                    + scalarText(r.updatedAt()) + "}}").getBytes(StandardCharsets.UTF_8);
            byte[] out = new byte[end + (empty ? 0 : 1) + times.length + 1];
            System.arraycopy(data, 0, out, 0, end);
            int at = end;
            if (!empty) {
                out[at++] = ',';
            }
            System.arraycopy(times, 0, out, at, times.length);
            out[out.length - 1] = '}';
            return out;
        } catch (java.io.IOException | RuntimeException e) {
            return null; // the tree path says what is wrong
        }
    }

    private static java.util.Optional<ObjectNode> dataTree(String table, HyperfyDb.DataRow r, List<Skipped> skipped, boolean entity) {
        if (r.id() == null || r.id().isEmpty()) {
            skipped.add(new Skipped(table, null, "has no id"));
            return java.util.Optional.empty();
        }
        if (r.data() == null) {
            skipped.add(new Skipped(table, r.id(), "data is null"));
            return java.util.Optional.empty();
        }
        JsonNode data;
        try {
            data = Json.parse(r.data());
        } catch (ValidationException e) {
            skipped.add(new Skipped(table, r.id(), "data is not JSON: " + e.rule()));
            return java.util.Optional.empty();
        }
        if (!(data instanceof ObjectNode o)) {
            skipped.add(new Skipped(table, r.id(), "data must be a JSON object, was " + Json.kind(data)));
            return java.util.Optional.empty();
        }
        JsonNode id = o.get("id");
        if (entity && id != null && !(id.isTextual() && id.asText().equals(r.id()))) {
            skipped.add(new Skipped(table, r.id(), "data.id " + abbreviate(id.toString()) + " is not the row's id"));
            return java.util.Optional.empty();
        }
        JsonNode own = o.get("metadata");
        if (own != null && !own.isObject()) {
            skipped.add(new Skipped(table, r.id(), "data.metadata must be an object, was " + Json.kind(own)));
            return java.util.Optional.empty();
        }
        if (own != null && own.has(FORMAT)) {
            skipped.add(new Skipped(table, r.id(), "data.metadata.hyperfy is where worldstore keeps the row's times; the row has one"));
            return java.util.Optional.empty();
        }
        ObjectNode meta = own == null ? o.putObject("metadata") : (ObjectNode) own;
        ObjectNode times = meta.putObject(FORMAT);
        times.set("createdAt", scalar(r.createdAt()));
        times.set("updatedAt", scalar(r.updatedAt()));
        if (own != null) {
            times.put("hadMetadata", true);
        }
        return java.util.Optional.of(o);
    }

    private static JsonNode versionNode(Object v) {
        if (v instanceof Long l) {
            return JsonNodeFactory.instance.numberNode(l);
        }
        if (v instanceof String s && s.matches("0|[1-9][0-9]{0,17}")) {
            return JsonNodeFactory.instance.numberNode(Long.parseLong(s));
        }
        return scalar(v);
    }

    private static JsonNode parseConfigJson(Object v) {
        if (!(v instanceof String s)) {
            return null;
        }
        try {
            return Json.parse(s);
        } catch (ValidationException e) {
            return null;
        }
    }

    /** {@code Json.text(scalar(v))}, without a tree and a mapper call for the common text value. */
    static String scalarText(Object v) {
        if (v instanceof String text) {
            return '"' + new String(JSON_STRINGS.quoteAsString(text)) + '"';
        }
        return Json.text(scalar(v));
    }

    private static final com.fasterxml.jackson.core.io.JsonStringEncoder JSON_STRINGS =
            com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance();

    /** A SQLite value as a JSON scalar. */
    static JsonNode scalar(Object v) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (v == null) {
            return f.nullNode();
        }
        if (v instanceof Long l) {
            return f.numberNode(l);
        }
        if (v instanceof Double d) {
            return Double.isFinite(d) ? f.numberNode(d) : f.textNode(d.toString());
        }
        if (v instanceof Boolean b) {
            return f.booleanNode(b);
        }
        return f.textNode(v.toString());
    }

    static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /** For tests and messages: the ids of a key's table ("entities 'x'"). */
    static String describe(Key key, Kind kind) {
        return switch (kind) {
            case WORLD_STATE -> "world state";
            case STORAGE -> HyperfyDb.STORAGE_FILE;
            case ENTITIES -> "entities '" + ((Key.Entity) key).entityId() + "'";
            case BLUEPRINTS -> "blueprints '" + ((Key.AppData) key).key().substring(BLUEPRINTS.length()) + "'";
            case USERS -> "users '" + ((Key.AppData) key).playerId() + "'";
        };
    }
}
