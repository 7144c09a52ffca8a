package dev.worldstore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.ValidationException;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

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
 *                               + a worldstore player id (registered separately, see {@link #registrations})
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

    static final int MAX_USERNAME = 64;
    private static final Pattern USERNAME = Pattern.compile("[\\p{L}\\p{N}_.-](?:[\\p{L}\\p{N}_. -]{0,62}[\\p{L}\\p{N}_.-])?");
    private static final Pattern NOT_USERNAME_CHAR = Pattern.compile("[^\\p{L}\\p{N}_. -]");
    private static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter SQL_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss[.SSS]", Locale.ROOT);

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
                    skipped.add(new Skipped(HyperfyDb.STORAGE_FILE, null, "must be one JSON object, was " + kind(storage)));
                } else {
                    put(values, new Key.AppData(worldId, APP, null, STORAGE_KEY), storage, Kind.STORAGE);
                }
            } catch (ValidationException e) {
                skipped.add(new Skipped(HyperfyDb.STORAGE_FILE, null, "is not JSON: " + e.rule()));
            }
        }
        for (HyperfyDb.DataRow r : in.entities()) {
            byte[] v = dataValue("entities", r, skipped, true);
            if (v != null) {
                Key key = new Key.Entity(worldId, r.id());
                if (checkKey(key, "entities", r.id(), skipped)) {
                    values.put(key, new Value(Kind.ENTITIES, v));
                }
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
        return new Plan(values, skipped, registrations(users), version);
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
            byte[] times = ("\"metadata\":{\"hyperfy\":{\"createdAt\":" + Json.text(scalar(r.createdAt())) + ",\"updatedAt\":"
                    + Json.text(scalar(r.updatedAt())) + "}}").getBytes(StandardCharsets.UTF_8);
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
            skipped.add(new Skipped(table, r.id(), "data must be a JSON object, was " + kind(data)));
            return java.util.Optional.empty();
        }
        JsonNode id = o.get("id");
        if (entity && id != null && !(id.isTextual() && id.asText().equals(r.id()))) {
            skipped.add(new Skipped(table, r.id(), "data.id " + abbreviate(id.toString()) + " is not the row's id"));
            return java.util.Optional.empty();
        }
        JsonNode own = o.get("metadata");
        if (own != null && !own.isObject()) {
            skipped.add(new Skipped(table, r.id(), "data.metadata must be an object, was " + kind(own)));
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

    // ---- usernames ---------------------------------------------------------------------------

    /**
     * The players to register, one per user, by the clash rule: Hyperfy names are not unique, and
     * worldstore's are, compared as RFC 8265 prescribes (width-mapped, case-folded, NFC; see
     * {@link #canonical}). Of the users whose names compare equal, the one created first (earliest
     * {@code createdAt}, then smallest id) keeps the name; every other one gets
     * {@code <name>-<its id>}. A name that breaks worldstore's username rule is first spelt with
     * {@code _} for each character the rule does not allow ({@code user} when nothing is left).
     * The rule depends only on the users, not on the order of rows.
     */
    static List<Registration> registrations(List<HyperfyDb.UserRow> users) {
        Map<HyperfyDb.UserRow, Long> created = new HashMap<>();
        users.forEach(u -> created.put(u, millis(u.columns().get("createdAt"))));
        List<HyperfyDb.UserRow> ordered = new ArrayList<>(users);
        ordered.sort(Comparator.comparingLong((HyperfyDb.UserRow u) -> created.get(u)).thenComparing(HyperfyDb.UserRow::id));
        Map<String, HyperfyDb.UserRow> first = new HashMap<>();
        List<Registration> out = new ArrayList<>(ordered.size());
        for (HyperfyDb.UserRow u : ordered) {
            String name = (String) u.columns().get("name");
            String usable = usableName(name);
            String canonical = canonical(usable);
            HyperfyDb.UserRow holder = first.putIfAbsent(canonical, u);
            if (holder == null) {
                out.add(new Registration(u.id(), name, usable, usable.equals(name) ? null
                        : "the name breaks worldstore's username rule (" + USERNAME_RULE + ")"));
            } else {
                out.add(new Registration(u.id(), name, suffixed(usable, u.id()), "'" + holder.columns().get("name")
                        + "' (user " + holder.id() + ", created first) holds the name"));
            }
        }
        out.sort(Comparator.comparing(Registration::playerId));
        return out;
    }

    static final String USERNAME_RULE = "1 to 64 letters, digits, _ - . or inner spaces";

    /** The name, or the name with {@code _} for each character worldstore's username rule does not allow. */
    static String usableName(String name) {
        String n = Normalizer.normalize(widthMapped(name), Normalizer.Form.NFC);
        if (USERNAME.matcher(n).matches()) {
            return name;
        }
        String s = NOT_USERNAME_CHAR.matcher(n).replaceAll("_").strip();
        s = cut(s, MAX_USERNAME).strip();
        return s.isEmpty() ? "user" : s;
    }

    /** {@code <name>-<id>}, the name shortened so the whole fits 64 characters; the id spelt with the username's characters. */
    static String suffixed(String name, String id) {
        String idPart = cut(NOT_USERNAME_CHAR.matcher(id).replaceAll("_").replace(' ', '_'), 40);
        String base = cut(name, MAX_USERNAME - 1 - idPart.codePointCount(0, idPart.length())).strip();
        return (base.isEmpty() ? "user" : base) + "-" + idPart;
    }

    private static String cut(String s, int codePoints) {
        return s.codePointCount(0, s.length()) <= codePoints ? s : s.substring(0, s.offsetByCodePoints(0, codePoints));
    }

    /** The form worldstore compares usernames in (RFC 8265 UsernameCaseMapped): width-mapped, upper then lower case, NFC. */
    static String canonical(String username) {
        String composed = Normalizer.normalize(widthMapped(username), Normalizer.Form.NFC);
        return Normalizer.normalize(composed.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT), Normalizer.Form.NFC);
    }

    private static String widthMapped(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(c >= '\uFF00' && c <= '\uFFEF' ? Normalizer.normalize(String.valueOf(c), Normalizer.Form.NFKC) : String.valueOf(c));
        }
        return out.toString();
    }

    /** A row time in epoch millis for ordering: ISO-8601 text, {@code yyyy-MM-dd HH:mm:ss} text or a number; unknown last. */
    static long millis(Object t) {
        if (t instanceof Long l) {
            return l;
        }
        if (t instanceof Double d) {
            return d.longValue();
        }
        if (t instanceof String s) {
            try {
                return Instant.parse(s).toEpochMilli();
            } catch (DateTimeParseException e) {
                try {
                    return LocalDateTime.parse(s, SQL_TIME).toInstant(ZoneOffset.UTC).toEpochMilli();
                } catch (DateTimeParseException e2) {
                    return Long.MAX_VALUE;
                }
            }
        }
        return Long.MAX_VALUE;
    }

    // ---- worldstore -> Hyperfy ---------------------------------------------------------------------

    /** One key of a world as the export reads it; {@code updatedAt} is {@code null} when not known. */
    record Entry(Key key, JsonNode value, Instant updatedAt) {
    }

    /** What an export makes of a world: the folder's contents and what was left out of it, said in words. */
    record Export(HyperfyDb.Contents contents, List<String> leftOut) {
    }

    /**
     * A world as a Hyperfy folder's contents. Entities and blueprints that were never imported get
     * their last change's time (or {@code fallbackTime}) as {@code createdAt} and
     * {@code updatedAt}. Player states, other apps' data and keys of the hyperfy app that are not
     * blueprints, storage or users have no place in a Hyperfy world and are left out (counted).
     */
    static Export fromWorld(Iterable<Entry> world, Instant fallbackTime) {
        Map<String, Object> config = new LinkedHashMap<>();
        List<String> userColumns = new ArrayList<>(HyperfyDb.USER_COLUMNS);
        List<HyperfyDb.UserRow> users = new ArrayList<>();
        List<HyperfyDb.DataRow> blueprints = new ArrayList<>();
        List<HyperfyDb.DataRow> entities = new ArrayList<>();
        String storage = null;
        long playerStates = 0;
        long otherApps = 0;
        long otherHyperfy = 0;
        Set<String> extraUserColumns = new LinkedHashSet<>();
        for (Entry e : world) {
            Key key = e.key();
            JsonNode v = e.value();
            String fallback = ISO_MILLIS.format(e.updatedAt() == null ? fallbackTime : e.updatedAt());
            if (key instanceof Key.WorldState) {
                JsonNode meta = v.path("metadata");
                config.put("version", String.valueOf(meta.has("version") ? text(meta.get("version")) : DEFAULT_VERSION));
                for (String k : List.of("settings", "spawn")) {
                    if (meta.has(k)) {
                        config.put(k, Json.text(meta.get(k)));
                    }
                }
                for (Map.Entry<String, JsonNode> f : meta.path("config").properties()) {
                    config.put(f.getKey(), sqlValue(f.getValue()));
                }
                if (meta.path("userColumns").isArray() && meta.path("userColumns").size() > 0) {
                    userColumns.clear();
                    meta.path("userColumns").forEach(c -> userColumns.add(c.asText()));
                }
            } else if (key instanceof Key.Entity en) {
                entities.add(dataRow(en.entityId(), v, fallback));
            } else if (key instanceof Key.AppData a && a.appId().equals(APP)) {
                if (a.playerId() == null && a.key().startsWith(BLUEPRINTS) && a.key().length() > BLUEPRINTS.length()) {
                    blueprints.add(dataRow(a.key().substring(BLUEPRINTS.length()), v, fallback));
                } else if (a.playerId() == null && a.key().equals(STORAGE_KEY)) {
                    storage = new String(Json.prettyBytes(v), StandardCharsets.UTF_8);
                } else if (a.playerId() != null && a.key().equals(USER_KEY) && v.isObject()) {
                    Map<String, Object> columns = new LinkedHashMap<>();
                    for (Map.Entry<String, JsonNode> f : v.properties()) {
                        columns.put(f.getKey(), sqlValue(f.getValue()));
                        extraUserColumns.add(f.getKey());
                    }
                    users.add(new HyperfyDb.UserRow(a.playerId(), columns));
                } else {
                    otherHyperfy++;
                }
            } else if (key instanceof Key.PlayerState) {
                playerStates++;
            } else {
                otherApps++;
            }
        }
        if (!config.containsKey("version")) {
            config.put("version", String.valueOf(DEFAULT_VERSION));
        }
        extraUserColumns.removeAll(userColumns);
        extraUserColumns.remove("id");
        userColumns.addAll(extraUserColumns);
        List<String> leftOut = new ArrayList<>();
        if (playerStates > 0) {
            leftOut.add(playerStates + " player state(s) (Hyperfy keeps no player state)");
        }
        if (otherApps > 0) {
            leftOut.add(otherApps + " key(s) of other apps' storage");
        }
        if (otherHyperfy > 0) {
            leftOut.add(otherHyperfy + " key(s) of the hyperfy app that are not blueprints/<id>, storage or a player's user");
        }
        Map<String, Object> sortedConfig = new LinkedHashMap<>();
        config.keySet().stream().sorted().forEach(k -> sortedConfig.put(k, config.get(k)));
        users.sort(Comparator.comparing(HyperfyDb.UserRow::id));
        return new Export(new HyperfyDb.Contents(sortedConfig, userColumns, users, blueprints, entities, storage), leftOut);
    }

    /** A value back as its row: the data without worldstore's {@code metadata.hyperfy}, the row times from it. */
    private static HyperfyDb.DataRow dataRow(String id, JsonNode value, String fallbackTime) {
        ObjectNode data = value.deepCopy();
        Object created = fallbackTime;
        Object updated = fallbackTime;
        if (data.get("metadata") instanceof ObjectNode meta && meta.get(FORMAT) instanceof ObjectNode times) {
            meta.remove(FORMAT);
            created = times.has("createdAt") ? sqlValue(times.get("createdAt")) : fallbackTime;
            updated = times.has("updatedAt") ? sqlValue(times.get("updatedAt")) : fallbackTime;
            if (!times.path("hadMetadata").asBoolean(false) && meta.isEmpty()) {
                data.remove("metadata");
            }
        }
        return new HyperfyDb.DataRow(id, Json.text(data), created, updated);
    }

    /** A JSON value as a SQLite column value: text, whole number, real, null; objects and arrays as JSON text. */
    static Object sqlValue(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return null;
        }
        if (v.isTextual()) {
            return v.asText();
        }
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            return v.asLong();
        }
        if (v.isNumber()) {
            return v.asDouble();
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        return Json.text(v);
    }

    private static String text(JsonNode v) {
        return v.isTextual() ? v.asText() : v.toString();
    }

    static String kind(JsonNode n) {
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
