package dev.worldstore.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.AsOf;
import dev.worldstore.ErrorCode;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.PlayerRecord;
import dev.worldstore.ReadConsistency;
import dev.worldstore.Stored;
import dev.worldstore.ValidationException;
import dev.worldstore.WorldStore;
import io.javalin.http.Context;
import java.util.List;

/** The global player registry over HTTP: register, look up by id (now or as of a point) and by username. Stateless. */
final class PlayerRoutes {
    private static final List<String> JSON_TYPES = List.of(HttpSupport.JSON);

    private final WorldStore store;
    private final long maxBodyBytes;

    PlayerRoutes(WorldStore store, long maxBodyBytes) {
        this.store = store;
        this.maxBodyBytes = maxBodyBytes;
    }

    // ---- players ------------------------------------------------------------------------------

    /** {@code POST /v1/players {"id"?, "username"}}: 201 with the player; 409 USERNAME_TAKEN or ALREADY_EXISTS. */
    void register(Context ctx) {
        JsonNode body = HttpSupport.readJson(ctx, maxBodyBytes, JSON_TYPES);
        if (!body.isObject()) {
            throw new ValidationException(ErrorCode.INVALID_SHAPE, "value", "must be a JSON object {\"id\"?, \"username\"}");
        }
        body.fieldNames().forEachRemaining(f -> {
            if (!f.equals("id") && !f.equals("username")) {
                throw new ValidationException(ErrorCode.INVALID_SHAPE, f, "is not a player field (id, username)");
            }
        });
        JsonNode id = body.get("id");
        if (id != null && !id.isNull() && !id.isTextual()) {
            throw new ValidationException(ErrorCode.INVALID_SHAPE, "id", "must be a string");
        }
        JsonNode username = body.get("username");
        if (username == null || !username.isTextual()) {
            throw new ValidationException(ErrorCode.INVALID_SHAPE, "username", "must be given as a string");
        }
        PlayerRecord p = store.registerPlayer(id == null || id.isNull() ? null : id.asText(), username.asText());
        ctx.header("ETag", HttpSupport.etag(p.version()));
        ctx.header("Location", "/v1/players/" + p.id());
        ctx.header(HttpSupport.POSITION_HEADER, p.position().toString());
        HttpSupport.json(ctx, 201, player(p));
    }

    /** Own writes, or the position the request says it must see. */
    static ReadConsistency consistency(Context ctx) {
        LogPosition required = HttpSupport.requiredPosition(ctx);
        return required == null ? ReadConsistency.OWN_WRITES : ReadConsistency.atLeast(required);
    }

    void get(Context ctx) {
        String id = ctx.pathParam("playerId");
        AsOf asOf = HttpSupport.asOf(ctx, "asOf");
        if (asOf != null) {
            Stored s = store.readAsOf(new Key.Player(id), asOf, consistency(ctx)).orElseThrow(() -> new ApiProblem(404,
                    Problems.KEY_NOT_FOUND, null, "no player '" + id + "' was registered as of " + asOf.toString()));
            ctx.header("ETag", HttpSupport.etag(s.version()));
            ctx.header(HttpSupport.AS_OF_VERSION_HEADER, Long.toString(s.version()));
            // the registration as it was: lastSeen is not part of a player's history
            ObjectNode body = Json.object();
            if (s.value() instanceof ObjectNode o) {
                body.setAll(o);
            }
            HttpSupport.json(ctx, 200, body.put("version", s.version()));
            return;
        }
        PlayerRecord p = store.player(id, consistency(ctx)).orElseThrow(() -> new ApiProblem(404, Problems.KEY_NOT_FOUND, null,
                "no player '" + id + "' is registered"));
        ctx.header("ETag", HttpSupport.etag(p.version()));
        HttpSupport.json(ctx, 200, player(p));
    }

    /** {@code GET /v1/players?username=}: {@code {"items": [player]}}, empty when nobody holds the name. */
    void find(Context ctx) {
        String username = ctx.queryParam("username");
        if (username == null || username.isEmpty()) {
            throw ApiProblem.invalidArgument("username", "is required: GET /v1/players?username=<name> looks a player up");
        }
        ObjectNode body = Json.object();
        ArrayNode items = body.putArray("items");
        store.playerByUsername(username, consistency(ctx)).ifPresent(p -> items.add(player(p)));
        HttpSupport.json(ctx, 200, body);
    }

    static ObjectNode player(PlayerRecord p) {
        return Json.object().put("id", p.id()).put("username", p.username()).put("createdAt", p.createdAt().toString())
                .put("lastSeen", p.lastSeen().toString()).put("version", p.version());
    }
}
