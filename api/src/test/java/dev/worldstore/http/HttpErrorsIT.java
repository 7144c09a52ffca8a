package dev.worldstore.http;

import static dev.worldstore.http.HttpAsserts.assertOk;
import static dev.worldstore.http.HttpAsserts.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every class of error over real HTTP: its status, its stable code, the field, and never a stack trace. */
class HttpErrorsIT {
    @TempDir
    static Path dir;
    static HttpTestNode node;

    static final String STATE = "/v1/worlds/err/players/p1/state";

    @BeforeAll
    static void start() {
        node = HttpTestNode.start(HttpTestNode.newTopic(), dir, Map.of("http.max.body.bytes", "4096", "value.max.bytes", "1024",
                "read.wait.timeout.ms", "200"));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void malformedJsonIs400NamingLineAndColumn() {
        JsonNode p = assertProblem(node.put(STATE, "{\"health\": 100,\n \"mana\": }"), 400, "INVALID_JSON");
        assertTrue(p.path("detail").asText().contains("line 2, column"), p.toString());
        assertProblem(node.put(STATE, "{\"hp\": 1, \"hp\": 2}"), 400, "INVALID_JSON");
        assertProblem(node.put(STATE, "{\"hp\": 1} trailing"), 400, "INVALID_JSON");
        assertProblem(node.put(STATE, ""), 400, "INVALID_JSON");
        assertProblem(node.put(STATE, "[".repeat(300) + "]".repeat(300)), 400, "INVALID_JSON");
        assertProblem(node.put(STATE, " \n "), 400, "INVALID_JSON");
        assertProblem(node.call("PATCH", STATE, "{\"a\":1,}"), 400, "INVALID_JSON");
        assertProblem(node.put("/v1/worlds/err/entities/e1", "{\"a\": }"), 400, "INVALID_JSON");
        assertProblem(node.put("/v1/worlds/err/entities/e$1", "{\"a\": }"), 400, "INVALID_JSON");
        assertProblem(node.put("/v1/worlds/err/apps/a/data/k", "[1] [2]"), 400, "INVALID_JSON");
    }

    @Test
    void wrongMediaTypeIs415() {
        assertProblem(node.put(STATE, "{}", "Content-Type", "text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type");
        assertProblem(node.put(STATE, "{}", "Content-Type", "application/x-www-form-urlencoded"), 415, "UNSUPPORTED_MEDIA_TYPE");
        assertProblem(node.call("PATCH", STATE, "{}", "Content-Type", "text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE");
        assertOk(node.put(STATE, "{}", "Content-Type", "application/json; charset=utf-8"));
        assertOk(node.call("PATCH", STATE, "{\"a\":1}", "Content-Type", "application/json"));
    }

    @Test
    void unknownRouteIs404AndWrongMethodIs405WithAllow() {
        assertProblem(node.get("/v1/nope"), 404, "NOT_FOUND");
        assertProblem(node.get("/v1/worlds/err/unknown"), 404, "NOT_FOUND");
        assertProblem(node.get("/"), 404, "NOT_FOUND");
        HttpResponse<String> r = node.call("POST", "/v1/worlds/err/state", "{}");
        assertProblem(r, 405, "METHOD_NOT_ALLOWED");
        String allow = r.headers().firstValue("Allow").orElseThrow();
        for (String m : List.of("PUT", "PATCH", "GET")) {
            assertTrue(allow.contains(m), allow);
        }
        assertTrue(!allow.contains("DELETE"), allow);
        assertProblem(node.call("DELETE", "/v1/worlds/err/state", null), 405, "METHOD_NOT_ALLOWED");
        assertProblem(node.call("PATCH", "/v1/worlds/err/apps/a/data/k", "{}"), 405, "METHOD_NOT_ALLOWED");
    }

    @Test
    void invalidIdsAre400NamingTheField() {
        assertProblem(node.put("/v1/worlds/bad!id/state", "{}"), 400, "INVALID_ID", "worldId");
        assertProblem(node.get("/v1/worlds/ok/players/" + "p".repeat(129) + "/state"), 400, "INVALID_ID", "playerId");
        assertProblem(node.get("/v1/worlds/ok/entities/e%20space"), 400, "INVALID_ID", "entityId");
        assertProblem(node.get("/v1/worlds/ok/apps/bad!app/data"), 400, "INVALID_ID", "appId");
    }

    @Test
    void wrongShapesAre422NamingTheField() {
        assertProblem(node.put(STATE, "{\"position\": [1, 2]}"), 422, "INVALID_SHAPE", "position");
        assertProblem(node.put(STATE, "{\"position\": {\"x\": 1, \"y\": \"up\", \"z\": 3}}"), 422, "INVALID_SHAPE", "position.y");
        assertProblem(node.put(STATE, "{\"rotation\": {\"x\": 0, \"y\": 0, \"z\": 0}}"), 422, "INVALID_SHAPE", "rotation");
        assertProblem(node.put(STATE, "[1, 2, 3]"), 422, "INVALID_SHAPE", "value");
        assertProblem(node.put("/v1/worlds/err/entities/e1", "{\"id\": \"e2\"}"), 422, "INVALID_SHAPE", "id");
        assertProblem(node.put("/v1/worlds/err/entities/e1", "{\"metadata\": {\"type\": 5}}"), 422, "INVALID_SHAPE", "metadata.type");
        assertProblem(node.put("/v1/worlds/err/apps/a/data/k", "null"), 422, "INVALID_SHAPE", "value");
    }

    @Test
    void bodyOverTheLimitIs413AndValueOverTheLimitIs413() {
        String huge = "{\"blob\": \"" + "x".repeat(5000) + "\"}";
        JsonNode p = assertProblem(node.put(STATE, huge), 413, "BODY_TOO_LARGE");
        assertTrue(p.path("detail").asText().contains("4096"), p.toString());
        String big = "{\"blob\": \"" + "x".repeat(2000) + "\"}";
        assertProblem(node.put(STATE, big), 413, "VALUE_TOO_LARGE", "value");
    }

    @Test
    void chunkedBodyOverTheLimitIs413() throws IOException {
        try (Socket s = new Socket(node.server.uri().getHost(), node.server.port())) {
            OutputStream out = s.getOutputStream();
            String head = "PUT " + STATE + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                    + "Connection: close\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = ("{\"blob\":\"" + "y".repeat(3000)).getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 2; i++) {
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(response.startsWith("HTTP/1.1 413"), response);
            assertTrue(response.contains("BODY_TOO_LARGE"), response);
        }
    }

    @Test
    void badPreconditionAndPositionHeadersAre400() {
        assertProblem(node.put(STATE, "{}", "If-Match", "abc"), 400, "INVALID_ARGUMENT", "If-Match");
        assertProblem(node.put(STATE, "{}", "If-Match", "\"12"), 400, "INVALID_ARGUMENT", "If-Match");
        assertProblem(node.put(STATE, "{}", "If-None-Match", "\"3\""), 400, "INVALID_ARGUMENT", "If-None-Match");
        assertProblem(node.get(STATE, "X-Worldstore-Position", "soon"), 400, "INVALID_ARGUMENT", "X-Worldstore-Position");
        assertProblem(node.get(STATE, "X-Worldstore-Position", "99-1"), 400, "INVALID_ARGUMENT", "X-Worldstore-Position");
    }

    @Test
    void badPagingParametersAre400() {
        assertProblem(node.get("/v1/worlds/err/entities?limit=0"), 400, "INVALID_ARGUMENT", "limit");
        assertProblem(node.get("/v1/worlds/err/entities?limit=1001"), 400, "INVALID_ARGUMENT", "limit");
        assertProblem(node.get("/v1/worlds/err/entities?limit=ten"), 400, "INVALID_ARGUMENT", "limit");
        assertProblem(node.get("/v1/worlds/err/entities?cursor=***"), 400, "INVALID_ARGUMENT", "cursor");
        assertProblem(node.get("/v1/worlds/err/apps/a/data?prefix=bad%20prefix"), 400, "INVALID_ID", "prefix");
    }

    @Test
    void unreachedPositionIs503WithRetryAfter() {
        HttpResponse<String> r = node.get(STATE, "X-Worldstore-Position", "0-999999999");
        assertProblem(r, 503, "PROJECTION_TIMEOUT");
        assertEquals("1", r.headers().firstValue("Retry-After").orElseThrow());
        assertProblem(node.get("/v1/worlds/err/entities", "X-Worldstore-Position", "0-999999999"), 503, "PROJECTION_TIMEOUT");
        assertProblem(node.get("/v1/players/x", "X-Worldstore-Position", "0-999999999"), 503, "PROJECTION_TIMEOUT");
    }

    @Test
    void missingValuesAre404KeyNotFound() {
        assertProblem(node.get("/v1/worlds/err/players/nobody/state"), 404, "KEY_NOT_FOUND");
        assertProblem(node.get("/v1/worlds/err/state"), 404, "KEY_NOT_FOUND");
    }

    @Test
    void usernameTakenIs409() {
        assertEquals(201, node.call("POST", "/v1/players", "{\"username\":\"Zed\"}").statusCode());
        assertProblem(node.call("POST", "/v1/players", "{\"username\":\"zed\"}"), 409, "USERNAME_TAKEN");
        assertProblem(node.call("POST", "/v1/players", "{\"username\":\"  \"}"), 422, "INVALID_SHAPE", "username");
    }

    @Test
    void requestsJettyRefusesAreProblemsToo() throws IOException {
        try (Socket s = new Socket(node.server.uri().getHost(), node.server.port())) {
            s.getOutputStream().write(("GET /v1/worlds/%zz/state HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(response.startsWith("HTTP/1.1 400"), response);
            assertTrue(response.toLowerCase().contains("content-type: application/problem+json"), response);
        }
    }

    @Test
    void closedStoreIs503() {
        try (HttpTestNode closing = HttpTestNode.start(dir.resolve("closing"))) {
            closing.store.close();
            HttpResponse<String> read = closing.get(STATE);
            assertProblem(read, 503, "STORE_CLOSED");
            assertTrue(read.headers().firstValue("Retry-After").isPresent());
            assertProblem(closing.put(STATE, "{}"), 503, "STORE_CLOSED");
        }
    }
}
