package dev.worldstore.cli;

import static dev.worldstore.cli.HyperfyMapping.APP;
import static dev.worldstore.cli.HyperfyMapping.BLUEPRINTS;
import static dev.worldstore.cli.HyperfyMapping.STORAGE_KEY;
import static dev.worldstore.cli.HyperfyMapping.USER_KEY;
import static dev.worldstore.cli.HyperfyMapping.FORMAT;
import static dev.worldstore.cli.HyperfyMapping.DEFAULT_VERSION;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.Json;
import dev.worldstore.Key;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** A worldstore world as a Hyperfy folder's contents: the export side of {@link HyperfyMapping}. Pure. */
final class HyperfyExport {
    private static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private HyperfyExport() {
    }

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
            Instant fallback = e.updatedAt() == null ? fallbackTime : e.updatedAt();
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
    private static HyperfyDb.DataRow dataRow(String id, JsonNode value, Instant fallbackTime) {
        ObjectNode data = value.deepCopy();
        ObjectNode times = null;
        if (data.get("metadata") instanceof ObjectNode meta && meta.get(FORMAT) instanceof ObjectNode t) {
            times = t;
            meta.remove(FORMAT);
            if (!times.path("hadMetadata").asBoolean(false) && meta.isEmpty()) {
                data.remove("metadata");
            }
        }
        // formatted only when needed: an imported row keeps its own times
        String fallback = times != null && times.has("createdAt") && times.has("updatedAt") ? null : ISO_MILLIS.format(fallbackTime);
        Object created = times != null && times.has("createdAt") ? sqlValue(times.get("createdAt")) : fallback;
        Object updated = times != null && times.has("updatedAt") ? sqlValue(times.get("updatedAt")) : fallback;
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
}
