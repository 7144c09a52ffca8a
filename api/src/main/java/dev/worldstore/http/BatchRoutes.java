package dev.worldstore.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.worldstore.AsOf;
import dev.worldstore.BatchSaved;
import dev.worldstore.Change;
import dev.worldstore.ForkResult;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.PlayerData;
import dev.worldstore.Stored;
import dev.worldstore.WorldStore;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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
        BatchBodies.ParsedBatch parsed = BatchBodies.parseBatch(worldId, body);
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
        List<Key> keys = BatchBodies.parseKeys(worldId, body);
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
            throw BatchBodies.shape("value", "must be a JSON object {\"to\", \"asOf\"}");
        }
        body.fieldNames().forEachRemaining(f -> {
            if (!f.equals("to") && !f.equals("asOf") && !f.equals("dryRun")) {
                throw BatchBodies.shape(f, "is not a fork field (to, asOf, dryRun)");
            }
        });
        com.fasterxml.jackson.databind.JsonNode to = body.get("to");
        if (to == null || !to.isTextual()) {
            throw BatchBodies.shape("to", "is required: the id of the new world");
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
            gen.writeStringField("asOf", asOf.toString());
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
                "world '" + source + "' held nothing at that point (" + asOf.toString() + "); there is nothing to fork"));
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
                    + asOf.toString() + "); there is nothing to fork");
        }
        writeJson(ctx, 200, gen -> {
            gen.writeStartObject();
            gen.writeBooleanField("dryRun", true);
            gen.writeStringField("world", target);
            gen.writeStringField("from", source);
            gen.writeStringField("asOf", asOf.toString());
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
