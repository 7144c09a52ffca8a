package dev.worldstore.http;

import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.util.Objects;

/**
 * One route of the API: method, path template (Javalin syntax: {@code {id}} is one segment,
 * {@code <key>} may span segments), who may call it, its handler, and whether a GET route also
 * answers HEAD (not the streaming routes: a HEAD would do all their work to send no body).
 */
record Route(HandlerType method, String path, Access access, Handler handler, boolean head) {

    /** What a caller needs to hold (see {@link ApiKeys}). Path parameters name the world and app. */
    enum Access {
        /** Health, metrics, the OpenAPI document: no key needed. */
        PUBLIC,
        /** The global player registry: an admin key or one with {@code "players": true}. */
        PLAYERS,
        /** A world's state and change feed: the key holds {@code {worldId}}. */
        WORLD,
        /** An app's storage in a world: the key holds {@code {worldId}} and {@code {appId}}. */
        APP,
        /**
         * A whole world, every app's storage included (restore rewrites all of it): an admin key, or
         * one that holds {@code {worldId}} and every app ({@code "apps": ["*"]}).
         */
        WORLD_EVERY_APP,
        /** Any valid key; what the route answers is limited to what the key may see ({@code GET /v1/worlds}). */
        KEY,
        /** An admin key only: the node itself (its projection's checkpoint), dead letters (raw records of any world). */
        ADMIN
    }

    Route(HandlerType method, String path, Access access, Handler handler) {
        this(method, path, access, handler, method == HandlerType.GET);
    }

    Route {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(access, "access");
        Objects.requireNonNull(handler, "handler");
    }

    /** The path as OpenAPI writes it: every parameter in braces. */
    String openApiPath() {
        return openApiPath(path);
    }

    static String openApiPath(String javalinPath) {
        return javalinPath.replace('<', '{').replace('>', '}');
    }
}
