package dev.worldstore.http;

import dev.worldstore.WorldStore;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.router.ParsedEndpoint;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * worldstore's HTTP API (Javalin on Jetty 12) in front of one {@link WorldStore}: the guide's
 * calls over HTTP/JSON, the SSE change feed, health, Prometheus metrics and the OpenAPI document.
 * See {@code openapi.json} for the routes, {@link Problems} for error statuses and codes,
 * {@link ApiKeys} for authentication.
 *
 * <p>Every request is timed in {@code http.server.requests} (tags: method, uri = route template,
 * status) and, as {@code http.access.log} says (by default answers with status 400 or more, at most
 * {@code http.access.log.max.lines.per.second}), logged on one line by the logger
 * {@code dev.worldstore.http.access} (method, path, status, milliseconds, actor).
 *
 * <p>Start with {@link #start}; {@link #close()} stops it (idempotent) but does not close the store.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
    static final String ROUTE_ATTR = "worldstore.route";

    private final Javalin app;
    private final ChangeStream changes;
    private final AtomicBoolean stopping;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<Route> routes;
    private final String generatedAdminKey;
    private final boolean tls;
    private final String host;

    private HttpServer(Javalin app, ChangeStream changes, AtomicBoolean stopping, List<Route> routes, String generatedAdminKey,
            boolean tls, String host) {
        this.app = app;
        this.changes = changes;
        this.stopping = stopping;
        this.routes = routes;
        this.generatedAdminKey = generatedAdminKey;
        this.tls = tls;
        this.host = host;
    }

    /**
     * Starts the API on {@code http.host:http.port}.
     *
     * @param dataDir the node's {@code data.dir}: where the generated admin key's hash is kept
     *     when auth is on and no keys file is configured
     * @param registry where HTTP metrics go and what {@code GET /metrics} serves
     * @throws dev.worldstore.ConfigException if the keys file or TLS keystore is unusable
     * @throws IllegalStateException if the port cannot be bound
     */
    public static HttpServer start(WorldStore store, HttpConfig config, Path dataDir, PrometheusMeterRegistry registry) {
        ApiKeys keys = null;
        String generated = null;
        if (config.getBoolean(HttpConfig.HTTP_AUTH_ENABLED)) {
            ApiKeys.Loaded loaded = ApiKeys.loadOrGenerate(config.get(HttpConfig.HTTP_AUTH_KEYS_FILE), dataDir);
            keys = loaded.keys();
            generated = loaded.generatedAdminKey();
            LOG.info("HTTP auth on: {} API key(s) from {}", keys.size(), keys.source());
        } else {
            LOG.warn("**************************************************************************************");
            LOG.warn("HTTP AUTH IS DISABLED (http.auth.enabled=false): ANYONE WHO CAN REACH {}:{} CAN READ AND",
                    config.get(HttpConfig.HTTP_HOST), config.get(HttpConfig.HTTP_PORT));
            LOG.warn("WRITE EVERY WORLD. Use this only for local development.");
            LOG.warn("**************************************************************************************");
        }
        String keystore = config.get(HttpConfig.HTTP_TLS_KEYSTORE_PATH);
        boolean tls = !keystore.isBlank();
        if (tls && !Files.isReadable(Path.of(keystore))) {
            throw new dev.worldstore.ConfigException(HttpConfig.HTTP_TLS_KEYSTORE_PATH.name(), "cannot read keystore " + keystore);
        }

        AtomicBoolean stopping = new AtomicBoolean();
        QueuedThreadPool jettyThreads = new QueuedThreadPool(config.getInt(HttpConfig.HTTP_THREADS_MAX), 8, 60_000);
        jettyThreads.setName("worldstore-http");
        int maxStreams = config.getInt(HttpConfig.HTTP_SSE_MAX_CLIENTS);
        ChangeStream changes = new ChangeStream(store, maxStreams, config.getInt(HttpConfig.HTTP_SSE_HEARTBEAT_MS), stopping);
        long maxBody = config.getInt(HttpConfig.HTTP_MAX_BODY_BYTES);
        List<Route> routes = new ApiRoutes(store, maxBody, jettyThreads, registry, openApiDocument(), changes).routes();
        Gauge.builder("http.sse.clients", changes, ChangeStream::open).description("Open change-feed (SSE) streams")
                .register(registry);
        Gauge.builder("http.server.threads.busy", jettyThreads, QueuedThreadPool::getBusyThreads)
                .description("Request threads at work").register(registry);
        Gauge.builder("http.server.threads", jettyThreads, QueuedThreadPool::getThreads)
                .description("Request threads in the pool").register(registry);
        Gauge.builder("http.server.queued", jettyThreads, QueuedThreadPool::getQueueSize)
                .description("Jobs waiting for a request thread").register(registry);
        RequestMetrics metrics = new RequestMetrics(registry, new AccessLog(config.get(HttpConfig.HTTP_ACCESS_LOG),
                config.getInt(HttpConfig.HTTP_ACCESS_LOG_MAX_LINES_PER_SECOND), System::currentTimeMillis));
        Auth auth = new Auth(keys);
        String host = config.get(HttpConfig.HTTP_HOST);
        int port = config.getInt(HttpConfig.HTTP_PORT);
        int idleMs = config.getInt(HttpConfig.HTTP_IDLE_TIMEOUT_MS);
        String keystorePassword = config.get(HttpConfig.HTTP_TLS_KEYSTORE_PASSWORD);

        Javalin app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.startup.startupWatcherEnabled = false;
            cfg.http.generateEtags = false;
            cfg.http.prefer405over404 = true;
            // a trailing slash is part of the path: /data/a/ must not be another spelling of key a
            cfg.router.ignoreTrailingSlashes = false;
            cfg.http.maxRequestSize = maxBody;
            cfg.http.asyncTimeout = 0;
            cfg.jetty.threadPool = jettyThreads;
            cfg.jetty.modifyServer(server -> {
                server.setErrorHandler(new JsonErrorHandler());
                // what no context takes: OPTIONS * (the server in general, RFC 9110 §9.3.7), else a 404 problem
                server.setDefaultHandler(new ServerOptionsHandler());
            });
            cfg.jetty.addConnector((server, httpConfig) -> {
                httpConfig.setSendServerVersion(false);
                ServerConnector connector;
                if (tls) {
                    SecureRequestCustomizer secure = new SecureRequestCustomizer();
                    secure.setSniHostCheck(false);
                    httpConfig.addCustomizer(secure);
                    SslContextFactory.Server ssl = new SslContextFactory.Server();
                    ssl.setKeyStorePath(keystore);
                    ssl.setKeyStorePassword(keystorePassword);
                    ssl.setKeyStoreType("PKCS12");
                    connector = new ServerConnector(server, ssl, new HttpConnectionFactory(httpConfig));
                } else {
                    connector = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
                }
                connector.setHost(host);
                connector.setPort(port);
                connector.setIdleTimeout(idleMs);
                return connector;
            });
            for (Route r : routes) {
                cfg.routes.addHttpHandler(r.method(), r.path(), wrap(r, auth));
                if (r.head()) {
                    // HEAD runs the GET handler (status, ETag, length; Jetty drops the body), not Javalin's blind 200
                    cfg.routes.addHttpHandler(HandlerType.HEAD, r.path(), wrap(r, auth));
                } else if (r.method() == HandlerType.GET) {
                    // a streaming GET: HEAD would do all its work to send no body, so 405 rather than Javalin's blind 200
                    cfg.routes.addHttpHandler(HandlerType.HEAD, r.path(), ctx -> {
                        ctx.attribute(ROUTE_ATTR, r.path());
                        throw new ApiProblem(405, Problems.METHOD_NOT_ALLOWED, null, "HEAD is not answered on " + ctx.path()
                                + " (a streamed response); use GET");
                    });
                }
            }
            // OPTIONS on every route (RFC 9110 §9.3.7): what the resource allows, no key needed, no body
            for (String path : new LinkedHashSet<>(routes.stream().map(Route::path).toList())) {
                cfg.routes.addHttpHandler(HandlerType.OPTIONS, path, ctx -> options(ctx, path, routes));
            }
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                Problems.Problem p = positionField(ctx, Problems.of(e, HttpSupport.hasPrecondition(ctx)));
                if (p.status() == 405) {
                    ctx.header("Allow", String.join(", ", allowed(ctx, routes)));
                }
                Problems.write(ctx, p);
            });
            // Javalin answers unmatched paths and methods itself; turn those answers into problems too.
            for (int status : new int[] {404, 405}) {
                cfg.routes.error(status, ctx -> {
                    String type = ctx.res().getContentType();
                    if (type != null && type.startsWith(Problems.PROBLEM_JSON)) {
                        return; // already a problem (e.g. KEY_NOT_FOUND)
                    }
                    if (status == 405) {
                        ctx.header("Allow", String.join(", ", allowed(ctx, routes)));
                        Problems.write(ctx, Problems.of(new ApiProblem(405, Problems.METHOD_NOT_ALLOWED, null,
                                ctx.method().name() + " is not allowed on " + ctx.path()), false));
                    } else {
                        Problems.write(ctx, Problems.of(new ApiProblem(404, Problems.NOT_FOUND, null,
                                "no route " + ctx.method().name() + " " + ctx.path() + " (see /openapi.json)"), false));
                    }
                });
            }
            cfg.router.javaLangErrorHandler((res, error) -> {
                LOG.error("unexpected error serving a request", error);
                res.setStatus(500);
                res.setContentType(Problems.PROBLEM_JSON);
                try {
                    res.getOutputStream().write(dev.worldstore.Json.bytes(new Problems.Problem(500, Problems.INTERNAL_ERROR,
                            "unexpected server error; see the server log", null, Map.of(), null).body()));
                } catch (IOException ignored) {
                    // the client is gone
                }
            });
            cfg.requestLogger.http((ctx, ms) -> metrics.record(ctx, ms));
        });
        try {
            app.start();
        } catch (RuntimeException e) {
            changes.close();
            throw new IllegalStateException("cannot start the HTTP API on " + host + ":" + port + ": " + rootMessage(e), e);
        }
        HttpServer server = new HttpServer(app, changes, stopping, routes, generated, tls, host);
        LOG.info("HTTP API listening on {}", server.uri());
        if (generated != null) {
            System.out.println("worldstore: generated the admin API key (shown only this once; keep it now): " + generated);
            System.out.flush();
        }
        return server;
    }

    /** The store names a log position it refuses "position"; name the request part that carried it. */
    private static Problems.Problem positionField(Context ctx, Problems.Problem p) {
        if (!"position".equals(p.field())) {
            return p;
        }
        for (String header : new String[] {HttpSupport.POSITION_HEADER, "Last-Event-ID"}) {
            if (ctx.header(header) != null) {
                return new Problems.Problem(p.status(), p.code(), p.detail(), header, p.headers(), p.extra());
            }
        }
        return ctx.queryParam("from") != null ? new Problems.Problem(p.status(), p.code(), p.detail(), "from", p.headers(), p.extra()) : p;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    private static byte[] openApiDocument() {
        try (InputStream in = HttpServer.class.getResourceAsStream("/openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Authentication and authorization of one route, then its handler. */
    private static Handler wrap(Route r, Auth auth) {
        return ctx -> {
            ctx.attribute(ROUTE_ATTR, r.path());
            refuseEncodedSeparators(ctx);
            if (r.access() != Route.Access.PUBLIC) {
                auth.authorize(ctx, r.access());
            }
            r.handler().handle(ctx);
        };
    }

    /**
     * An encoded slash or backslash in the path would decode into an id as a separator: {@code x%2Fy}
     * would alias the app key {@code x/y}. Refused, so every key has one spelling.
     */
    private static void refuseEncodedSeparators(Context ctx) {
        String raw = ctx.req().getRequestURI();
        if (raw != null && (raw.contains("%2F") || raw.contains("%2f") || raw.contains("%5C") || raw.contains("%5c"))) {
            throw new ApiProblem(400, dev.worldstore.ErrorCode.INVALID_ID.name(), null, "an id may not hold an encoded slash or "
                    + "backslash (%2F, %5C): it would be another spelling of a key with a path separator");
        }
    }

    /**
     * The answer to {@code OPTIONS}: 200 with no content ({@code Content-Length: 0}) and
     * {@code Allow}; where a body is accepted, {@code Accept-Encoding} (RFC 9110 §12.5.3: the
     * request codings accepted) and, on PATCH routes, {@code Accept-Patch} (RFC 5789).
     */
    private static void options(Context ctx, String path, List<Route> routes) {
        ctx.attribute(ROUTE_ATTR, path);
        List<String> allow = allowed(ctx, routes);
        ctx.header("Allow", String.join(", ", allow));
        if (allow.contains("PUT") || allow.contains("PATCH") || allow.contains("POST")) {
            ctx.header("Accept-Encoding", HttpSupport.ACCEPTED_ENCODINGS);
        }
        if (allow.contains("PATCH")) {
            ctx.header("Accept-Patch", HttpSupport.MERGE_PATCH_JSON + ", " + HttpSupport.JSON);
        }
        ctx.status(200);
        ctx.result(new byte[0]);
    }

    /** The methods the path of {@code ctx} answers, in route order; OPTIONS last (every route answers it). */
    private static List<String> allowed(Context ctx, List<Route> routes) {
        Set<String> methods = new LinkedHashSet<>();
        String path = ctx.path();
        for (Route r : routes) {
            if (new ParsedEndpoint(new io.javalin.router.Endpoint(r.method(), r.path(), c -> { }),
                    new io.javalin.config.RouterConfig()).matches(path)) {
                methods.add(r.method().name());
                if (r.head()) {
                    methods.add("HEAD");
                }
            }
        }
        if (!methods.isEmpty()) {
            methods.add("OPTIONS");
        }
        return new ArrayList<>(methods);
    }

    /** The port the API listens on (the bound one when {@code http.port} was 0). */
    public int port() {
        return app.port();
    }

    /** The base address, e.g. {@code http://127.0.0.1:8080}. */
    public URI uri() {
        String h = host.isBlank() || host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
        if (h.contains(":")) {
            h = "[" + h + "]";
        }
        return URI.create((tls ? "https" : "http") + "://" + h + ":" + port());
    }

    /** The admin key generated on this start (its only appearance besides standard output), if one was. */
    public Optional<String> generatedAdminKey() {
        return Optional.ofNullable(generatedAdminKey);
    }

    /**
     * Every registered route as {@code "METHOD /path"}, parameters in OpenAPI braces. HEAD, which
     * every GET route except the streaming ones (change feed, audit log, snapshot) also answers, is
     * left out (OpenAPI implies it), and so is OPTIONS, which every route answers.
     */
    public List<String> routes() {
        List<String> out = new ArrayList<>();
        for (ParsedEndpoint e : app.unsafe.internalRouter.allHttpHandlers()) {
            if (e.endpoint.method != HandlerType.HEAD && e.endpoint.method != HandlerType.OPTIONS) {
                out.add(e.endpoint.method.name() + " " + Route.openApiPath(e.endpoint.path));
            }
        }
        return out;
    }

    /** Stops accepting requests, ends open change feeds and stops Jetty. Does not close the store. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopping.set(true);
        changes.close();
        app.stop();
        LOG.info("HTTP API stopped");
    }

    List<Route> routeTable() {
        return routes;
    }
}
