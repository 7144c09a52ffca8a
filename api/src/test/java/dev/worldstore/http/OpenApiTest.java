package dev.worldstore.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.Json;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The served OpenAPI document lists exactly the routes the server registers, and its references resolve. */
class OpenApiTest {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "patch", "delete", "head", "options");

    @Test
    void documentAndRegisteredRoutesMatch(@TempDir Path dir) throws Exception {
        // The routing table does not touch the store; no store is needed to compare it with the document.
        try (HttpServer server = HttpServer.start(null, HttpConfig.of("http.port", "0", "http.auth.enabled", "false"), dir,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.uri() + "/openapi.json"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            JsonNode doc = Json.parse(r.body());
            assertTrue(doc.path("openapi").asText().startsWith("3."));

            Set<String> documented = new TreeSet<>();
            doc.path("paths").properties().forEach(p -> p.getValue().fieldNames().forEachRemaining(m -> {
                if (METHODS.contains(m)) {
                    documented.add(m.toUpperCase(Locale.ROOT) + " " + p.getKey());
                }
            }));
            Set<String> registered = new TreeSet<>(server.routes());
            assertEquals(server.routes().size(), registered.size(), "no route is registered twice");
            Set<String> undocumented = new TreeSet<>(registered);
            undocumented.removeAll(documented);
            Set<String> unregistered = new TreeSet<>(documented);
            unregistered.removeAll(registered);
            assertTrue(undocumented.isEmpty(), "routes missing from openapi.json: " + undocumented);
            assertTrue(unregistered.isEmpty(), "openapi.json lists routes the server lacks: " + unregistered);
            assertEquals(47, registered.size()); // 42 + the console's 5 (issue 14)

            List<String> refs = new ArrayList<>();
            collectRefs(doc, refs);
            assertFalse(refs.isEmpty());
            for (String ref : refs) {
                assertTrue(ref.startsWith("#/"), ref);
                assertFalse(doc.at(ref.substring(1)).isMissingNode(), "unresolved $ref " + ref);
            }
        }
    }

    private static void collectRefs(JsonNode n, List<String> out) {
        if (n.isObject()) {
            n.properties().forEach(e -> {
                if (e.getKey().equals("$ref")) {
                    out.add(e.getValue().asText());
                } else {
                    collectRefs(e.getValue(), out);
                }
            });
        } else if (n.isArray()) {
            n.forEach(c -> collectRefs(c, out));
        }
    }
}
