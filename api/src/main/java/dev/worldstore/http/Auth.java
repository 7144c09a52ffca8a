package dev.worldstore.http;

import io.javalin.http.Context;
import java.util.Map;

/** API-key checks of every request: authentication by bearer key, then the route's scope. With auth off every request acts as an anonymous admin. Thread-safe. */
final class Auth {
    private final ApiKeys keys;

    Auth(ApiKeys keys) {
        this.keys = keys;
    }

    void authorize(Context ctx, Route.Access access) {
        ApiKeys.Principal p;
        if (keys == null) {
            p = ApiKeys.Principal.ANONYMOUS;
        } else {
            String h = ctx.header("Authorization");
            if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7) || h.substring(7).isBlank()) {
                throw new ApiProblem(401, Problems.UNAUTHORIZED, "Authorization",
                        "send an API key as 'Authorization: Bearer <key>'", Map.of("WWW-Authenticate", "Bearer realm=\"worldstore\""));
            }
            p = keys.authenticate(h.substring(7).trim()).orElseThrow(() -> new ApiProblem(401, Problems.UNAUTHORIZED,
                    "Authorization", "the API key is not valid", Map.of("WWW-Authenticate",
                            "Bearer realm=\"worldstore\", error=\"invalid_token\"")));
        }
        ctx.attribute(ApiRoutes.PRINCIPAL, p);
        switch (access) {
            case PLAYERS -> {
                if (!p.mayPlayers()) {
                    throw forbidden(p, "the player registry (it needs admin or \"players\": true)");
                }
            }
            case WORLD -> checkWorld(p, ctx.pathParam("worldId"));
            case APP -> {
                checkWorld(p, ctx.pathParam("worldId"));
                String app = ctx.pathParam("appId");
                if (!p.mayApp(app)) {
                    throw forbidden(p, "the storage of app '" + app + "'");
                }
            }
            case WORLD_EVERY_APP -> {
                checkWorld(p, ctx.pathParam("worldId"));
                if (!p.mayEveryApp()) {
                    throw forbidden(p, "every app's storage of world '" + ctx.pathParam("worldId")
                            + "' (it needs admin, or the world and \"apps\": [\"*\"])");
                }
            }
            case KEY, PUBLIC -> {
            }
            case ADMIN -> {
                if (!p.admin()) {
                    throw forbidden(p, "this route (it needs an admin key)");
                }
            }
        }
    }

    private static void checkWorld(ApiKeys.Principal p, String worldId) {
        if (!p.mayWorld(worldId)) {
            throw forbidden(p, "world '" + worldId + "'");
        }
    }

    private static ApiProblem forbidden(ApiKeys.Principal p, String what) {
        return new ApiProblem(403, Problems.FORBIDDEN, null, "API key '" + p.name() + "' may not use " + what);
    }
}
