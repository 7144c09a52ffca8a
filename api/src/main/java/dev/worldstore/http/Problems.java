package dev.worldstore.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.BatchConflictException;
import dev.worldstore.ConflictException;
import dev.worldstore.ErrorCode;
import dev.worldstore.ValidationException;
import dev.worldstore.WorldStoreException;
import dev.worldstore.Json;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every error response of the API, built in one place: the HTTP status of each store
 * {@link ErrorCode} and of the HTTP layer's own codes, and the RFC 9457 problem document
 * ({@code application/problem+json} with {@code type}, {@code title}, {@code status}, {@code code},
 * {@code detail} and, when known, {@code field}). Never a stack trace: unexpected failures are
 * logged with a reference that the response names.
 *
 * <p>Status of each store error code:
 * <pre>
 * INVALID_ID, INVALID_ARGUMENT        400  the request names something malformed
 * INVALID_JSON                        400  the body is not one well-formed JSON value
 * INVALID_SHAPE                       422  well-formed JSON whose content breaks a rule
 * IDEMPOTENCY_KEY_REUSED              422  the key of another write of the world, within its window
 * VALUE_TOO_LARGE                     413
 * VERSION_CONFLICT, ALREADY_EXISTS    412  when the request carried If-Match / If-None-Match,
 *                                     409  otherwise (e.g. registering an id that exists)
 * KEY_NOT_FOUND                       404  a delete (or read) found no value
 * POSITION_EXPIRED                    410  a change feed's resume position is older than the log's start (RFC 9110 15.5.11)
 * USERNAME_TAKEN, BATCH_CONFLICT      409  (a batch conflict lists every failing change)
 * CORRUPT_DATA                        500  stored data is broken, not the request
 * STORAGE_FAILURE, INVALID_CONFIG     500
 * EVENT_REJECTED                      500  appended, but the projector could not apply it (a dead letter)
 * PROJECTION_TIMEOUT, INTERRUPTED     503  + Retry-After
 * LOG_UNAVAILABLE, STORE_CLOSED       503  + Retry-After (not appended)
 * OUTCOME_UNKNOWN                     503  + Retry-After (may still apply: retry with the same Idempotency-Key)
 * </pre>
 */
final class Problems {
    private static final Logger LOG = LoggerFactory.getLogger(Problems.class);

    static final String PROBLEM_JSON = "application/problem+json";
    static final String TYPE_PREFIX = "urn:worldstore:problem:";

    // HTTP-layer codes (the store's codes are ErrorCode names; INVALID_JSON is both)
    static final String INVALID_JSON = ErrorCode.INVALID_JSON.name();
    static final String INVALID_ARGUMENT = ErrorCode.INVALID_ARGUMENT.name();
    static final String UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE";
    static final String BODY_TOO_LARGE = "BODY_TOO_LARGE";
    static final String NOT_FOUND = "NOT_FOUND";
    static final String KEY_NOT_FOUND = ErrorCode.KEY_NOT_FOUND.name();
    static final String METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED";
    static final String UNAUTHORIZED = "UNAUTHORIZED";
    static final String FORBIDDEN = "FORBIDDEN";
    static final String TOO_MANY_STREAMS = "TOO_MANY_STREAMS";
    static final String NOT_READY = "NOT_READY";
    static final String INTERNAL_ERROR = "INTERNAL_ERROR";

    private static final Map<String, String> TITLES = new LinkedHashMap<>();

