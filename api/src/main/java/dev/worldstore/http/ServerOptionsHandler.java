package dev.worldstore.http;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's default handler: requests no context takes. {@code OPTIONS *} asks what the server in
 * general supports (RFC 9110 §9.3.7), so it answers 200, no content, with {@code Allow} naming every
 * method some route answers; anything else is a 404 problem (through {@link JsonErrorHandler}).
 */
final class ServerOptionsHandler extends Handler.Abstract {
    static final String SERVER_ALLOW = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        if (HttpMethod.OPTIONS.is(request.getMethod()) && "*".equals(request.getHttpURI().getPath())) {
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.ALLOW, SERVER_ALLOW);
            response.getHeaders().put(HttpHeader.ACCEPT_ENCODING, HttpSupport.ACCEPTED_ENCODINGS);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0L);
            response.write(true, null, callback);
            return true;
        }
        Response.writeError(request, response, callback, 404, "no route " + request.getMethod() + " " + request.getHttpURI().getPath());
        return true;
    }
}
