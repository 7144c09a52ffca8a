package dev.worldstore.bench;

import io.javalin.Javalin;
import io.javalin.http.HandlerType;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The HTTP raw limit: the same Javalin (and Jetty) as worldstore's API, with the same request
 * thread pool, answering worldstore's player-state route from a {@link ConcurrentHashMap}: a GET
 * answers the stored bytes (404 when absent), a PUT stores the body and answers a small JSON
 * document with a version, as worldstore's does. No auth, no metrics, no access log, no store.
 */
final class BareHttp implements AutoCloseable {
    private static final String PATH = "/v1/worlds/{worldId}/players/{playerId}/state";

    private final Javalin app;
    private final Map<String, byte[]> values = new ConcurrentHashMap<>();
    private final AtomicLong versions = new AtomicLong();

    BareHttp() {
        QueuedThreadPool threads = new QueuedThreadPool(200, 8, 60_000);
        threads.setName("bare-http");
        app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.startup.startupWatcherEnabled = false;
            cfg.http.generateEtags = false;
            cfg.jetty.threadPool = threads;
            cfg.jetty.host = "127.0.0.1";
            cfg.jetty.port = 0;
            cfg.routes.addHttpHandler(HandlerType.GET, PATH, ctx -> {
                byte[] v = values.get(ctx.pathParam("worldId") + '/' + ctx.pathParam("playerId"));
                if (v == null) {
                    ctx.status(404);
                    return;
                }
                ctx.contentType("application/json");
                ctx.result(v);
            });
            cfg.routes.addHttpHandler(HandlerType.PUT, PATH, ctx -> {
                values.put(ctx.pathParam("worldId") + '/' + ctx.pathParam("playerId"), ctx.bodyAsBytes());
                ctx.contentType("application/json");
                ctx.result(("{\"version\":" + versions.incrementAndGet() + "}").getBytes(StandardCharsets.UTF_8));
            });
        });
        app.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + app.port());
    }

    @Override
    public void close() {
        app.stop();
    }
}