    static {
        TITLES.put(ErrorCode.INVALID_ID.name(), "Invalid id");
        TITLES.put(ErrorCode.INVALID_SHAPE.name(), "Value breaks a rule");
        TITLES.put(ErrorCode.INVALID_JSON.name(), "Invalid JSON");
        TITLES.put(ErrorCode.VALUE_TOO_LARGE.name(), "Value too large");
        TITLES.put(ErrorCode.INVALID_ARGUMENT.name(), "Invalid argument");
        TITLES.put(ErrorCode.VERSION_CONFLICT.name(), "Version conflict");
        TITLES.put(ErrorCode.ALREADY_EXISTS.name(), "Already exists");
        TITLES.put(ErrorCode.KEY_NOT_FOUND.name(), "No value");
        TITLES.put(ErrorCode.POSITION_EXPIRED.name(), "Position no longer in the log");
        TITLES.put(ErrorCode.USERNAME_TAKEN.name(), "Username taken");
        TITLES.put(ErrorCode.IDEMPOTENCY_KEY_REUSED.name(), "Idempotency key reused");
        TITLES.put(ErrorCode.BATCH_CONFLICT.name(), "Batch conflict");
        TITLES.put(ErrorCode.CORRUPT_DATA.name(), "Stored data is corrupt");
        TITLES.put(ErrorCode.STORAGE_FAILURE.name(), "Storage failure");
        TITLES.put(ErrorCode.STORE_CLOSED.name(), "Store closed");
        TITLES.put(ErrorCode.EVENT_REJECTED.name(), "Change not applied");
        TITLES.put(ErrorCode.INTERRUPTED.name(), "Interrupted");
        TITLES.put(ErrorCode.INVALID_CONFIG.name(), "Invalid configuration");
        TITLES.put(ErrorCode.PROJECTION_TIMEOUT.name(), "Projection behind");
        TITLES.put(ErrorCode.LOG_UNAVAILABLE.name(), "Change log unavailable");
        TITLES.put(ErrorCode.OUTCOME_UNKNOWN.name(), "Outcome unknown");
        TITLES.put(UNSUPPORTED_MEDIA_TYPE, "Unsupported media type");
        TITLES.put(BODY_TOO_LARGE, "Request body too large");
        TITLES.put(NOT_FOUND, "No such route");
        TITLES.put(METHOD_NOT_ALLOWED, "Method not allowed");
        TITLES.put(UNAUTHORIZED, "Authentication required");
        TITLES.put(FORBIDDEN, "Forbidden");
        TITLES.put(TOO_MANY_STREAMS, "Too many change feeds");
        TITLES.put(NOT_READY, "Not ready");
        TITLES.put(INTERNAL_ERROR, "Internal error");
    }

    private Problems() {
    }

    /** The one mapping of store error codes to HTTP statuses (see the class comment). */
    static int status(ErrorCode code, boolean preconditionSent) {
        return switch (code) {
            case INVALID_ID, INVALID_JSON, INVALID_ARGUMENT -> 400;
            case INVALID_SHAPE, IDEMPOTENCY_KEY_REUSED -> 422;
            case VALUE_TOO_LARGE -> 413;
            case VERSION_CONFLICT, ALREADY_EXISTS -> preconditionSent ? 412 : 409;
            case KEY_NOT_FOUND -> 404;
            case POSITION_EXPIRED -> 410;
            case USERNAME_TAKEN, BATCH_CONFLICT -> 409;
            case CORRUPT_DATA, STORAGE_FAILURE, INVALID_CONFIG, EVENT_REJECTED -> 500;
            case PROJECTION_TIMEOUT, LOG_UNAVAILABLE, OUTCOME_UNKNOWN, STORE_CLOSED, INTERRUPTED -> 503;
        };
    }

    /** Seconds a client should wait before retrying, for the 503 codes. */
    static String retryAfter(ErrorCode code) {
        return switch (code) {
            case PROJECTION_TIMEOUT, INTERRUPTED -> "1";
            case LOG_UNAVAILABLE, OUTCOME_UNKNOWN, STORE_CLOSED -> "5";
            default -> null;
        };
    }

    /** The titles of every code this API answers with (the OpenAPI document lists the same). */
    static Map<String, String> titles() {
        return Map.copyOf(TITLES);
    }

    /** One problem document, ready to send. */
    record Problem(int status, String code, String detail, String field, Map<String, String> headers, ObjectNode extra) {
        ObjectNode body() {
            ObjectNode n = Json.object();
            n.put("type", TYPE_PREFIX + code.toLowerCase(Locale.ROOT).replace('_', '-'));
            n.put("title", TITLES.getOrDefault(code, "Error"));
            n.put("status", status);
            n.put("code", code);
            n.put("detail", detail);
            if (field != null) {
                n.put("field", field);
            }
            if (extra != null) {
                n.setAll(extra);
            }
            return n;
        }
    }

