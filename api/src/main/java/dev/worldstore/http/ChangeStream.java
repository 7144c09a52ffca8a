package dev.worldstore.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.AsOf;
import dev.worldstore.ChangeFeed;
import dev.worldstore.ChangeRecord;
import dev.worldstore.LogPosition;
import dev.worldstore.WorldStore;
import dev.worldstore.Json;
import io.javalin.http.Context;
import jakarta.servlet.ServletOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import jakarta.servlet.WriteListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/worlds/{worldId}/changes}: a world's accepted changes as Server-Sent Events.
 *
 * <p>Each change is one event: {@code id:} its log position ({@code "partition-offset"}),
 * {@code event:} its operation ({@code put}, {@code merge-patch}, {@code delete}), {@code data:} one
 * line of JSON {@code {table, worldId, <key fields>, op, version, position, value | patch, actor,
 * origin, timestamp, eventId}}. The stream opens with an {@code event: ready} whose {@code id} is
 * where it starts: the position of the last change before it, or {@code "<partition>-start"} when
 * the world's partition had none yet. A client resumes without gaps or duplicates by sending the
 * last id it was sent (the ready event's included) as {@code Last-Event-ID} (what EventSource does)
 * or {@code ?from=}; without either it starts live, with changes made from now on. An id past the
 * log's end is refused (400), never treated as "from the start".
 *
 * <p>No thread per client: every feed is a {@link ChangeFeed} served from the node's shared
 * in-memory tail (or, while behind it, read from the log on the node's shared catch-up pool), and
 * its client's socket is written with non-blocking servlet I/O. A small pool of dispatch threads
 * moves events to a client when its feed says it has some and its socket can take them; a slow
 * client only stops being written to (its feed falls behind and later catches up from the log),
 * and never holds a thread or delays another client. A comment line is written every
 * {@code http.sse.heartbeat.ms} when nothing else was, which keeps proxies from closing the stream
 * and lets the server notice a client that went away; the feed is closed as soon as a write fails.
 * A key that holds only some apps does not see other apps' storage changes.
 */
final class ChangeStream implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChangeStream.class);

    private final WorldStore store;
    private final Semaphore slots;
    private final int maxClients;
    private final long heartbeatMs;
    private final AtomicBoolean stopping;
    private final ExecutorService dispatch;
    private final ScheduledExecutorService heartbeats;
    private final Set<Client> clients = ConcurrentHashMap.newKeySet();

    ChangeStream(WorldStore store, int maxClients, long heartbeatMs, AtomicBoolean stopping) {
        this.store = store;
        this.maxClients = maxClients;
        this.slots = new Semaphore(maxClients);
        this.heartbeatMs = heartbeatMs;
        this.stopping = stopping;
        AtomicInteger n = new AtomicInteger();
        this.dispatch = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
            Thread t = new Thread(r, "worldstore-sse-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "worldstore-sse-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(50, heartbeatMs / 4);
        heartbeats.scheduleWithFixedDelay(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
    }

    /** Feeds open now. */
    int open() {
        return maxClients - slots.availablePermits();
    }

    /**
     * Takes one of the node's feed slots: change-feed clients and audit-log reads share them. Release
     * it with {@link #releaseSlot()}. Thread-safe.
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
        LogPosition from = resumePoint(ctx, worldId);
        ApiKeys.Principal principal = ctx.attribute(ApiRoutes.PRINCIPAL);
        if (stopping.get()) {
            throw new ApiProblem(503, Problems.TOO_MANY_STREAMS, null, "the server is stopping", Map.of("Retry-After", "5"));
        }
        acquireSlot();
        ChangeFeed feed;
        try {
            // Live: start at the end of the log as it is now, and say so in the ready event's id, so a
            // client that drops before the first change still resumes without a gap.
            LogPosition start = from != null ? from : store.endOf(worldId);
            feed = store.changesFrom(worldId, start);
            from = start;
        } catch (RuntimeException | Error e) {
            slots.release();
            throw e;
        }
        ctx.status(200);
        ctx.res().setContentType("text/event-stream;charset=utf-8");
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Accel-Buffering", "no");
        Client client = new Client(ctx, worldId, from, feed, principal);
        // The supplier runs once the request is asynchronous: only then may the socket be written without blocking.
        ctx.future(() -> {
            client.start();
            return client.done;
        });
    }

    /**
     * Where a client resumes (inclusive), from the last id it was sent: {@code "p-o"} resumes at
     * {@code o + 1}, {@code "p-start"} at the partition's start; {@code null} without either (live).
     */
    private LogPosition resumePoint(Context ctx, String worldId) {
        String lastEventId = ctx.header("Last-Event-ID");
        if (lastEventId != null && !lastEventId.isBlank()) {
            return after("Last-Event-ID", lastEventId.trim());
        }
        String from = ctx.queryParam("from");
        if (from != null && !from.isBlank()) {
            return after("from", from.trim());
        }
        return null;
    }

    static LogPosition after(String field, String id) {
        if (AsOf.AtStart.matches(id)) {
            try {
                return new LogPosition(AsOf.AtStart.parse(id).partition(), 0);
            } catch (IllegalArgumentException e) {
                throw new ApiProblem(400, dev.worldstore.ErrorCode.INVALID_ARGUMENT.name(), field, "must be an event id of this feed "
                        + "(partition-offset, or partition-start), was: " + id);
            }
        }
        LogPosition last = HttpSupport.position(field, id);
        if (last.offset() == Long.MAX_VALUE) {
            throw new ApiProblem(400, dev.worldstore.ErrorCode.INVALID_ARGUMENT.name(), field, "position " + id
                    + " is past the end of the log");
        }
        return new LogPosition(last.partition(), last.offset() + 1);
    }

    /**
     * The ready event's id for a stream starting at {@code from}: the position before it, or the
     * partition's start ({@link AsOf.AtStart}, {@code p-start}) when the partition was empty.
     */
    static String readyId(LogPosition from) {
        return from.offset() == 0 ? new AsOf.AtStart(from.partition()).toString()
                : new LogPosition(from.partition(), from.offset() - 1).toString();
    }

    private void heartbeat() {
        long now = System.nanoTime();
        for (Client c : clients) {
            if (now - c.lastWrite >= heartbeatMs * 1_000_000L) {
                c.heartbeatDue = true;
                c.schedule();
            }
        }
    }

    /** Ends every open stream (the server is stopping), then the dispatch threads. */
    @Override
    public void close() {
        stopping.set(true);
        for (Client c : List.copyOf(clients)) {
            c.schedule();
        }
        heartbeats.shutdownNow();
        for (Client c : List.copyOf(clients)) {
            c.finish(null);
        }
        dispatch.shutdown();
        try {
            if (!dispatch.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("change-feed dispatch still busy after 5 s; stopping the server anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One client's stream: a state machine run by the dispatch pool, never two runs at once
     * ({@link #schedule}), woken by its feed ({@link ChangeFeed#onAvailable}), by the container when
     * the socket can take more ({@link WriteListener#onWritePossible}) and by the heartbeat timer.
     */
    private final class Client implements WriteListener {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private final Context ctx;
        private final String worldId;
        private final LogPosition from;
        private final ChangeFeed feed;
        private final ApiKeys.Principal principal;
        private final AtomicInteger wip = new AtomicInteger();
        private final AtomicBoolean finished = new AtomicBoolean();
        private final Runnable wake = this::schedule;
        private final SseWriter sse = new SseWriter();
        private ServletOutputStream out;
        private byte[] pending;
        private boolean needFlush;
        private boolean last;
        volatile long lastWrite = System.nanoTime();
        volatile boolean heartbeatDue;

        Client(Context ctx, String worldId, LogPosition from, ChangeFeed feed, ApiKeys.Principal principal) {
            this.ctx = ctx;
            this.worldId = worldId;
            this.from = from;
            this.feed = feed;
            this.principal = principal;
        }

        void start() {
            try {
                ObjectNode ready = Json.object().put("worldId", worldId).put("after", readyId(from));
                sse.retry(1000);
                sse.event(readyId(from), "ready", gen -> gen.writeTree(ready));
                pending = sse.take();
                clients.add(this);
                out = ctx.res().getOutputStream();
                out.setWriteListener(this); // calls onWritePossible once the socket can be written
            } catch (IOException | RuntimeException e) {
                finish(e);
            }
        }

        void schedule() {
            if (wip.getAndIncrement() == 0) {
                try {
                    dispatch.execute(this::drain);
                } catch (RejectedExecutionException e) {
                    finish(null);
                }
            }
        }

        private void drain() {
            int missed = 1;
            while (true) {
                work();
                missed = wip.addAndGet(-missed);
                if (missed == 0) {
                    return;
                }
            }
        }

        /** Writes what is pending while the socket takes it; refills from the feed; else waits to be woken. */
        private void work() {
            if (finished.get() || out == null) {
                return;
            }
            try {
                while (true) {
                    if (pending != null) {
                        if (!out.isReady()) {
                            return; // onWritePossible wakes us
                        }
                        out.write(pending);
                        pending = null;
                        needFlush = true;
                        lastWrite = System.nanoTime();
                    }
                    if (needFlush) {
                        if (!out.isReady()) {
                            return;
                        }
                        out.flush();
                        needFlush = false;
                    }
                    if (last || stopping.get()) {
                        if (out.isReady()) {
                            finish(null);
                        }
                        return;
                    }
                    if (!out.isReady()) {
                        return;
                    }
                    List<ChangeRecord> records;
                    try {
                        records = feed.pollNow();
                    } catch (RuntimeException e) {
                        if (finished.get()) {
                            return; // the client went away meanwhile and the feed was closed for it
                        }
                        // the feed ended (the node is closing, say): the problem goes out as a last event
                        Problems.Problem p = Problems.of(e, false);
                        sse.event(null, "error", gen -> gen.writeTree(p.body()));
                        pending = sse.take();
                        last = true;
                        continue;
                    }
                    if (records.isEmpty()) {
                        if (heartbeatDue) {
                            heartbeatDue = false;
                            sse.comment("keep-alive");
                            pending = sse.take();
                            continue;
                        }
                        feed.onAvailable(wake);
                        return;
                    }
                    for (List<ChangeRecord> event : ChangeEvents.events(records, principal)) {
                        ChangeRecord first = event.get(0);
                        sse.event(first.position().toString(), first.inBatch() ? "batch" : first.op().wireName(), gen -> ChangeEvents.writeEvent(gen, event));
                    }
                    heartbeatDue = false;
                    if (sse.pending()) {
                        pending = sse.take();
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("change feed of world {} ended: client went away ({})", worldId, e.toString());
                finish(null);
            }
        }

        @Override
        public void onWritePossible() {
            schedule();
        }

        @Override
        public void onError(Throwable t) {
            LOG.debug("change feed of world {} ended: {}", worldId, t.toString());
            finish(null);
        }

        /** Ends the stream once: closes the feed, gives the slot back and completes the response. */
        void finish(Throwable error) {
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            if (error != null) {
                LOG.debug("change feed of world {} could not start: {}", worldId, error.toString());
            }
            clients.remove(this);
            closeQuietly(feed);
            slots.release();
            done.complete(null);
        }
    }

    private static void closeQuietly(ChangeFeed feed) {
        try {
            feed.close();
        } catch (RuntimeException e) {
            LOG.debug("closing a change feed: {}", e.toString());
        }
    }
}
