package dev.worldstore.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.worldstore.AsOf;
import dev.worldstore.BatchSaved;
import dev.worldstore.Change;
import dev.worldstore.Condition;
import dev.worldstore.ErrorCode;
import dev.worldstore.ForkResult;
import dev.worldstore.IdempotencyKeys;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.Op;
import dev.worldstore.PlayerData;
import dev.worldstore.Stored;
import dev.worldstore.Table;
import dev.worldstore.ValidationException;
import dev.worldstore.WorldStore;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * World transactions over HTTP: a batch of changes applied all together or not at all, a
 * consistent read of many keys, everything of one player, and forking a world at a point.
 *
 * <p>Request bodies are read in one streaming pass: each value or patch is handed to the store as
 * the bytes the client sent (no tree, no re-serialisation). Every error names the change by its
 * index ({@code changes[3].value.position}). A key limited to some apps may not touch other apps'
 * storage: the whole request is refused (403) naming the item. Stateless.
 */
final class BatchRoutes {
    private static final List<String> JSON_TYPES = List.of(HttpSupport.JSON);
    private static final List<String> CHANGE_FIELDS = List.of("op", "table", "playerId", "entityId", "appId", "key", "value", "patch",
            "ifVersion", "ifAbsent");

    private final WorldStore store;
    private final long maxBodyBytes;
    private final Executor responseExecutor;

    BatchRoutes(WorldStore store, long maxBodyBytes, Executor responseExecutor) {
        this.store = store;
        this.maxBodyBytes = maxBodyBytes;
        this.responseExecutor = responseExecutor;
    }

    // ---- POST /v1/worlds/{worldId}/batch ----------------------------------------------------------

    /**
     * {@code {"changes": [{"op", "table", <ids>, "value" | "patch", "ifVersion"? | "ifAbsent"?}],
     * "idempotencyKey"?}} → 200 {@code {"position", "version", "items": [{"table", <ids>, "version"}]}}
     * ({@code "replayed": true} and {@code Idempotent-Replayed: true} for a retry of an applied
     * batch); 409 {@code BATCH_CONFLICT} with {@code failures} when a condition fails (nothing
     * applied). The idempotency key may come in the body or the {@code Idempotency-Key} header (the
     * same key if both).
     */
    void batch(Context ctx) {
        String worldId = ctx.pathParam("worldId");
        byte[] body = HttpSupport.readJsonBytes(ctx, maxBodyBytes, JSON_TYPES);
        ParsedBatch parsed = parseBatch(worldId, body);
        List<Change> changes = parsed.changes();
        String header = HttpSupport.idempotencyKey(ctx);
        if (header != null && parsed.idempotencyKey() != null && !header.equals(parsed.idempotencyKey())) {
            throw ApiProblem.invalidArgument("idempotencyKey", "the body's idempotencyKey and the Idempotency-Key header differ; "
                    + "send one, or the same key in both");
        }
        String idempotencyKey = header != null ? header : parsed.idempotencyKey();
        ApiKeys.Principal principal = ctx.attribute(ApiRoutes.PRINCIPAL);
        for (int i = 0; i < changes.size(); i++) {
            checkApp(principal, changes.get(i).key(), "changes[" + i + "]");
        }
        String actor = ApiRoutes.actor(ctx);
        ctx.future(() -> store.writeBatchAsync(worldId, changes, actor, idempotencyKey).handleAsync((saved, error) -> {
            if (error != null) {
                Problems.write(ctx, Problems.of(error, false));
            } else {
                ctx.header(HttpSupport.POSITION_HEADER, saved.position().toString());
                if (replayed(saved)) {
                    ctx.header(HttpSupport.IDEMPOTENT_REPLAYED, "true");
                }
                writeJson(ctx, 200, gen -> saved(gen, changes, saved));
            }
            return null;
        }, responseExecutor));
    }

    private static void saved(JsonGenerator gen, List<Change> changes, BatchSaved saved) throws IOException {
        gen.writeStartObject();
        gen.writeStringField("position", saved.position().toString());
        gen.writeNumberField("version", saved.position().offset());
        gen.writeArrayFieldStart("items");
        for (int i = 0; i < changes.size(); i++) {
            gen.writeStartObject();
            writeKey(gen, changes.get(i).key());
            gen.writeNumberField("version", saved.saved().get(i).version());
            gen.writeEndObject();
        }
        gen.writeEndArray();
        if (replayed(saved)) {
            gen.writeBooleanField("replayed", true);
        }
        gen.writeEndObject();
    }

