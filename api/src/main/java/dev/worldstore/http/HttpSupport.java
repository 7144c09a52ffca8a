package dev.worldstore.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.AsOf;
import dev.worldstore.Condition;
import dev.worldstore.ErrorCode;
import dev.worldstore.IdempotencyKeys;
import dev.worldstore.Json;
import dev.worldstore.LogPosition;
import dev.worldstore.ReadConsistency;
import dev.worldstore.ValidationException;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/** Request parsing and response writing shared by the routes. Stateless. */
final class HttpSupport {
    static final String JSON = "application/json";
    static final String MERGE_PATCH_JSON = "application/merge-patch+json";
    static final String POSITION_HEADER = "X-Worldstore-Position";
    /** On a read with {@code asOf}: the version the value had then (also the ETag). */
    static final String AS_OF_VERSION_HEADER = "X-Worldstore-As-Of-Version";

    private HttpSupport() {
    }

    // ---- versions and conditions --------------------------------------------------------------

    static String etag(long version) {
        return "\"" + version + "\"";
    }

    /** True when the request carries a write precondition (its conflicts answer 412 rather than 409). */
    static boolean hasPrecondition(Context ctx) {
        return ctx.header("If-Match") != null || ctx.header("If-None-Match") != null;
    }

    /** The request header that carries an idempotency key. */
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    /** The response header that marks the answer to a retry of an already applied write. */
    static final String IDEMPOTENT_REPLAYED = "Idempotent-Replayed";

    /**
     * The request's idempotency key, or {@code null} without the header. The IETF httpapi draft
     * "The Idempotency-Key HTTP Header Field" makes the value an RFC 8941 sf-string
     * ({@code "8e03978e-40d5-43e8-bc93-6894a57f9324"}, with {@code \"} and {@code \\} escapes);
     * an unquoted token as many clients send it ({@code 8e03978e-...}) is taken as it stands.
     *
     * @throws ValidationException INVALID_ARGUMENT naming the header: an unterminated or badly
     *     escaped string, or a key breaking {@link IdempotencyKeys#check}
     */
    static String idempotencyKey(Context ctx) {
        return idempotencyKey(ctx.header(IDEMPOTENCY_KEY));
    }

