package dev.worldstore.http;

import io.javalin.http.Context;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request timer ({@code http.server.requests}, tags method, uri = route template, status) of
 * every request, and its access-log line (logger {@code dev.worldstore.http.access}) when the
 * {@link AccessLog} wants it. Thread-safe.
 */
final class RequestMetrics {
    private static final Logger ACCESS = LoggerFactory.getLogger("dev.worldstore.http.access");
    private static final String UNMATCHED = "UNMATCHED";

    /** Bucket boundaries of {@code http.server.requests}: the same as the store's saves, so the two line up on a dashboard. */
    static final Duration[] SLOS = java.util.stream.LongStream.of(1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000)
            .mapToObj(Duration::ofMillis).toArray(Duration[]::new);

    private final PrometheusMeterRegistry registry;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    private final AccessLog accessLog;

    RequestMetrics(PrometheusMeterRegistry registry, AccessLog accessLog) {
        this.registry = registry;
        this.accessLog = accessLog;
    }

    void record(Context ctx, Float ms) {
        String route = ctx.attribute(HttpServer.ROUTE_ATTR);
        String uri = route == null ? UNMATCHED : route;
        String method = ctx.method().name();
        int status = ctx.statusCode();
        String id = method + ' ' + uri + ' ' + status;
        Timer timer = timers.computeIfAbsent(id, k -> Timer.builder("http.server.requests")
                .description("HTTP requests, by route template and status")
                .tag("method", method)
                .tag("uri", Route.openApiPath(uri))
                .tag("status", Integer.toString(status))
                .serviceLevelObjectives(SLOS)
                .register(registry));
        long nanos = ms == null ? 0 : (long) (ms * 1_000_000.0);
        timer.record(nanos, TimeUnit.NANOSECONDS);
        if (accessLog.wants(status) && ACCESS.isInfoEnabled()) {
            long skipped = accessLog.admit();
            if (skipped < 0) {
                return;
            }
            ApiKeys.Principal p = ctx.attribute(ApiRoutes.PRINCIPAL);
            String actor = p == null ? "-" : p.name() == null ? "anonymous" : p.name();
            ACCESS.info("{} {} {} {} ms actor={}{}", method, ctx.path(), status,
                    String.format(Locale.ROOT, "%.1f", ms == null ? 0f : ms), actor, skipped == 0 ? ""
                            : " (" + skipped + " earlier lines not written: over http.access.log.max.lines.per.second="
                                    + accessLog.maxPerSecond() + ")");
        }
    }
}
