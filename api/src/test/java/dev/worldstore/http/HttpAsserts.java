package dev.worldstore.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.Json;
import java.net.http.HttpResponse;

final class HttpAsserts {
    private HttpAsserts() {
    }

    /** Checks an RFC 9457 problem response: status, content type, stable code, the members, and no stack trace. */
    static JsonNode assertProblem(HttpResponse<String> r, int status, String code) {
        assertEquals(status, r.statusCode(), () -> "status of " + r.request().method() + " " + r.uri() + ": " + r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"),
                () -> "content type " + r.headers().firstValue("Content-Type") + " of " + r.body());
        JsonNode body = Json.parse(r.body());
        assertEquals(code, body.path("code").asText(), r.body());
        assertEquals(status, body.path("status").asInt(), r.body());
        assertTrue(body.path("type").asText().startsWith("urn:worldstore:problem:"), r.body());
        assertFalse(body.path("title").asText().isEmpty(), r.body());
        assertFalse(body.path("detail").asText().isEmpty(), r.body());
        assertFalse(r.body().contains("Exception") || r.body().contains("\tat ") || r.body().contains(".java:"),
                () -> "no stack trace or exception name in " + r.body());
        return body;
    }

    static JsonNode assertProblem(HttpResponse<String> r, int status, String code, String field) {
        JsonNode body = assertProblem(r, status, code);
        assertEquals(field, body.path("field").asText(null), r.body());
        return body;
    }

    static JsonNode assertOk(HttpResponse<String> r) {
        assertEquals(200, r.statusCode(), () -> r.request().method() + " " + r.uri() + ": " + r.body());
        return Json.parse(r.body());
    }
}
