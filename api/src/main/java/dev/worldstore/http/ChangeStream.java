package dev.worldstore.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.ChangeFeed;
import dev.worldstore.ChangeRecord;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.Op;
import dev.worldstore.WorldStore;
import dev.worldstore.Json;
import io.javalin.http.Context;
import jakarta.servlet.ServletOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/worlds/{worldId}/changes}: a world's accepted changes as Server-Sent Events.
 *
 * <p>Each change is one event: {@code id:} its log position ({@code "partition-offset"}),
 * {@code event:} its operation ({@code put}, {@code merge-patch}, {@code delete}), {@code data:} one
 * line of JSON {@code {table, worldId, <key fields>, op, version, position, value | patch, actor,
 * origin, timestamp, eventId}}. The stream opens with an {@code event: ready} whose {@code id} (when
 * known) is the position it starts after. A client resumes without gaps or duplicates by sending
 * the last id it saw as {@code Last-Event-ID} (what EventSource does) or {@code ?from=}; without
 * either it starts live, with changes made from now on.
 *
 * <p>Each client gets its own feed, read from Kafka (not buffered in server memory) and polled on
 * its own thread, which writes to the client's socket directly: a slow client blocks only itself,
 * and stays bounded by one poll's records. A comment line is written every
 * {@code http.sse.heartbeat.ms} when nothing else was, which keeps proxies from closing the stream
 * and lets the server notice a client that went away; the feed is closed as soon as a write fails.
 * A key that holds only some apps does not see other apps' storage changes.
 */
final class ChangeStream {
    private static final Logger LOG = LoggerFactory.getLogger(ChangeStream.class);
    private static final Duration POLL = Duration.ofMillis(500);

    private final WorldStore store;
    private final ExecutorService threads;
    private final Semaphore slots;
    private final int maxClients;
    private final long heartbeatMs;
    private final AtomicBoolean stopping;

    ChangeStream(WorldStore store, ExecutorService threads, int maxClients, long heartbeatMs, AtomicBoolean stopping) {
        this.store = store;
        this.threads = threads;
        this.maxClients = maxClients;
        this.slots = new Semaphore(maxClients);
        this.heartbeatMs = heartbeatMs;
        this.stopping = stopping;
    }

    /** Feeds open now. */
    int open() {
        return maxClients - slots.availablePermits();
    }

    /**
     * Takes one of the node's feed slots: change-feed clients and audit-log reads share them, as
     * each holds a Kafka consumer. Release it with {@link #releaseSlot()}. Thread-safe.
     *
     * @throws ApiProblem 503 {@code TOO_MANY_STREAMS} with Retry-After when none is free
     */
    void acquireSlot() {
        if (!slots.tryAcquire()) {
            throw new ApiProblem(503, Problems.TOO_MANY_STREAMS, null, "this node already serves " + maxClients
                    + " change feeds and audit-log reads (http.sse.max.clients); retry later or on another node",
                    Map.of("Retry-After", "5"));
        }
    }

    void releaseSlot() {
        slots.release();
    }

    void handle(Context ctx) {
        String worldId = ctx.pathParam("worldId");
        LogPosition after = resumePoint(ctx);
        ApiKeys.Principal principal = ctx.attribute(ApiRoutes.PRINCIPAL);
        acquireSlot();
        ChangeFeed feed;
        try {
            if (after == null) {
                // Live: start after the last change that exists now, and say so in the ready event's id,
                // so a client that drops before the first change still resumes without a gap.
                LogPosition end = store.endOf(worldId);
                after = end.offset() > 0 ? new LogPosition(end.partition(), end.offset() - 1) : null;
            }
            feed = store.changes(worldId, after);
        } catch (RuntimeException | Error e) {
            slots.release();
            throw e;
        }
        LogPosition start = after;
        ctx.status(200);
        ctx.res().setContentType("text/event-stream;charset=utf-8");
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Accel-Buffering", "no");
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable task = () -> {
            try {
                stream(ctx, worldId, start, feed, principal);
            } finally {
                closeQuietly(feed);
                slots.release();
                done.complete(null);
            }
        };
        // The supplier runs once the request is asynchronous, so the feed thread never races the handler.
        ctx.future(() -> {
            try {
                threads.execute(task);
            } catch (RejectedExecutionException e) {
                closeQuietly(feed);
                slots.release();
                Problems.write(ctx, Problems.of(new ApiProblem(503, Problems.TOO_MANY_STREAMS, null, "the server is stopping",
                        Map.of("Retry-After", "5")), false));
                done.complete(null);
            }
            return done;
        });
    }

    private static LogPosition resumePoint(Context ctx) {
        String lastEventId = ctx.header("Last-Event-ID");
        if (lastEventId != null && !lastEventId.isBlank()) {
            return HttpSupport.position("Last-Event-ID", lastEventId.trim());
        }
        String from = ctx.queryParam("from");
        if (from != null && !from.isBlank()) {
            return HttpSupport.position("from", from.trim());
        }
        return null;
    }