    /** As {@link #idempotencyKey(Context)}, of the header's value ({@code null}: no header). */
    static String idempotencyKey(String raw) {
        if (raw == null) {
            return null;
        }
        String v = raw.strip();
        if (!v.startsWith("\"")) {
            if (v.indexOf('"') >= 0 || v.indexOf(' ') >= 0 || v.indexOf('\\') >= 0) {
                throw new ValidationException(ErrorCode.INVALID_ARGUMENT, IDEMPOTENCY_KEY, "must be an sf-string (\"...\") or a token without quotes, "
                        + "spaces or backslashes (IETF httpapi Idempotency-Key draft)");
            }
            return IdempotencyKeys.check(v, IDEMPOTENCY_KEY);
        }
        StringBuilder key = new StringBuilder(v.length());
        for (int i = 1; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\') {
                if (i + 1 >= v.length() || (v.charAt(i + 1) != '"' && v.charAt(i + 1) != '\\')) {
                    throw new ValidationException(ErrorCode.INVALID_ARGUMENT, IDEMPOTENCY_KEY, "a \\ in an sf-string must escape \" or \\ (RFC 8941 §3.3.3)");
                }
                key.append(v.charAt(++i));
            } else if (c == '"') {
                if (i != v.length() - 1) {
                    throw new ValidationException(ErrorCode.INVALID_ARGUMENT, IDEMPOTENCY_KEY, "holds content after the closing quote of its sf-string");
                }
                return IdempotencyKeys.check(key.toString(), IDEMPOTENCY_KEY);
            } else {
                key.append(c);
            }
        }
        throw new ValidationException(ErrorCode.INVALID_ARGUMENT, IDEMPOTENCY_KEY, "an sf-string must end with a quote (RFC 8941 §3.3.3)");
    }

    /**
     * The write condition of a request, as RFC 9110 §13.1 defines the preconditions:
     * {@code If-Match: *} applies to an existing key, {@code If-Match} with entity tags applies when
     * the key's version matches any listed strong tag (weak tags never match {@code If-Match}),
     * {@code If-None-Match: *} creates only; neither header writes unconditionally.
     *
     * @throws NeverMatches when {@code If-Match} lists no strong tag that can match (only weak tags,
     *     or tags that are not versions): the answer is 412 without writing anything
     * @throws ApiProblem 400 for both headers at once, a malformed list, or an If-None-Match other than *
     */
    static Condition condition(Context ctx) {
        String ifMatch = ctx.header("If-Match");
        String ifNoneMatch = ctx.header("If-None-Match");
        if (ifMatch != null && ifNoneMatch != null) {
            throw ApiProblem.invalidArgument("If-Match", "send either If-Match or If-None-Match, not both");
        }
        if (ifNoneMatch != null) {
            if (!ifNoneMatch.trim().equals("*")) {
                throw ApiProblem.invalidArgument("If-None-Match",
                        "on a write, If-None-Match must be * (create only), was '" + ifNoneMatch + "'");
            }
            return Condition.absent();
        }
        if (ifMatch != null) {
            if (ifMatch.trim().equals("*")) {
                return Condition.present();
            }
            List<Long> versions = strongVersions("If-Match", ifMatch);
            if (versions.isEmpty()) {
                throw new NeverMatches(ifMatch);
            }
            return Condition.versionIn(versions);
        }
        return Condition.any();
    }

    /**
     * The versions named by the strong entity tags of an If-Match list ({@code "12", W/"13", "x"}):
     * weak tags and tags that are not versions are left out (they can match none of ours); repeats
     * once. A bare number is accepted as its tag.
     *
     * @throws ApiProblem 400 naming {@code header} when the list is not entity tags
     */
    static List<Long> strongVersions(String header, String value) {
        List<Long> versions = new ArrayList<>();
        int i = 0;
        int n = value.length();
        while (i < n) {
            while (i < n && (value.charAt(i) == ' ' || value.charAt(i) == '\t' || value.charAt(i) == ',')) {
                i++;
            }
            if (i == n) {
                break;
            }
            boolean weak = value.startsWith("W/", i);
            if (weak) {
                i += 2;
            }
            String tag;
            if (i < n && value.charAt(i) == '"') {
                int close = value.indexOf('"', i + 1);
                if (close < 0) {
                    throw ApiProblem.invalidArgument(header, "an entity tag is a quoted string, e.g. \"42\"; was '" + value + "'");
                }
                tag = value.substring(i + 1, close);
                i = close + 1;
            } else {
                int end = i;
                while (end < n && value.charAt(end) != ',') {
                    end++;
                }
                tag = value.substring(i, end).trim();
                i = end;
                if (!tag.chars().allMatch(Character::isDigit) || tag.isEmpty()) {
                    throw ApiProblem.invalidArgument(header, "must be entity tags in quotes as the ETag gave them, e.g. \"42\" or "
                            + "\"42\", \"43\", or *; was '" + value + "'");
                }
            }
            if (!weak && !tag.isEmpty() && tag.length() < 19 && tag.chars().allMatch(Character::isDigit)) {
                long v = Long.parseLong(tag);
                if (!versions.contains(v)) {
                    versions.add(v);
                }
            }
        }
        return versions;
    }

    /** If-Match names no strong tag that can match: the precondition fails whatever the key holds. */
    static final class NeverMatches extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NeverMatches(String ifMatch) {
            super("If-Match " + ifMatch + " names no strong entity tag (weak tags never match If-Match, RFC 9110 §13.1.1)", null,
                    false, false);
        }
    }

    /** The consistency a read needs: at least the position in {@code X-Worldstore-Position}, else this node's own writes. */
    static ReadConsistency consistency(Context ctx) {
        LogPosition p = requiredPosition(ctx);
        return p == null ? ReadConsistency.OWN_WRITES : ReadConsistency.atLeast(p);
    }

    static LogPosition requiredPosition(Context ctx) {
        String h = ctx.header(POSITION_HEADER);
        if (h == null || h.isBlank()) {
            return null;
        }
        return position(POSITION_HEADER, h.trim());
    }

    static LogPosition position(String field, String text) {
        try {
            return LogPosition.parse(text);
        } catch (IllegalArgumentException e) {
            throw ApiProblem.invalidArgument(field, e.getMessage());
        }
    }

    // ---- bodies -------------------------------------------------------------------------------

    /**
     * Reads and parses the JSON body. Checks the media type first ({@code accepted}, parameters
     * such as charset ignored), then the size ({@code Content-Length} before reading, the bytes
     * while reading), then the syntax, as the store checks JSON text ({@link Json#parseValue}: a
     * {@code ValidationException} with code {@code INVALID_JSON}, a 400 like every such error).
     */
    static JsonNode readJson(Context ctx, long maxBytes, List<String> accepted) {
        return Json.parse(readJsonBytes(ctx, maxBytes, accepted));
    }

    /**
     * Reads the body of a JSON request without parsing it: the media type and size checks of
     * {@link #readJson}, and an empty body refused; the syntax is left to the store's validator,
     * which reports it as {@code INVALID_JSON} too.
     *
     * @return the body, never empty
     * @throws ApiProblem 415, 413, or 400 INVALID_JSON for an empty or unreadable body
     */
    static byte[] readJsonBytes(Context ctx, long maxBytes, List<String> accepted) {
        String type = ctx.header("Content-Type");
        String mediaType = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!accepted.contains(mediaType)) {
            throw new ApiProblem(415, Problems.UNSUPPORTED_MEDIA_TYPE, "Content-Type",
                    "the body must be sent as " + String.join(" or ", accepted) + (type == null ? ", Content-Type was missing"
                            : ", was '" + type + "'"));
        }
        byte[] body = RequestBodies.readBody(ctx, maxBytes);
        if (body.length == 0) {
            throw ApiProblem.badRequest(Problems.INVALID_JSON, null, "the request body is empty; send a JSON value");
        }
        return body;
    }

    /** The content codings a request body may have (RFC 9110 §8.4.1); {@code x-gzip} is gzip (§8.4.1.3). */
    static final String ACCEPTED_ENCODINGS = "gzip";

    // ---- query parameters ---------------------------------------------------------------------

    static int intParam(Context ctx, String name, int dflt, int min, int max) {
        String v = ctx.queryParam(name);
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw ApiProblem.invalidArgument(name, "must be a whole number between " + min + " and " + max + ", was '" + v + "'");
    }

    /** A non-negative whole number, {@code dflt} when absent. */
    static long longParam(Context ctx, String name, long dflt) {
        String v = ctx.queryParam(name);
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw ApiProblem.invalidArgument(name, "must be a whole number >= 0, was '" + v + "'");
    }

    /** {@code true}/{@code false}; a bare {@code ?name} is true; {@code dflt} when absent. */
    static boolean boolParam(Context ctx, String name, boolean dflt) {
        String v = ctx.queryParam(name);
        if (v == null) {
            return dflt;
        }
        String t = v.trim().toLowerCase(Locale.ROOT);
        if (t.isEmpty() || t.equals("true")) {
            return true;
        }
        if (t.equals("false")) {
            return false;
        }
        throw ApiProblem.invalidArgument(name, "must be true or false, was '" + v + "'");
    }

    /**
     * The query parameter {@code name} as a point in history (an ISO-8601 instant or a log position
     * {@code partition-offset}), {@code null} when absent. Present but empty or malformed: 400
     * INVALID_ARGUMENT naming {@code name}.
     */
    static AsOf asOf(Context ctx, String name) {
        String v = ctx.queryParam(name);
        return v == null ? null : AsOf.parse(name, v.trim());
    }

    /** Page cursors are opaque to clients: the last listed id, base64url-encoded. */
    static String encodeCursor(String lastId) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(lastId.getBytes(StandardCharsets.UTF_8));
    }

    static String decodeCursor(Context ctx) {
        String c = ctx.queryParam("cursor");
        if (c == null || c.isEmpty()) {
            return null;
        }
        try {
            String id = new String(Base64.getUrlDecoder().decode(c), StandardCharsets.UTF_8);
            if (!id.isEmpty()) {
                return id;
            }
        } catch (IllegalArgumentException e) {
            // fall through
        }
        throw ApiProblem.invalidArgument("cursor", "must be the 'next' value of a previous page, was '" + c + "'");
    }

    // ---- responses ----------------------------------------------------------------------------

    static void json(Context ctx, int status, JsonNode body) {
        ctx.status(status);
        ctx.contentType(JSON);
        byte[] bytes = Json.bytes(body);
        send(ctx, out -> out.write(bytes));
    }

    /** What writes a response body. */
    @FunctionalInterface
    interface Body {
        void writeTo(java.io.OutputStream out) throws IOException;
    }

    /**
     * Writes the whole response body straight to Javalin's response stream (its compression still
     * applies): {@code ctx.result(bytes)} would copy the bytes through a fresh 32 KiB buffer per
     * response (Javalin's {@code copyTo}, 13% of the request threads' samples in a JFR profile of
     * 64-connection GETs and PUTs). Status, type and headers must be set first. A client that is gone
     * gets nothing.
     */
    static void send(Context ctx, Body body) {
        try {
            body.writeTo(ctx.outputStream());
        } catch (IOException e) {
            // the client is gone: nothing to answer
        }
    }
}
