package dev.worldstore.http;

import static dev.worldstore.http.HttpSupport.JSON;
import static dev.worldstore.http.HttpSupport.MERGE_PATCH_JSON;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.AsOf;
import dev.worldstore.Change;
import dev.worldstore.ErrorCode;
import dev.worldstore.Condition;
import dev.worldstore.Key;
import dev.worldstore.Op;
import dev.worldstore.ProjectorState;
import dev.worldstore.Saved;
import dev.worldstore.Stored;
import dev.worldstore.WorldStore;
import dev.worldstore.Json;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * The API's routes and their handlers: the guide's calls over HTTP/JSON. Every handler is
 * stateless; reads run on the request thread (local RocksDB), saves are handed to the store
 * asynchronously so a request waiting for Kafka holds no thread.
 */
final class ApiRoutes {
    static final String PRINCIPAL = "worldstore.principal";
    static final int DEFAULT_PAGE = 100;
    static final int MAX_PAGE = 1_000;

    private static final List<String> PUT_TYPES = List.of(JSON);
    private static final List<String> PATCH_TYPES = List.of(MERGE_PATCH_JSON, JSON);

    private final WorldStore store;
    private final long maxBodyBytes;
    private final Executor responseExecutor;
    private final PrometheusMeterRegistry registry;
    private final byte[] openApi;
    private final ChangeStream changes;
    private final HistoryRoutes history;
    private final PlayerRoutes players;
    private final PageRoutes pages;
    private final BatchRoutes batches;
    private final WorldRoutes worlds;
    private final ConsoleRoutes console = new ConsoleRoutes();

    ApiRoutes(WorldStore store, long maxBodyBytes, Executor responseExecutor, PrometheusMeterRegistry registry, byte[] openApi,
            ChangeStream changes) {
        this.store = store;
        this.maxBodyBytes = maxBodyBytes;
        this.responseExecutor = responseExecutor;
        this.registry = registry;
        this.openApi = openApi;
        this.changes = changes;
        this.history = new HistoryRoutes(store, maxBodyBytes, changes);
        this.players = new PlayerRoutes(store, maxBodyBytes);
        this.pages = new PageRoutes(store);
        this.batches = new BatchRoutes(store, maxBodyBytes, responseExecutor);
        this.worlds = new WorldRoutes(store);
    }