    static Throwable unwrap(Throwable t) {
        Throwable e = t;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    /** The problem for any failure of a request. {@code preconditionSent}: the request carried If-Match or If-None-Match. */
    static Problem of(Throwable failure, boolean preconditionSent) {
        Throwable t = unwrap(failure);
        if (t instanceof ApiProblem p) {
            return new Problem(p.status(), p.code(), p.getMessage(), p.field(), p.headers(), null);
        }
        if (t instanceof WorldStoreException w) {
            return ofStore(w, preconditionSent);
        }
        if (t instanceof HttpResponseException h) {
            return ofJavalin(h);
        }
        String ref = UUID.randomUUID().toString().substring(0, 8);
        LOG.error("unexpected failure (reference {})", ref, t);
        return new Problem(500, INTERNAL_ERROR, "unexpected server error; the server log has the details under reference " + ref,
                null, Map.of(), null);
    }

    private static Problem ofStore(WorldStoreException w, boolean preconditionSent) {
        ErrorCode code = w.code();
        int status = status(code, preconditionSent);
        Map<String, String> headers = new LinkedHashMap<>();
        String retry = retryAfter(code);
        if (retry != null) {
            headers.put("Retry-After", retry);
        }
        String field = null;
        String detail = w.getMessage();
        ObjectNode extra = null;
        if (w instanceof ValidationException v) {
            field = v.field();
        } else if (w instanceof ConflictException c) {
            extra = Json.object();
            if (c.actualVersion().isPresent()) {
                long current = c.actualVersion().getAsLong();
                extra.put("currentVersion", current);
                headers.put("ETag", HttpSupport.etag(current));
            } else {
                extra.putNull("currentVersion");
            }
            field = preconditionSent ? (code == ErrorCode.ALREADY_EXISTS ? "If-None-Match" : "If-Match") : null;
        } else if (w instanceof BatchConflictException b) {
            extra = Json.object();
            ArrayNode failures = extra.putArray("failures");
            for (BatchConflictException.Failure f : b.failures()) {
                ObjectNode n = failures.addObject().put("index", f.index()).put("field", "changes[" + f.index() + "]");
                n.put("table", f.key().table().wireName());
                List<String> ids = f.key().table().idFields();
                for (int i = 1; i < ids.size(); i++) {
                    n.put(ids.get(i), f.key().id(i));
                }
                n.put("expected", f.expected().toString());
                if (f.actualVersion() == null) {
                    n.putNull("currentVersion");
                } else {
                    n.put("currentVersion", f.actualVersion());
                }
            }
            field = "changes[" + b.failures().get(0).index() + "]";
        }
        if (code == ErrorCode.STORAGE_FAILURE || code == ErrorCode.INVALID_CONFIG || code == ErrorCode.CORRUPT_DATA
                || code == ErrorCode.EVENT_REJECTED) {
            String ref = UUID.randomUUID().toString().substring(0, 8);
            LOG.error("{} (reference {}): {}", code, ref, w.getMessage(), w);
            if (code == ErrorCode.STORAGE_FAILURE || code == ErrorCode.INVALID_CONFIG) {
                detail = "the node's local storage failed; the server log has the details under reference " + ref;
            }
        } else if (status >= 500) {
            LOG.warn("{}: {}", code, w.getMessage());
        }
        return new Problem(status, code.name(), detail, field, headers, extra);
    }

    private static Problem ofJavalin(HttpResponseException h) {
        int status = h.getStatus();
        String code = switch (status) {
            case 400 -> INVALID_ARGUMENT;
            case 404 -> NOT_FOUND;
            case 405 -> METHOD_NOT_ALLOWED;
            case 413 -> BODY_TOO_LARGE;
            case 415 -> UNSUPPORTED_MEDIA_TYPE;
            default -> status >= 500 ? INTERNAL_ERROR : "HTTP_" + status;
        };
        String detail = h.getMessage() == null || h.getMessage().isBlank() ? TITLES.getOrDefault(code, "Error") : h.getMessage();
        return new Problem(status, code, detail, null, Map.of(), null);
    }

    static void write(Context ctx, Problem p) {
        ctx.status(p.status());
        p.headers().forEach(ctx::header);
        ctx.contentType(PROBLEM_JSON);
        ctx.result(Json.bytes(p.body()));
    }
}
