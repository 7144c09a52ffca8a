package dev.worldstore.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.DeadLetter;
import dev.worldstore.Json;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldSummary;
import dev.worldstore.WorldTimeline;
import io.javalin.http.Context;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.TreeSet;

/**
 * What the world console (and any operator tool) reads about worlds as a whole: the worlds a key
 * may see with counts of their keys, when a world's changes happened, and the node's dead letters.
 * Stateless; every read runs on the request thread against the local projection.
 */
final class WorldRoutes {
    static final int DEFAULT_BUCKETS = 200;
    static final int MAX_BUCKETS = 2_000;
    static final int DEFAULT_DEAD_LETTERS = 50;
    static final int MAX_DEAD_LETTERS = 1_000;
    /** Dead-letter values longer than this are cut (the record stays in the log and RocksDB whole). */
    static final int MAX_DEAD_LETTER_VALUE = 64 * 1024;

    private final WorldStore store;

    WorldRoutes(WorldStore store) {
        this.store = store;
    }

    /**
     * {@code GET /v1/worlds?limit=&cursor=}: {@code {"items": [{"worldId", "entities",
     * "playerStates", "appData", "worldState", "exists"}], "next", "caller": {"name", "admin",
     * "worlds", "apps", "players"}}} in world id order. An admin key, or one holding {@code "*"},
     * sees every world with history on this node; any other key sees exactly the worlds it names
     * (with zero counts and {@code "exists": false} for one that holds nothing yet).
     */
    void list(Context ctx) {
        int limit = HttpSupport.intParam(ctx, "limit", ApiRoutes.DEFAULT_PAGE, 1, ApiRoutes.MAX_PAGE);
        String after = HttpSupport.decodeCursor(ctx);
        ApiKeys.Principal p = ctx.attribute(ApiRoutes.PRINCIPAL);
        if (p == null) {
            p = ApiKeys.Principal.ANONYMOUS;
        }
        List<String> ids;
        boolean more;
        if (p.admin() || p.worlds().contains("*")) {
            ids = new ArrayList<>(store.worldIds(after, limit + 1));
        } else {
            ids = new ArrayList<>();
            for (String w : new TreeSet<>(p.worlds())) {
                if (after == null || w.compareTo(after) > 0) {
                    ids.add(w);
                }
            }
        }
        more = ids.size() > limit;
        if (more) {
            ids = ids.subList(0, limit);
        }
        ObjectNode body = Json.object();
        ArrayNode items = body.putArray("items");
        for (String w : ids) {
            WorldSummary s;
            try {
                s = store.worldSummary(w, HttpSupport.consistency(ctx));
            } catch (dev.worldstore.ValidationException e) {
                continue; // a keys file may name a world id the id rule refuses: there is nothing to show of it
            }
            items.addObject().put("worldId", s.worldId()).put("entities", s.entities()).put("playerStates", s.playerStates())
                    .put("appData", s.appData()).put("worldState", s.worldState()).put("exists", s.exists());
        }
        if (more) {
            body.put("next", HttpSupport.encodeCursor(ids.get(ids.size() - 1)));
        } else {
            body.putNull("next");
        }
        ObjectNode caller = body.putObject("caller");
        if (p.name() == null) {
            caller.putNull("name");
        } else {
            caller.put("name", p.name());
        }
        caller.put("admin", p.admin()).put("players", p.mayPlayers());
        ArrayNode worlds = caller.putArray("worlds");
        new TreeSet<>(p.worlds()).forEach(worlds::add);
        ArrayNode apps = caller.putArray("apps");
        new TreeSet<>(p.apps()).forEach(apps::add);
        HttpSupport.json(ctx, 200, body);
    }

    /**
     * {@code GET /v1/worlds/{worldId}/timeline?buckets=}: {@code {"worldId", "changes", "first",
     * "last", "firstPosition", "lastPosition", "density": [n, ...]}} from this node's history index;
     * {@code first}, {@code last} and the positions are null for a world without history.
     */
    void timeline(Context ctx) {
        String worldId = ctx.pathParam("worldId");
        int buckets = HttpSupport.intParam(ctx, "buckets", DEFAULT_BUCKETS, 1, MAX_BUCKETS);
        WorldTimeline t = store.timeline(worldId, buckets, HttpSupport.consistency(ctx));
        ObjectNode body = Json.object().put("worldId", t.worldId()).put("changes", t.changes());
        body.put("first", text(t.first()));
        body.put("last", text(t.last()));
        body.put("firstPosition", text(t.firstPosition()));
        body.put("lastPosition", text(t.lastPosition()));
        ArrayNode density = body.putArray("density");
        t.density().forEach(density::add);
        HttpSupport.json(ctx, 200, body);
    }

    /**
     * {@code GET /v1/dead-letters?limit=}: the node's most recent dead letters, newest first:
     * {@code {"items": [{"position", "recordedAt", "reason", "headers", "value" | "valueBase64",
     * "valueBytes", "truncated"}]}}. {@code value} is the record's value as text when it is UTF-8,
     * else {@code valueBase64}; either is cut at 64 KiB ({@code truncated}).
     */
    void deadLetters(Context ctx) {
        int limit = HttpSupport.intParam(ctx, "limit", DEFAULT_DEAD_LETTERS, 1, MAX_DEAD_LETTERS);
        ObjectNode body = Json.object();
        ArrayNode items = body.putArray("items");
        for (DeadLetter d : store.deadLetters(limit)) {
            ObjectNode n = items.addObject().put("position", d.position().toString())
                    .put("recordedAt", text(d.recordedAt())).put("reason", d.reason())
                    .put("headers", d.headers());
            byte[] v = d.value();
            if (v == null) {
                n.putNull("value");
                n.put("valueBytes", 0).put("truncated", false);
                continue;
            }
            boolean cut = v.length > MAX_DEAD_LETTER_VALUE;
            byte[] shown = cut ? java.util.Arrays.copyOf(v, MAX_DEAD_LETTER_VALUE) : v;
            String text = utf8(shown);
            if (text != null) {
                n.put("value", text);
            } else {
                n.put("valueBase64", Base64.getEncoder().encodeToString(shown));
            }
            n.put("valueBytes", v.length).put("truncated", cut);
        }
        HttpSupport.json(ctx, 200, body);
    }

    private static String text(Object o) {
        return o == null ? null : o.toString();
    }

    /** The bytes as text if they are well-formed UTF-8, else null. */
    private static String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