    /** Every route, in documentation order. */
    List<Route> routes() {
        List<Route> r = new ArrayList<>();
        String w = "/v1/worlds/{worldId}";
        add(r, HandlerType.GET, "/health/live", Route.Access.PUBLIC, this::live);
        add(r, HandlerType.GET, "/health/ready", Route.Access.PUBLIC, this::ready);
        add(r, HandlerType.GET, "/metrics", Route.Access.PUBLIC, this::metrics);
        add(r, HandlerType.GET, "/openapi.json", Route.Access.PUBLIC, this::openApi);

        add(r, HandlerType.POST, "/v1/players", Route.Access.PLAYERS, players::register);
        add(r, HandlerType.GET, "/v1/players", Route.Access.PLAYERS, players::find);
        add(r, HandlerType.GET, "/v1/players/{playerId}", Route.Access.PLAYERS, players::get);
        add(r, HandlerType.GET, "/v1/players/{playerId}/history", Route.Access.PLAYERS,
                ctx -> history.keyHistory(ctx, new Key.Player(ctx.pathParam("playerId")), PlayerRoutes.consistency(ctx)));

        String ps = w + "/players/{playerId}/state";
        add(r, HandlerType.PUT, ps, Route.Access.WORLD, ctx -> write(ctx, playerState(ctx), Op.PUT));
        add(r, HandlerType.PATCH, ps, Route.Access.WORLD, ctx -> write(ctx, playerState(ctx), Op.MERGE));
        add(r, HandlerType.GET, ps, Route.Access.WORLD, ctx -> read(ctx, playerState(ctx)));
        add(r, HandlerType.DELETE, ps, Route.Access.WORLD, ctx -> write(ctx, playerState(ctx), Op.DELETE));
        add(r, HandlerType.GET, ps + "/history", Route.Access.WORLD, ctx -> keyHistory(ctx, playerState(ctx)));

        add(r, HandlerType.GET, w + "/entities", Route.Access.WORLD, pages::listEntities);
        String e = w + "/entities/{entityId}";
        add(r, HandlerType.PUT, e, Route.Access.WORLD, ctx -> write(ctx, entity(ctx), Op.PUT));
        add(r, HandlerType.PATCH, e, Route.Access.WORLD, ctx -> write(ctx, entity(ctx), Op.MERGE));
        add(r, HandlerType.GET, e, Route.Access.WORLD, ctx -> read(ctx, entity(ctx)));
        add(r, HandlerType.DELETE, e, Route.Access.WORLD, ctx -> write(ctx, entity(ctx), Op.DELETE));
        add(r, HandlerType.GET, e + "/history", Route.Access.WORLD, ctx -> keyHistory(ctx, entity(ctx)));

        String ws = w + "/state";
        add(r, HandlerType.PUT, ws, Route.Access.WORLD, ctx -> write(ctx, worldState(ctx), Op.PUT));
        add(r, HandlerType.PATCH, ws, Route.Access.WORLD, ctx -> write(ctx, worldState(ctx), Op.MERGE));
        add(r, HandlerType.GET, ws, Route.Access.WORLD, ctx -> read(ctx, worldState(ctx)));
        add(r, HandlerType.GET, ws + "/history", Route.Access.WORLD, ctx -> keyHistory(ctx, worldState(ctx)));

        String app = w + "/apps/{appId}";
        add(r, HandlerType.GET, app + "/data", Route.Access.APP, ctx -> pages.listAppData(ctx, null));
        add(r, HandlerType.PUT, app + "/data/<key>", Route.Access.APP, ctx -> write(ctx, appData(ctx, null), Op.PUT));
        add(r, HandlerType.GET, app + "/data/<key>", Route.Access.APP, ctx -> read(ctx, appData(ctx, null)));
        add(r, HandlerType.DELETE, app + "/data/<key>", Route.Access.APP, ctx -> write(ctx, appData(ctx, null), Op.DELETE));
        // An app key may contain '/' (and end in "/history"), so its history is not ".../data/<key>/history" but a
        // sibling of /data: the history of .../data/<key> is .../history/<key>.
        add(r, HandlerType.GET, app + "/history/<key>", Route.Access.APP, ctx -> keyHistory(ctx, appData(ctx, null)));
        String pApp = app + "/players/{playerId}";
        add(r, HandlerType.GET, pApp + "/data", Route.Access.APP, ctx -> pages.listAppData(ctx, ctx.pathParam("playerId")));
        add(r, HandlerType.PUT, pApp + "/data/<key>", Route.Access.APP,
                ctx -> write(ctx, appData(ctx, ctx.pathParam("playerId")), Op.PUT));
        add(r, HandlerType.GET, pApp + "/data/<key>", Route.Access.APP, ctx -> read(ctx, appData(ctx, ctx.pathParam("playerId"))));
        add(r, HandlerType.DELETE, pApp + "/data/<key>", Route.Access.APP,
                ctx -> write(ctx, appData(ctx, ctx.pathParam("playerId")), Op.DELETE));
        add(r, HandlerType.GET, pApp + "/history/<key>", Route.Access.APP,
                ctx -> keyHistory(ctx, appData(ctx, ctx.pathParam("playerId"))));

        add(r, HandlerType.POST, w + "/batch", Route.Access.WORLD, batches::batch);
        add(r, HandlerType.POST, w + "/read", Route.Access.WORLD, batches::read);
        add(r, HandlerType.GET, w + "/players/{playerId}", Route.Access.WORLD, batches::player);
        add(r, HandlerType.POST, w + "/fork", Route.Access.WORLD_EVERY_APP, batches::fork);

        stream(r, w + "/changes", Route.Access.WORLD, changes::handle);
        stream(r, w + "/history", Route.Access.WORLD, history::worldHistory);
        stream(r, w + "/snapshot", Route.Access.WORLD, history::snapshot);
        add(r, HandlerType.POST, w + "/restore", Route.Access.WORLD_EVERY_APP, history::restore);
        // scale-out (issue 16): a new node copies this node's projection instead of replaying the whole log
        stream(r, "/v1/admin/checkpoint", Route.Access.ADMIN, this::checkpoint);
        // ---- the world console and what it reads of worlds as a whole (issue 14) ----
        add(r, HandlerType.GET, "/v1/worlds", Route.Access.KEY, worlds::list);
        add(r, HandlerType.GET, w + "/timeline", Route.Access.WORLD, worlds::timeline);
        add(r, HandlerType.GET, "/v1/dead-letters", Route.Access.ADMIN, worlds::deadLetters);
        add(r, HandlerType.GET, "/console", Route.Access.PUBLIC, console::page);
        add(r, HandlerType.GET, "/console/{file}", Route.Access.PUBLIC, console::file);
        // ---- end of the console's routes ----
        return r;
    }

