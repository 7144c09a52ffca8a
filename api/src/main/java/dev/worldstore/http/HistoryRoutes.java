package dev.worldstore.http;

import static dev.worldstore.http.AuditFilter.filter;
import static dev.worldstore.http.AuditFilter.matches;
import static dev.worldstore.http.AuditFilter.tables;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.AsOf;
import dev.worldstore.ChangeFeed;
import dev.worldstore.ChangeRecord;
import dev.worldstore.CorruptDataException;
import dev.worldstore.ErrorCode;
import dev.worldstore.HistoryEntry;
import dev.worldstore.HistoryPage;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.ReadConsistency;
import dev.worldstore.SnapshotDocument;
import dev.worldstore.Table;
import dev.worldstore.ValidationException;
import dev.worldstore.WorldStore;
import dev.worldstore.Json;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * History over HTTP: a key's versions, a world's audit log, a world as it was at a point in time,
 * and rolling a world back. Reads run on the request thread; the audit log and the snapshot are
 * written to the response as they are read, so neither holds a world (or a log) in memory.
 *
 * <p>Once a streamed response has started (status 200 sent), a failure can no longer change the
 * status: the body then ends with an {@code "error"} member holding the problem document, and a
 * client must treat such a body as incomplete.
 */
final class HistoryRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(HistoryRoutes.class);

    static final int DEFAULT_PAGE = ApiRoutes.DEFAULT_PAGE;
    static final int MAX_PAGE = ApiRoutes.MAX_PAGE;
    /** How long one audit-log page may read the log before it returns with what it found (and a {@code next}). */
    static final Duration AUDIT_TIME_BUDGET = Duration.ofSeconds(2);
    /**
     * One wait on the feed. Short, so a page notices the end of its range soon after reading the
     * last change of the world even when other worlds' changes follow it in the partition.
     */
    private static final Duration POLL_SLICE = Duration.ofMillis(50);

    private final WorldStore store;
    private final long maxBodyBytes;
    /** Whose feed slots an audit-log read takes while it holds a Kafka consumer. */
    private final ChangeStream feeds;

    HistoryRoutes(WorldStore store, long maxBodyBytes, ChangeStream feeds) {
        this.store = store;
        this.maxBodyBytes = maxBodyBytes;
        this.feeds = feeds;
    }

    // ---- one key's history ----------------------------------------------------------------------

    /**
     * {@code GET …/history?limit=&before=&withResult=}: {@code {"items": [{version, op, timestamp,
     * origin, actor, formatVersion, change, result?}], "next": "<before>" | null}}, newest first.
     */
    void keyHistory(Context ctx, Key key, ReadConsistency consistency) {
        int limit = HttpSupport.intParam(ctx, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
        long before = HttpSupport.longParam(ctx, "before", Long.MAX_VALUE);
        boolean withResult = HttpSupport.boolParam(ctx, "withResult", false);
        // before=0: nothing is older (and the store's seek would wrap around to the newest version)
        HistoryPage page = before == 0 ? new HistoryPage(List.of(), java.util.OptionalLong.empty())
                : store.history(key, before, limit, withResult, consistency);
        // values go out as the history holds them: no parse, no tree
        ByteArrayOutputStream body = new ByteArrayOutputStream(4096);
        try (JsonGenerator gen = Json.generator(body)) {
            gen.writeStartObject();
            gen.writeArrayFieldStart("items");
            for (HistoryEntry e : page.items()) {
                gen.writeStartObject();
                gen.writeNumberField("version", e.version());
                gen.writeStringField("op", e.op().wireName());
                gen.writeStringField("timestamp", e.timestamp().toString());
                gen.writeStringField("origin", e.origin());
                gen.writeStringField("actor", e.actor());
                gen.writeNumberField("formatVersion", e.formatVersion());
                gen.writeFieldName("change");
                e.writeChange(gen);
                if (withResult) {
                    gen.writeFieldName("result");
                    e.writeResult(gen);
                }
                gen.writeEndObject();
            }
            gen.writeEndArray();
            if (page.nextBefore().isPresent()) {
                gen.writeStringField("next", Long.toString(page.nextBefore().getAsLong()));
            } else {
                gen.writeNullField("next");
            }
            gen.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ctx.status(200);
        ctx.contentType(HttpSupport.JSON);
        ctx.result(body.toByteArray());
    }

    // ---- a world's audit log --------------------------------------------------------------------

    /**
     * {@code GET /v1/worlds/{worldId}/history?from=&to=&table=&actor=&origin=&limit=&cursor=}: the
     * world's accepted changes in log order, {@code {"items": [ChangeEvent...], "next", "end"}}.
     *
     * <p>The range is {@code from} (inclusive; default: the start of the log) to {@code to}
     * (inclusive), never past the end of the log when the request arrived. Either is an instant or
     * a log position. A page holds at most {@code limit} matching changes and reads for at most
     * {@link #AUDIT_TIME_BUDGET}; {@code next} (the position to continue from: send it as
     * {@code cursor} with the same query) is null once the range is read. {@code end} is where this
     * page stopped reading: pass it as {@code from} later to read changes made since. A key limited
     * to some apps does not see other apps' storage changes.
     */
    void worldHistory(Context ctx) {
        String worldId = ctx.pathParam("worldId");
        int limit = HttpSupport.intParam(ctx, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
        Set<Table> tables = tables(ctx.queryParam("table"));
        String actor = filter(ctx, "actor");
        String origin = filter(ctx, "origin");
        ApiKeys.Principal principal = ctx.attribute(ApiRoutes.PRINCIPAL);

        LogPosition logEnd = store.endOf(worldId); // validates the world id; fixes the partition and the range's end
        int partition = logEnd.partition();
        long start;
        String cursor = ctx.queryParam("cursor");
        if (cursor != null) {
            start = inPartition("cursor", HttpSupport.position("cursor", cursor.trim()), partition).offset();
        } else {
            AsOf from = HttpSupport.asOf(ctx, "from");
            if (from instanceof AsOf.AtPosition p) {
                start = inPartition("from", p.position(), partition).offset(); // before the log's start: 410, never a silent gap
            } else if (from instanceof AsOf.AtStart s) {
                inPartition("from", s.toString(), s.partition(), partition);
                start = 0; // as a position: before the log's start, 410
            } else {
                // the log's start (retention may have moved it), or the first change at or after the instant that it still holds
                long logStart = store.startOf(worldId).offset();
                start = from == null ? logStart : Math.max(logStart, store.positionAt(worldId, ((AsOf.AtTime) from).instant()).offset());
            }
        }
        long stop = logEnd.offset(); // exclusive
        AsOf to = HttpSupport.asOf(ctx, "to");
        if (to instanceof AsOf.AtPosition p) {
            stop = Math.min(stop, inPartition("to", p.position(), partition).offset() + 1);
        } else if (to instanceof AsOf.AtStart s) {
            inPartition("to", s.toString(), s.partition(), partition);
            stop = 0; // before the first record: none
        } else if (to instanceof AsOf.AtTime) {
            // every change written at or before the instant: up to the position it resolves to
            stop = Math.min(stop, store.resolve(worldId, to).map(p -> p.offset() + 1).orElse(0L));
        }

        if (start >= stop) {
            ObjectNode body = Json.object();
            body.putArray("items");
            body.putNull("next");
            body.put("end", new LogPosition(partition, Math.max(start, stop)).toString());
            HttpSupport.json(ctx, 200, body);
            return;
        }
        feeds.acquireSlot();
        ChangeFeed feed;
        try {
            feed = store.changesFrom(worldId, new LogPosition(partition, start));
        } catch (RuntimeException e) {
            feeds.releaseSlot();
            throw e;
        }
        JsonGenerator gen = null;
        long examined = start; // every change before this offset has been looked at
        try {
            ctx.status(200);
            ctx.contentType(HttpSupport.JSON);
            gen = Json.generator(ctx.outputStream());
            gen.writeStartObject();
            gen.writeArrayFieldStart("items");
            long deadline = System.nanoTime() + AUDIT_TIME_BUDGET.toNanos();
            int count = 0;
            read:
            while (examined < stop && count < limit) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                List<ChangeRecord> polled = feed.poll(Duration.ofNanos(Math.min(left, POLL_SLICE.toNanos())));
                // a batch is one entry: its changes the key may see, whole
                for (List<ChangeRecord> event : ChangeEvents.events(polled, principal)) {
                    long offset = event.get(0).position().offset();
                    if (offset >= stop) {
                        examined = stop;
                        break read;
                    }
                    examined = offset + 1;
                    if (matches(event, tables, actor, origin)) {
                        ChangeEvents.writeEvent(gen, event);
                        if (++count == limit) {
                            break read;
                        }
                    }
                }
                // everything the feed passed over (other worlds, refused changes) has been looked at too
                examined = Math.max(examined, Math.min(feed.position().offset(), stop));
            }
            gen.writeEndArray();
            if (examined < stop) {
                gen.writeStringField("next", new LogPosition(partition, examined).toString());
            } else {
                gen.writeNullField("next");
            }
            gen.writeStringField("end", new LogPosition(partition, examined).toString());
            gen.writeEndObject();
            gen.flush();
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("audit log of world {}: client went away ({})", worldId, e.toString());
        } catch (RuntimeException e) {
            endWithError(gen, e, worldId, true, new LogPosition(partition, examined));
        } finally {
            try {
                feed.close();
            } catch (RuntimeException e) {
                LOG.debug("closing an audit feed: {}", e.toString());
            } finally {
                feeds.releaseSlot();
            }
        }
    }

    private static LogPosition inPartition(String field, LogPosition p, int partition) {
        inPartition(field, p.toString(), p.partition(), partition);
        return p;
    }

    /** Refuses {@code shown} (a position or a partition's start, as the client wrote it) unless {@code given} is the world's partition. */
    private static void inPartition(String field, String shown, int given, int partition) {
        if (given != partition) {
            throw ApiProblem.invalidArgument(field, "position " + shown + " is not in this world's partition " + partition
                    + "; use a position the API gave for this world");
        }
    }

    // ---- a world at a point in time -----------------------------------------------------------

    /**
     * {@code GET /v1/worlds/{worldId}/snapshot?asOf=}: {@code {"world", "asOf", "worldState",
     * "entities": [...], "players": [{"playerId", "state"}], "apps": [{"appId", "playerId", "key",
     * "value"}]}}, written as the store streams the keys (world state, entities, player states, app
     * data). Apps the key may not use are left out.
     */
    void snapshot(Context ctx) {
        String worldId = ctx.pathParam("worldId");
        AsOf asOf = HttpSupport.asOf(ctx, "asOf");
        if (asOf == null) {
            throw ApiProblem.invalidArgument("asOf", "is required: an ISO-8601 instant like 2026-11-24T14:02:00Z or a log position "
                    + "like 0-42");
        }
        ApiKeys.Principal principal = ctx.attribute(ApiRoutes.PRINCIPAL);
        SnapshotDocument doc = new SnapshotDocument(() -> {
            ctx.status(200);
            ctx.contentType(HttpSupport.JSON);
            return Json.generator(ctx.outputStream());
        }, worldId, asOf.toString());
        try {
            store.snapshot(worldId, asOf, HttpSupport.consistency(ctx), s -> {
                if (!(s.key() instanceof Key.AppData a) || principal == null || principal.mayApp(a.appId())) {
                    doc.accept(s);
                }
            });
            JsonGenerator gen = doc.finishSections();
            if (!doc.corrupt().isEmpty()) {
                // the document holds every readable key; say which were left out, as a problem
                List<String> left = doc.corrupt();
                endWithError(gen, new CorruptDataException(new Key.WorldState(worldId), left.size() + " value(s) are not JSON and were "
                        + "left out; first: " + left.get(0), null), worldId, false, null);
                return;
            }
            gen.writeEndObject();
            gen.flush();
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("snapshot of world {}: client went away ({})", worldId, e.toString());
        } catch (RuntimeException e) {
            if (!doc.started()) {
                throw e; // nothing sent yet: an ordinary problem response
            }
            JsonGenerator gen = doc.abandon();
            if (gen != null) {
                endWithError(gen, e, worldId, false, null);
            } // else the body stays cut short: a client sees malformed JSON, never a complete-looking document
        }
    }

    /**
     * After a streamed 200 has started: ends the document with {@code "error": <problem>} (and, for
     * the audit log, {@code "next"} to resume from), or, if the generator is not in a state to do so,
     * leaves the body cut short.
     */
    private static void endWithError(JsonGenerator gen, RuntimeException e, String worldId, boolean inItems, LogPosition resume) {
        Problems.Problem p = Problems.of(e, false);
        LOG.warn("streamed response for world {} failed after it started: {} {}", worldId, p.code(), p.detail());
        if (gen == null) {
            throw e;
        }
        try {
            if (inItems && gen.getOutputContext().inArray()) {
                gen.writeEndArray();
            }
            if (gen.getOutputContext().inObject()) {
                if (resume != null) {
                    gen.writeStringField("next", resume.toString());
                }
                gen.writeFieldName("error");
                gen.writeTree(p.body());
                gen.writeEndObject();
            }
            gen.flush();
        } catch (IOException | RuntimeException ignored) {
            // the client is gone, or the generator is mid-value: the body stays cut short
        }
    }

    // ---- restore ------------------------------------------------------------------------------

    /**
     * {@code POST /v1/worlds/{worldId}/restore {"asOf": "..."}}: rolls the world back with new,
     * audited events (actor: the API key's name); {@code {"dryRun", "asOf", "rewritten", "deleted",
     * "unchanged", "conflicts"}}. With {@code "dryRun": true} nothing is written: the counts are what
     * a restore would do now (conflicts 0).
     */
    void restore(Context ctx) {
        String worldId = ctx.pathParam("worldId");
        JsonNode body = HttpSupport.readJson(ctx, maxBodyBytes, List.of(HttpSupport.JSON));
        if (!body.isObject()) {
            throw new ValidationException(ErrorCode.INVALID_SHAPE, "value", "must be a JSON object {\"asOf\": \"<instant or position>\"}");
        }
        body.fieldNames().forEachRemaining(f -> {
            if (!f.equals("asOf") && !f.equals("dryRun")) {
                throw new ValidationException(ErrorCode.INVALID_SHAPE, f, "is not a restore field (asOf, dryRun)");
            }
        });
        boolean dryRun = dryRun(body);
        JsonNode text = body.get("asOf");
        if (text == null || !text.isTextual()) {
            throw ApiProblem.invalidArgument("asOf", "is required as a string: an ISO-8601 instant like 2026-11-24T14:02:00Z or a "
                    + "log position like 0-42");
        }
        AsOf asOf = AsOf.parse("asOf", text.asText().trim());
        WorldStore.RestoreResult r = dryRun ? store.planRestore(worldId, asOf) : store.restoreWorld(worldId, asOf, ApiRoutes.actor(ctx));
        ObjectNode out = Json.object().put("dryRun", dryRun).put("asOf", asOf.toString()).put("rewritten", r.rewritten())
                .put("deleted", r.deleted()).put("unchanged", r.unchanged()).put("conflicts", r.conflicts());
        HttpSupport.json(ctx, 200, out);
    }

    /** The optional {@code "dryRun": true|false} of a restore or fork body (default false). */
    static boolean dryRun(JsonNode body) {
        JsonNode d = body.get("dryRun");
        if (d == null) {
            return false;
        }
        if (!d.isBoolean()) {
            throw new ValidationException(ErrorCode.INVALID_SHAPE, "dryRun", "must be true or false");
        }
        return d.booleanValue();
    }
}
