package dev.worldstore.http;

import java.util.Map;
import java.util.Objects;

/**
 * A request the HTTP layer refuses before it reaches the store (malformed JSON, wrong media type,
 * missing key, unknown route, ...). Carries its status and stable code; {@link Problems} turns it
 * into an {@code application/problem+json} response.
 */
final class ApiProblem extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final String field;
    private final Map<String, String> headers;

    ApiProblem(int status, String code, String field, String detail) {
        this(status, code, field, detail, Map.of());
    }

    ApiProblem(int status, String code, String field, String detail, Map<String, String> headers) {
        super(detail, null, false, false);
        this.status = status;
        this.code = Objects.requireNonNull(code, "code");
        this.field = field;
        this.headers = Map.copyOf(headers);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    /** The offending request part (a header, query parameter or JSON path), or {@code null}. */
    String field() {
        return field;
    }

    /** Extra response headers (e.g. {@code Allow}, {@code WWW-Authenticate}). */
    Map<String, String> headers() {
        return headers;
    }

    static ApiProblem badRequest(String code, String field, String detail) {
        return new ApiProblem(400, code, field, detail);
    }

    static ApiProblem invalidArgument(String field, String detail) {
        return new ApiProblem(400, Problems.INVALID_ARGUMENT, field, detail);
    }
}