    private static void add(List<Route> routes, HandlerType method, String path, Route.Access access, Handler handler) {
        routes.add(new Route(method, path, access, handler));
    }

    /** A streaming GET: answers no HEAD (that would do all the work to send no body). */
    private static void stream(List<Route> routes, String path, Route.Access access, Handler handler) {
        routes.add(new Route(HandlerType.GET, path, access, handler, false));
    }

    /** {@code GET /v1/admin/checkpoint}: a consistent checkpoint of the projection, as a tar (see ProjectionTools.exportCheckpoint). */
    private void checkpoint(Context ctx) throws java.io.IOException {
        ctx.status(200);
        ctx.contentType("application/x-tar");
        ctx.header("Cache-Control", "no-store");
        dev.worldstore.projector.ProjectionTools.exportCheckpoint(store, ctx.res().getOutputStream());
    }

    private void keyHistory(Context ctx, Key key) {
        history.keyHistory(ctx, key, HttpSupport.consistency(ctx));
    }

    // ---- keys from paths ----------------------------------------------------------------------

    private static Key playerState(Context ctx) {
        return new Key.PlayerState(ctx.pathParam("worldId"), ctx.pathParam("playerId"));
    }

    private static Key entity(Context ctx) {
        return new Key.Entity(ctx.pathParam("worldId"), ctx.pathParam("entityId"));
    }

    private static Key worldState(Context ctx) {
        return new Key.WorldState(ctx.pathParam("worldId"));
    }

    private static Key appData(Context ctx, String playerId) {
        return new Key.AppData(ctx.pathParam("worldId"), ctx.pathParam("appId"), playerId, ctx.pathParam("key"));
    }

    static String actor(Context ctx) {
        ApiKeys.Principal p = ctx.attribute(PRINCIPAL);
        return p == null ? null : p.name();
    }

    // ---- writes -------------------------------------------------------------------------------

    /**
     * PUT, PATCH (merge patch) or DELETE of one key, under the request's condition. The body goes
     * to the store as the bytes received (no tree, no re-serialisation); the store's validator
     * checks its syntax and shape. An entity's {@code id} field is filled from the path when the
     * body leaves it out, so listed entities always name themselves.
     */
    private void write(Context ctx, Key key, Op op) {
        Change requested;
        if (op == Op.DELETE) {
            requested = Change.delete(key);
        } else {
            byte[] body = HttpSupport.readJsonBytes(ctx, maxBodyBytes, op == Op.PUT ? PUT_TYPES : PATCH_TYPES);
            if (key instanceof Key.Entity k) {
                body = RequestBodies.withId(body, k.entityId());
            }
            requested = op == Op.PUT ? Change.putJson(key, body) : Change.mergeJson(key, body);
        }
        Condition condition;
        try {
            condition = HttpSupport.condition(ctx);
        } catch (HttpSupport.NeverMatches e) {
            // no strong tag can match: 412 without writing, naming the version the key has now
            Long current = store.read(key, HttpSupport.consistency(ctx)).map(Stored::version).orElse(null);
            ObjectNode extra = Json.object();
            Map<String, String> headers = new java.util.HashMap<>();
            if (current == null) {
                extra.putNull("currentVersion");
            } else {
                extra.put("currentVersion", current);
                headers.put("ETag", HttpSupport.etag(current));
            }
            Problems.write(ctx, new Problems.Problem(412, ErrorCode.VERSION_CONFLICT.name(), e.getMessage(), "If-Match", headers,
                    extra));
            return;
        }
        Change change = requested.withCondition(condition).withActor(actor(ctx)).withIdempotencyKey(HttpSupport.idempotencyKey(ctx));
        boolean precondition = HttpSupport.hasPrecondition(ctx);
        ctx.future(() -> store.writeAsync(change).handleAsync((saved, error) -> {
            if (error != null) {
                Problems.write(ctx, Problems.of(error, precondition));
            } else {
                saved(ctx, saved);
            }
            return null;
        }, responseExecutor));
    }

