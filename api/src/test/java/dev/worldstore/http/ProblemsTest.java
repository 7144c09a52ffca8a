package dev.worldstore.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.Condition;
import dev.worldstore.ConflictException;
import dev.worldstore.CorruptDataException;
import dev.worldstore.ErrorCode;
import dev.worldstore.Key;
import dev.worldstore.LogUnavailableException;
import dev.worldstore.StorageException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one status table, including the codes an integration test cannot provoke on demand. */
class ProblemsTest {

    @Test
    void everyStoreCodeHasOneStatus() {
        Map<ErrorCode, Integer> expected = Map.ofEntries(Map.entry(ErrorCode.INVALID_ID, 400), Map.entry(ErrorCode.INVALID_SHAPE, 422),
                Map.entry(ErrorCode.INVALID_JSON, 400),
                Map.entry(ErrorCode.VALUE_TOO_LARGE, 413), Map.entry(ErrorCode.INVALID_ARGUMENT, 400),
                Map.entry(ErrorCode.VERSION_CONFLICT, 412), Map.entry(ErrorCode.ALREADY_EXISTS, 412),
                Map.entry(ErrorCode.USERNAME_TAKEN, 409), Map.entry(ErrorCode.CORRUPT_DATA, 500),
                Map.entry(ErrorCode.STORAGE_FAILURE, 500), Map.entry(ErrorCode.STORE_CLOSED, 503),
                Map.entry(ErrorCode.INVALID_CONFIG, 500), Map.entry(ErrorCode.PROJECTION_TIMEOUT, 503),
                Map.entry(ErrorCode.LOG_UNAVAILABLE, 503), Map.entry(ErrorCode.EVENT_REJECTED, 500), Map.entry(ErrorCode.INTERRUPTED, 503),
                Map.entry(ErrorCode.BATCH_CONFLICT, 409), Map.entry(ErrorCode.KEY_NOT_FOUND, 404), Map.entry(ErrorCode.OUTCOME_UNKNOWN, 503),
                Map.entry(ErrorCode.IDEMPOTENCY_KEY_REUSED, 422), Map.entry(ErrorCode.POSITION_EXPIRED, 410));
        for (ErrorCode code : ErrorCode.values()) {
            assertEquals(expected.get(code), Problems.status(code, true), code.name());
            assertTrue(Problems.titles().containsKey(code.name()), code + " has a title");
        }
        assertEquals(409, Problems.status(ErrorCode.VERSION_CONFLICT, false));
        assertEquals(409, Problems.status(ErrorCode.ALREADY_EXISTS, false));
    }

    @Test
    void corruptDataIs500AndNamesTheKeyWithoutAStackTrace() {
        Problems.Problem p = Problems.of(new CorruptDataException(new Key.Entity("w", "e"), "not JSON", new RuntimeException("boom")),
                false);
        assertEquals(500, p.status());
        assertEquals("CORRUPT_DATA", p.code());
        ObjectNode body = p.body();
        assertTrue(body.path("detail").asText().contains("not JSON"), body.toString());
        assertFalse(body.toString().contains("RuntimeException"), body.toString());
    }

    @Test
    void logUnavailableIs503WithRetryAfter() {
        Problems.Problem p = Problems.of(new java.util.concurrent.CompletionException(new LogUnavailableException("no ack", null)), false);
        assertEquals(503, p.status());
        assertEquals("LOG_UNAVAILABLE", p.code());
        assertEquals("5", p.headers().get("Retry-After"));
    }

    @Test
    void storageFailureHidesItsDetails() {
        Problems.Problem p = Problems.of(new StorageException("disk full at /secret/path", null), false);
        assertEquals(500, p.status());
        assertFalse(p.body().toString().contains("/secret/path"));
    }

    @Test
    void conflictCarriesCurrentVersionAndEtag() {
        Problems.Problem p = Problems.of(new ConflictException(new Key.WorldState("w"), Condition.version(3), 7L), true);
        assertEquals(412, p.status());
        assertEquals(7, p.body().path("currentVersion").asLong());
        assertEquals("\"7\"", p.headers().get("ETag"));
        assertEquals("If-Match", p.body().path("field").asText());
    }

    @Test
    void unexpectedFailuresAre500WithAReferenceOnly() {
        Problems.Problem p = Problems.of(new NullPointerException("secret"), false);
        assertEquals(500, p.status());
        assertEquals("INTERNAL_ERROR", p.code());
        assertFalse(p.body().toString().contains("secret"));
        assertFalse(p.body().toString().contains("NullPointer"));
    }
}
