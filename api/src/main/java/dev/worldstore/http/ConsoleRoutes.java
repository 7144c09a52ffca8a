package dev.worldstore.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The world console: static files (HTML, JavaScript, CSS) packed in the jar under {@code /console/}
 * and served at {@code GET /console} (the page) and {@code GET /console/{file}}. Nothing is fetched
 * from anywhere else: the page talks to this server's HTTP API only, with the API key the user
 * typed, like any client.
 *
 * <p>Every answer carries a strict {@code Content-Security-Policy} (scripts, styles and connections
 * from this origin only; no inline script or style; no frames, forms or plugins),
 * {@code X-Content-Type-Options: nosniff} and {@code Referrer-Policy: no-referrer}; files carry a
 * strong ETag of their bytes and are revalidated on every load ({@code Cache-Control: no-cache}).
 * Thread-safe.
 */
final class ConsoleRoutes {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    /** Flat file names only: no directories, so no path can leave {@code /console/}. */
    private static final Pattern FILE = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}\\.(html|js|css|png|svg)");
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8", "js",
            "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "png", "image/png", "svg", "image/svg+xml");

    private record Asset(byte[] bytes, String type, String etag) {
    }

    private final Map<String, Optional<Asset>> assets = new ConcurrentHashMap<>();

    /** {@code GET /console}: the page. */
    void page(Context ctx) {
        serve(ctx, "index.html");
    }

    /** {@code GET /console/{file}}: one of the page's files; 404 NOT_FOUND for any other name. */
    void file(Context ctx) {
        String name = ctx.pathParam("file");
        if (!FILE.matcher(name).matches() || name.equals("index.html")) {
            throw notFound(name);
        }
        serve(ctx, name);
    }

    private void serve(Context ctx, String name) {
        Asset a = assets.computeIfAbsent(name, ConsoleRoutes::load).orElseThrow(() -> notFound(name));
        securityHeaders(ctx);
        ctx.header("Cache-Control", "no-cache");
        ctx.header("ETag", a.etag());
        String inm = ctx.header("If-None-Match");
        if (inm != null && (inm.trim().equals("*") || java.util.Arrays.stream(inm.split(",")).map(String::trim)
                .anyMatch(t -> t.equals(a.etag()) || t.equals("W/" + a.etag())))) {
            ctx.status(304);
            return;
        }
        ctx.status(200);
        ctx.contentType(a.type());
        ctx.result(a.bytes());
    }

    static void securityHeaders(Context ctx) {
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Cross-Origin-Opener-Policy", "same-origin");
    }

    private static ApiProblem notFound(String name) {
        return new ApiProblem(404, Problems.NOT_FOUND, null, "the console has no file '" + name + "'");
    }

    private static Optional<Asset> load(String name) {
        try (InputStream in = ConsoleRoutes.class.getResourceAsStream("/console/" + name)) {
            if (in == null) {
                return Optional.empty();
            }
            byte[] bytes = in.readAllBytes();
            String ext = name.substring(name.lastIndexOf('.') + 1);
            String etag = "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 16) + "\"";
            return Optional.of(new Asset(bytes, TYPES.get(ext), etag));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
