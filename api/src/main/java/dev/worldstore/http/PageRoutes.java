package dev.worldstore.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.Page;
import dev.worldstore.ReadConsistency;
import dev.worldstore.Scan;
import dev.worldstore.Stored;
import dev.worldstore.WorldStore;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Pages of keys over HTTP: a world's entities (optionally of one type) and an app's keys. Stateless. */
final class PageRoutes {
    static final int DEFAULT_PAGE = ApiRoutes.DEFAULT_PAGE;
    static final int MAX_PAGE = ApiRoutes.MAX_PAGE;
    /** How many entries one filtered entity page may look at before it returns with fewer items. */
    static final int FILTER_SCAN_BUDGET = 10_000;

    private final WorldStore store;

    PageRoutes(WorldStore store) {
        this.store = store;
    }

    /**
     * One page of a world's entities in id order: {@code {"items": [...], "next": "..."}}. With
     * {@code type}, only entities whose {@code metadata.type} (or top-level {@code type}) equals it
     * are returned; such a page may hold fewer than {@code limit} items, even none, while
     * {@code next} is present: a filtered page looks at no more than {@value #FILTER_SCAN_BUDGET}
     * entities, so memory and time stay bounded in any world.
     */
    void listEntities(Context ctx) {
        String worldId = ctx.pathParam("worldId");
        int limit = HttpSupport.intParam(ctx, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
        String type = ctx.queryParam("type");
        String after = HttpSupport.decodeCursor(ctx);
        ReadConsistency consistency = HttpSupport.consistency(ctx);
        List<Stored> items = new ArrayList<>(limit);
        String next = null;
        int scanned = 0;
        while (true) {
            Page page = store.scan(new Scan(new Scan.Entities(worldId), after, limit), consistency);
            consistency = ReadConsistency.LOCAL;
            boolean full = false;
            List<Page.Entry> entries = page.items();
            for (int i = 0; i < entries.size(); i++) {
                Page.Entry entry = entries.get(i);
                String lastId = ((Key.Entity) entry.key()).entityId();
                scanned++;
                // only a type filter needs the value parsed; without one the stored bytes go out as they are
                if (type == null || hasType(entry.stored().value(), type)) {
                    items.add(entry.stored());
                    if (items.size() == limit) {
                        full = true;
                        boolean lastOfAll = i == entries.size() - 1 && page.next().isEmpty();
                        next = lastOfAll ? null : lastId;
                        break;
                    }
                }
            }
            if (full || page.next().isEmpty()) {
                break;
            }
            if (type == null || scanned >= FILTER_SCAN_BUDGET) {
                next = page.next().get();
                break;
            }
            after = page.next().get();
        }
        writePage(ctx, items, null, next);
    }

    private static boolean hasType(JsonNode value, String type) {
        return type.equals(value.path("metadata").path("type").textValue()) || type.equals(value.path("type").textValue());
    }

    /** One page of an app's keys (world-wide or one player's): {@code {"items": [{"key","version","value"}], "next"}}. */
    void listAppData(Context ctx, String playerId) {
        int limit = HttpSupport.intParam(ctx, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
        String prefix = ctx.queryParam("prefix");
        Scan scan = new Scan(new Scan.AppData(ctx.pathParam("worldId"), ctx.pathParam("appId"), playerId, prefix),
                HttpSupport.decodeCursor(ctx), limit);
        Page page = store.scan(scan, HttpSupport.consistency(ctx));
        List<Stored> items = new ArrayList<>(page.items().size());
        page.items().forEach(e -> items.add(e.stored()));
        writePage(ctx, items, s -> ((Key.AppData) s.key()).key(), page.next().orElse(null));
    }

    /**
     * {@code {"items": [...], "next": cursor | null}}; each item the stored value's bytes unparsed, or
     * with {@code keyOf}, {@code {"key", "version", "value"}}.
     */
    private static void writePage(Context ctx, List<Stored> items, Function<Stored, String> keyOf, String next) {
        ByteArrayOutputStream body = new ByteArrayOutputStream(256 + 256 * items.size());
        try (JsonGenerator gen = Json.generator(body)) {
            gen.writeStartObject();
            gen.writeArrayFieldStart("items");
            for (Stored s : items) {
                if (keyOf == null) {
                    s.writeJson(gen);
                } else {
                    gen.writeStartObject();
                    gen.writeStringField("key", keyOf.apply(s));
                    gen.writeNumberField("version", s.version());
                    gen.writeFieldName("value");
                    s.writeJson(gen);
                    gen.writeEndObject();
                }
            }
            gen.writeEndArray();
            gen.writeStringField("next", next == null ? null : HttpSupport.encodeCursor(next));
            gen.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ctx.status(200);
        ctx.contentType(HttpSupport.JSON);
        ctx.result(body.toByteArray());
    }
}
