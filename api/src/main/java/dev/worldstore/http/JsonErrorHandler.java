package dev.worldstore.http;

import dev.worldstore.Json;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own errors (a request line or header Jetty refuses before the API sees the request: bad
 * URI encoding, headers too large, ...) as problem documents too, never Jetty's HTML page.
 */
final class JsonErrorHandler extends ErrorHandler {

    static String code(int status) {
        return switch (status) {
            case 400 -> Problems.INVALID_ARGUMENT;
            case 404 -> Problems.NOT_FOUND;
            case 405 -> Problems.METHOD_NOT_ALLOWED;
            case 413 -> Problems.BODY_TOO_LARGE;
            case 415 -> Problems.UNSUPPORTED_MEDIA_TYPE;
            default -> status >= 500 ? Problems.INTERNAL_ERROR : "HTTP_" + status;
        };
    }

    private static byte[] body(int status, String message) {
        String detail = message == null || message.isBlank() ? "the request was refused by the HTTP server (status " + status + ")"
                : "the request was refused by the HTTP server: " + message;
        return Json.bytes(new Problems.Problem(status, code(status), detail, null, Map.of(), null).body());
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
            Callback callback) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problems.PROBLEM_JSON);
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
    }
}