    /**
     * The response of every applied write: 200, ETag, X-Worldstore-Position and
     * {@code {"version", "position"}}; a retry of an applied write (same idempotency key) answers
     * the first write's version and position with {@code Idempotent-Replayed: true} and
     * {@code "replayed": true}.
     */
    static void saved(Context ctx, Saved saved) {
        ctx.header("ETag", HttpSupport.etag(saved.version()));
        ctx.header(HttpSupport.POSITION_HEADER, saved.position().toString());
        ObjectNode body = Json.object().put("version", saved.version()).put("position", saved.position().toString());
        if (saved.replayed()) {
            ctx.header(HttpSupport.IDEMPOTENT_REPLAYED, "true");
            body.put("replayed", true);
        }
        HttpSupport.json(ctx, 200, body);
    }

    // ---- reads --------------------------------------------------------------------------------

    /**
     * GET of one key: the value exactly as saved, its version as ETag; 304 when If-None-Match names
     * that version. With {@code ?asOf=} (an instant or a log position): the value as of then, its
     * version then as ETag and {@code X-Worldstore-As-Of-Version}; 404 if it did not exist then.
     */
    private void read(Context ctx, Key key) {
        AsOf asOf = HttpSupport.asOf(ctx, "asOf");
        Optional<Stored> found = asOf == null ? store.read(key, HttpSupport.consistency(ctx))
                : store.readAsOf(key, asOf, HttpSupport.consistency(ctx));
        if (found.isEmpty()) {
            throw new ApiProblem(404, Problems.KEY_NOT_FOUND, null, asOf == null ? "no value is stored at " + key.describe()
                    : "no value was stored at " + key.describe() + " as of " + asOf.toString());
        }
        Stored s = found.get();
        String etag = HttpSupport.etag(s.version());
        ctx.header("ETag", etag);
        if (asOf != null) {
            ctx.header(HttpSupport.AS_OF_VERSION_HEADER, Long.toString(s.version()));
        }
        String inm = ctx.header("If-None-Match");
        if (inm != null && matches(inm, etag)) {
            ctx.status(304);
            return;
        }
        // the stored JSON bytes as they are: no parse and re-serialise per GET
        ctx.status(200);
        ctx.contentType(HttpSupport.JSON);
        HttpSupport.send(ctx, s::writeJson);
    }

    private static boolean matches(String ifNoneMatch, String etag) {
        for (String t : ifNoneMatch.split(",")) {
            String v = t.trim();
            if (v.equals("*") || v.equals(etag) || v.equals("W/" + etag)) {
                return true;
            }
        }
        return false;
    }

    // ---- operations ---------------------------------------------------------------------------

    private void live(Context ctx) {
        HttpSupport.json(ctx, 200, Json.object().put("status", "UP"));
    }

    /**
     * Ready once the projector has caught up with the log it found at start (state LIVE): 200
     * {@code READY}. While Kafka is unreachable (also from the start) the node serves loads from
     * its projection and refuses writes: 200 {@code DEGRADED} with {@code "detail": "degraded:
     * read-only ..."}, so reads keep being routed to it. Otherwise 503 {@code NOT_READY}. Every
     * answer also counts the dead letters the projection holds (they do not make a node unready).
     */
    private void ready(Context ctx) {
        ProjectorState state = store.projectorState();
        long lag = store.projectorLag();
        long deadLetters = store.operations().deadLetterCount();
        boolean running = state == ProjectorState.LIVE || state == ProjectorState.CATCHING_UP;
        if (running && !store.logReachable()) {
            HttpSupport.json(ctx, 200, Json.object().put("status", "DEGRADED").put("detail", "degraded: read-only: Kafka is "
                    + "unreachable; loads are served from this node's projection, writes answer 503 LOG_UNAVAILABLE")
                    .put("projector", state.name()).put("lag", lag).put("writable", false).put("deadLetters", deadLetters));
            return;
        }
        if (state == ProjectorState.LIVE) {
            HttpSupport.json(ctx, 200, Json.object().put("status", "READY").put("projector", state.name()).put("lag", lag)
                    .put("deadLetters", deadLetters));
            return;
        }
        ObjectNode extra = Json.object().put("projector", state.name()).put("lag", lag).put("deadLetters", deadLetters);
        Problems.write(ctx, new Problems.Problem(503, Problems.NOT_READY, "the projector is " + state
                + (state == ProjectorState.CATCHING_UP ? " (" + lag + " events behind)" : ""), null, Map.of("Retry-After", "1"), extra));
    }

    private void metrics(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8");
        ctx.result(registry.scrape());
    }

    private void openApi(Context ctx) {
        ctx.contentType(JSON);
        ctx.result(openApi);
    }
}