    private void stream(Context ctx, String worldId, LogPosition start, ChangeFeed feed, ApiKeys.Principal principal) {
        try {
            ServletOutputStream out = ctx.res().getOutputStream();
            ObjectNode ready = Json.object().put("worldId", worldId);
            if (start != null) {
                ready.put("after", start.toString());
            } else {
                ready.putNull("after");
            }
            SseWriter sse = new SseWriter();
            sse.retry(1000);
            sse.event(start == null ? null : start.toString(), "ready", gen -> gen.writeTree(ready));
            sse.sendTo(out);
            long lastWrite = System.nanoTime();
            while (!stopping.get()) {
                for (List<ChangeRecord> event : events(feed.poll(POLL), principal)) {
                    ChangeRecord first = event.get(0);
                    sse.event(first.position().toString(), first.inBatch() ? "batch" : first.op().wireName(), gen -> writeEvent(gen, event));
                }
                if (sse.pending()) {
                    sse.sendTo(out);
                    lastWrite = System.nanoTime();
                } else if (System.nanoTime() - lastWrite >= heartbeatMs * 1_000_000L) {
                    sse.comment("keep-alive");
                    sse.sendTo(out);
                    lastWrite = System.nanoTime();
                }
            }
        } catch (IOException e) {
            LOG.debug("change feed of world {} ended: client went away ({})", worldId, e.toString());
        } catch (RuntimeException e) {
            // The stream has started: the problem goes out as a last event instead of a status.
            Problems.Problem p = Problems.of(e, false);
            try {
                SseWriter sse = new SseWriter();
                sse.event(null, "error", gen -> gen.writeTree(p.body()));
                sse.sendTo(ctx.res().getOutputStream());
            } catch (IOException | RuntimeException ignored) {
                // the client is gone as well
            }
        }
    }

    /** False for another app's storage change when the key is limited to some apps. */
    static boolean visible(ChangeRecord r, ApiKeys.Principal principal) {
        return principal == null || !(r.key() instanceof Key.AppData a) || principal.mayApp(a.appId());
    }

    /**
     * The feed's records as events: a change saved alone is one event; the changes of a batch (one
     * position) are one event, whole, with the changes the principal may not see left out (a batch
     * left with none is not an event for it).
     */
    static List<List<ChangeRecord>> events(List<ChangeRecord> records, ApiKeys.Principal principal) {
        List<List<ChangeRecord>> events = new ArrayList<>();
        List<ChangeRecord> open = null;
        for (ChangeRecord r : records) {
            boolean continues = open != null && r.inBatch() && r.batchIndex() > 0 && open.get(0).position().equals(r.position());
            if (!continues) {
                if (open != null && !open.isEmpty()) {
                    events.add(open);
                }
                open = new ArrayList<>(r.inBatch() ? r.batchSize() : 1);
            }
            if (visible(r, principal)) {
                open.add(r);
            }
        }
        if (open != null && !open.isEmpty()) {
            events.add(open);
        }
        return events;
    }

    /**
     * Writes one event: a single change as {@link #writeChange}, a batch as {@code {"op": "batch",
     * worldId, version, position, changes: [{table, <ids>, op, value | patch}], actor, origin,
     * timestamp, eventId}}.
     */
    static void writeEvent(JsonGenerator gen, List<ChangeRecord> event) throws IOException {
        ChangeRecord first = event.get(0);
        if (!first.inBatch()) {
            writeChange(gen, first);
            return;
        }
        gen.writeStartObject();
        gen.writeStringField("op", "batch");
        gen.writeStringField("worldId", first.key().worldId());
        gen.writeNumberField("version", first.version());
        gen.writeStringField("position", first.position().toString());
        gen.writeArrayFieldStart("changes");
        for (ChangeRecord r : event) {
            gen.writeStartObject();
            BatchRoutes.writeKey(gen, r.key());
            gen.writeStringField("op", r.op().wireName());
            writePayload(gen, r);
            gen.writeEndObject();
        }
        gen.writeEndArray();
        gen.writeStringField("actor", first.actor());
        gen.writeStringField("origin", first.origin());
        gen.writeStringField("timestamp", first.timestamp().toString());
        gen.writeStringField("eventId", first.eventId());
        gen.writeEndObject();
    }

    private static void writePayload(JsonGenerator gen, ChangeRecord r) throws IOException {
        if (r.op() == Op.PUT) {
            gen.writeFieldName("value");
            r.writePayload(gen);
        } else if (r.op() == Op.MERGE) {
            gen.writeFieldName("patch");
            r.writePayload(gen);
        }
    }

    /**
     * Writes one change as the JSON object the change feed and the audit log report:
     * {@code {table, <the table's id fields>, op, version, position, value | patch, actor, origin,
     * timestamp, eventId}}. The value or patch is the event's JSON as written, unparsed.
     */
    static void writeChange(JsonGenerator gen, ChangeRecord r) throws IOException {
        Key key = r.key();
        gen.writeStartObject();
        gen.writeStringField("table", key.table().wireName());
        List<String> ids = key.table().idFields();
        for (int i = 0; i < ids.size(); i++) {
            gen.writeStringField(ids.get(i), key.id(i));
        }
        gen.writeStringField("op", r.op().wireName());
        gen.writeNumberField("version", r.version());
        gen.writeStringField("position", r.position().toString());
        writePayload(gen, r);
        gen.writeStringField("actor", r.actor());
        gen.writeStringField("origin", r.origin());
        gen.writeStringField("timestamp", r.timestamp().toString());
        gen.writeStringField("eventId", r.eventId());
        gen.writeEndObject();
    }

    private static void closeQuietly(ChangeFeed feed) {
        try {
            feed.close();
        } catch (RuntimeException e) {
            LOG.debug("closing a change feed: {}", e.toString());
        }
    }
}