    private static boolean replayed(BatchSaved saved) {
        return !saved.saved().isEmpty() && saved.saved().get(0).replayed();
    }

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
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (name.equals("idempotencyKey")) {
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

    private static Change change(JsonParser p, byte[] body, String worldId, int index) throws IOException {
        String at = "changes[" + index + "]";
        String op = null;
        String table = null;
        String[] ids = new String[4];
        byte[] payload = null;
        String payloadName = null;
        Long ifVersion = null;
        boolean ifAbsent = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
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
            payload = HttpSupport.withId(payload, e.entityId()); // as a single PUT does: listed entities name themselves
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

    private static ValidationException shape(String field, String rule) {
        return new ValidationException(ErrorCode.INVALID_SHAPE, field, rule);
    }

    private static void checkApp(ApiKeys.Principal principal, Key key, String item) {
        if (principal != null && key instanceof Key.AppData a && !principal.mayApp(a.appId())) {
            throw new ApiProblem(403, Problems.FORBIDDEN, item, item + ": API key '" + principal.name() + "' may not use the storage of "
                    + "app '" + a.appId() + "'");
        }
    }

    /** Writes a key's table and ids (without the world) as members of the open object. */
    static void writeKey(JsonGenerator gen, Key key) throws IOException {
        gen.writeStringField("table", key.table().wireName());
        List<String> fields = key.table().idFields();
        for (int f = 1; f < fields.size(); f++) {
            gen.writeStringField(fields.get(f), key.id(f));
        }
    }

    // ---- POST /v1/worlds/{worldId}/read -------------------------------------------------------------

    /**
     * {@code {"keys": [{"table", <ids>}]}} → {@code {"items": [{"table", <ids>, "version", "value"} |
     * {"table", <ids>, "missing": true}]}} in request order, from one consistent snapshot.
     */
    void read(Context ctx) {
        String worldId = ctx.pathParam("worldId");
        byte[] body = HttpSupport.readJsonBytes(ctx, maxBodyBytes, JSON_TYPES);
        List<Key> keys = parseKeys(worldId, body);
        ApiKeys.Principal principal = ctx.attribute(ApiRoutes.PRINCIPAL);
        for (int i = 0; i < keys.size(); i++) {
            checkApp(principal, keys.get(i), "keys[" + i + "]");
        }
        List<Optional<Stored>> values = store.readMany(worldId, keys, HttpSupport.consistency(ctx));
        writeJson(ctx, 200, gen -> {
            gen.writeStartObject();
            gen.writeArrayFieldStart("items");
            for (int i = 0; i < keys.size(); i++) {
                gen.writeStartObject();
                writeKey(gen, keys.get(i));
                Optional<Stored> v = values.get(i);
                if (v.isPresent()) {
                    gen.writeNumberField("version", v.get().version());
                    gen.writeFieldName("value");
                    v.get().writeJson(gen);
                } else {
                    gen.writeBooleanField("missing", true);
                }
                gen.writeEndObject();
            }
            gen.writeEndArray();
            gen.writeEndObject();
        });
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

    // ---- GET /v1/worlds/{worldId}/players/{playerId} ------------------------------------------------

    /**
     * Everything of one player in one world, one consistent snapshot: {@code {"playerId", "state":
     * {...} | null, "stateVersion", "apps": [{"appId", "key", "version", "value"}]}}; apps the API
     * key may not use are left out.
     */
    void player(Context ctx) {
        String worldId = ctx.pathParam("worldId");
        String playerId = ctx.pathParam("playerId");
        PlayerData data = store.readPlayerData(worldId, playerId, HttpSupport.consistency(ctx));
        ApiKeys.Principal principal = ctx.attribute(ApiRoutes.PRINCIPAL);
        writeJson(ctx, 200, gen -> {
            gen.writeStartObject();
            gen.writeStringField("worldId", worldId);
            gen.writeStringField("playerId", playerId);
            gen.writeFieldName("state");
            if (data.state().isPresent()) {
                data.state().get().writeJson(gen);
                gen.writeNumberField("stateVersion", data.state().get().version());
            } else {
                gen.writeNull();
                gen.writeNullField("stateVersion");
            }
            gen.writeArrayFieldStart("apps");
            for (Stored s : data.appData()) {
                Key.AppData a = (Key.AppData) s.key();
                if (principal == null || principal.mayApp(a.appId())) {
                    gen.writeStartObject();
                    gen.writeStringField("appId", a.appId());
                    gen.writeStringField("key", a.key());
                    gen.writeNumberField("version", s.version());
                    gen.writeFieldName("value");
                    s.writeJson(gen);
                    gen.writeEndObject();
                }
            }
            gen.writeEndArray();
            gen.writeEndObject();
        });
    }

    // ---- POST /v1/worlds/{worldId}/fork -------------------------------------------------------------

    /**
     * {@code {"to": "<new world>", "asOf": "<instant or position>"}} → 201 {@code {"world", "from",
     * "asOf", "sourcePosition", "keys", "batches", "position"}}; 409 when the target exists. The key
     * needs every app of the source world and of the target world.
     */
    void fork(Context ctx) {
        String worldId = ctx.pathParam("worldId");
        com.fasterxml.jackson.databind.JsonNode body = HttpSupport.readJson(ctx, maxBodyBytes, JSON_TYPES);
        if (!body.isObject()) {
            throw shape("value", "must be a JSON object {\"to\", \"asOf\"}");
        }
        body.fieldNames().forEachRemaining(f -> {
            if (!f.equals("to") && !f.equals("asOf") && !f.equals("dryRun")) {
                throw shape(f, "is not a fork field (to, asOf, dryRun)");
            }
        });
        com.fasterxml.jackson.databind.JsonNode to = body.get("to");
        if (to == null || !to.isTextual()) {
            throw shape("to", "is required: the id of the new world");
        }
        com.fasterxml.jackson.databind.JsonNode asOfText = body.get("asOf");
        if (asOfText == null || !asOfText.isTextual()) {
            throw ApiProblem.invalidArgument("asOf", "is required as a string: an ISO-8601 instant like 2026-11-24T14:02:00Z or a "
                    + "log position like 0-42");
        }
        String target = to.asText();
        Key.checkWorldId(target);
        ApiKeys.Principal principal = ctx.attribute(ApiRoutes.PRINCIPAL);
        if (principal != null && !(principal.mayWorld(target) && principal.mayEveryApp())) {
            throw new ApiProblem(403, Problems.FORBIDDEN, "to", "API key '" + principal.name() + "' may not write every app's storage of "
                    + "world '" + target + "'");
        }
        AsOf asOf = AsOf.parse("asOf", asOfText.asText().trim());
        if (HistoryRoutes.dryRun(body)) {
            forkPlan(ctx, worldId, target, asOf);
            return;
        }
        ForkResult r = store.forkWorld(worldId, target, asOf, ApiRoutes.actor(ctx));
        ctx.header("Location", "/v1/worlds/" + r.worldId() + "/snapshot?asOf=" + r.lastPosition());
        ctx.header(HttpSupport.POSITION_HEADER, r.lastPosition().toString());
        writeJson(ctx, 201, gen -> {
            gen.writeStartObject();
            gen.writeStringField("world", r.worldId());
            gen.writeStringField("from", r.sourceWorldId());
            gen.writeStringField("asOf", HttpSupport.describe(asOf));
            gen.writeStringField("sourcePosition", r.sourcePosition().toString());
            gen.writeNumberField("keys", r.keys());
            gen.writeNumberField("batches", r.batches());
            gen.writeStringField("position", r.lastPosition().toString());
            gen.writeEndObject();
        });
    }

    /**
     * A fork's dry run: 200 {@code {"dryRun": true, "world", "from", "asOf", "sourcePosition", "keys",
     * "entities", "playerStates", "appData", "worldState"}} (what a fork would copy now), or the
     * problem the fork would answer (409 ALREADY_EXISTS for a target holding data or history, 400 for
     * a source that held nothing then). Nothing is written.
     */
    private void forkPlan(Context ctx, String source, String target, AsOf asOf) {
        if (source.equals(target)) {
            throw ApiProblem.invalidArgument("to", "a fork needs a new world id, not the source's");
        }
        if (store.worldSummary(target, HttpSupport.consistency(ctx)).exists()) {
            throw new dev.worldstore.WorldExistsException(target);
        }
        dev.worldstore.LogPosition at = store.resolve(source, asOf).orElseThrow(() -> ApiProblem.invalidArgument("asOf",
                "world '" + source + "' held nothing at that point (" + HttpSupport.describe(asOf) + "); there is nothing to fork"));
        long[] counts = new long[4];
        store.snapshot(source, AsOf.position(at), HttpSupport.consistency(ctx), s -> {
            switch (s.key().table()) {
                case ENTITY_STATES -> counts[0]++;
                case PLAYER_STATES -> counts[1]++;
                case APP_STORAGE -> counts[2]++;
                default -> counts[3]++;
            }
        });
        long keys = counts[0] + counts[1] + counts[2] + counts[3];
        if (keys == 0) {
            throw ApiProblem.invalidArgument("asOf", "world '" + source + "' held nothing at that point ("
                    + HttpSupport.describe(asOf) + "); there is nothing to fork");
        }
        writeJson(ctx, 200, gen -> {
            gen.writeStartObject();
            gen.writeBooleanField("dryRun", true);
            gen.writeStringField("world", target);
            gen.writeStringField("from", source);
            gen.writeStringField("asOf", HttpSupport.describe(asOf));
            gen.writeStringField("sourcePosition", at.toString());
            gen.writeNumberField("keys", keys);
            gen.writeNumberField("entities", counts[0]);
            gen.writeNumberField("playerStates", counts[1]);
            gen.writeNumberField("appData", counts[2]);
            gen.writeBooleanField("worldState", counts[3] > 0);
            gen.writeEndObject();
        });
    }

    // ---- responses ------------------------------------------------------------------------------

    /** Writes one JSON value. */
    @FunctionalInterface
    interface Body {
        void write(JsonGenerator gen) throws IOException;
    }

    static void writeJson(Context ctx, int status, Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator gen = Json.generator(out)) {
            body.write(gen);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ctx.status(status);
        ctx.contentType(HttpSupport.JSON);
        ctx.result(out.toByteArray());
    }
}
