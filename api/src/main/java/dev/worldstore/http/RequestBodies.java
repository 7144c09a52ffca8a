package dev.worldstore.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.Json;
import io.javalin.http.Context;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reading a request body within {@code http.max.body.bytes}, as sent or gzip-coded
 * ({@code Content-Encoding}, RFC 9110 §8.4), without ever holding more than the limit, and an
 * entity body given its {@code id} ({@link #withId}). Stateless.
 */
final class RequestBodies {
    private RequestBodies() {
    }

    /**
     * Reads the request body, decoding it when {@code Content-Encoding} says gzip. {@code maxBytes}
     * bounds both what arrives ({@code Content-Length} before reading, the bytes while reading) and,
     * for a gzip body, what it decodes to: inflating stops one byte past the limit, so a small body
     * that would decode to gigabytes (a zip bomb) costs no more than the limit.
     *
     * @throws ApiProblem 413 BODY_TOO_LARGE past the limit (sent or decoded); 415 UNSUPPORTED_MEDIA_TYPE
     *     on {@code Content-Encoding} for a coding other than gzip (the answer's {@code Accept-Encoding}
     *     names gzip); 400 INVALID_ARGUMENT on {@code Content-Encoding} when a body labelled gzip is not
     *     gzip data (so it is never stored as it came)
     */
    static byte[] readBody(Context ctx, long maxBytes) {
        boolean gzip = gzipCoded(ctx);
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxBytes) {
            if (declared <= maxBytes + drainAllowance(maxBytes)) {
                try {
                    drain(ctx.req().getInputStream(), declared);
                } catch (IOException e) {
                    // the sender went away: nobody reads the answer
                }
            }
            throw tooLarge(maxBytes, declared + " bytes");
        }
        int limit = (int) Math.min(Integer.MAX_VALUE - 8, maxBytes);
        try (InputStream in = ctx.req().getInputStream()) {
            if (!gzip && declared >= 0) {
                // the length is known (and within the limit): one array of that size, no growing copies
                byte[] bytes = new byte[(int) declared];
                int got = in.readNBytes(bytes, 0, bytes.length);
                if (got < bytes.length) {
                    throw ApiProblem.badRequest(Problems.INVALID_JSON, null, "the request body ended after " + got + " of its "
                            + declared + " bytes (Content-Length)");
                }
                return bytes;
            }
            if (!gzip) {
                byte[] bytes = in.readNBytes(limit + 1);
                if (bytes.length > limit) {
                    drain(in, drainAllowance(maxBytes));
                    throw tooLarge(maxBytes, "more");
                }
                return bytes;
            }
            Bounded compressed = new Bounded(in, limit);
            byte[] decoded;
            try {
                decoded = gunzip(compressed, limit);
            } catch (ApiProblem e) {
                drain(in, drainAllowance(maxBytes));
                throw e;
            }
            if (compressed.exceeded) {
                // GZIPInputStream takes a failed read of a further member's header for the end of the data
                drain(in, drainAllowance(maxBytes));
                throw tooLarge(maxBytes, "more");
            }
            return decoded;
        } catch (Bounded.TooLarge e) {
            drainQuietly(ctx, drainAllowance(maxBytes));
            throw tooLarge(maxBytes, "more");
        } catch (IOException e) {
            throw ApiProblem.badRequest(Problems.INVALID_JSON, null, "the request body could not be read: " + e.getMessage());
        }
    }

    private static byte[] gunzip(InputStream compressed, int limit) throws IOException {
        byte[] bytes;
        try (GZIPInputStream in = new GZIPInputStream(compressed, 8192)) {
            bytes = in.readNBytes(limit + 1);
        } catch (ZipException | EOFException e) {
            throw new ApiProblem(400, Problems.INVALID_ARGUMENT, "Content-Encoding", "the body is labelled gzip but is not "
                    + "complete gzip data (" + e.getMessage() + "); send it compressed, or without Content-Encoding");
        }
        if (bytes.length > limit) {
            throw new ApiProblem(413, Problems.BODY_TOO_LARGE, null, "the request body must be at most " + limit
                    + " bytes (http.max.body.bytes) once decoded from gzip, was more");
        }
        return bytes;
    }

    /**
     * True when the body is gzip-coded; false for none (or {@code identity}).
     *
     * @throws ApiProblem 415 naming {@code Content-Encoding} for any other coding, or more than one
     */
    static boolean gzipCoded(Context ctx) {
        java.util.Enumeration<String> values = ctx.req().getHeaders("Content-Encoding");
        List<String> codings = new ArrayList<>();
        String sent = null;
        while (values != null && values.hasMoreElements()) {
            String v = values.nextElement();
            sent = sent == null ? v : sent + ", " + v;
            for (String c : v.split(",")) {
                String coding = c.trim().toLowerCase(Locale.ROOT);
                if (!coding.isEmpty() && !coding.equals("identity")) {
                    codings.add(coding);
                }
            }
        }
        if (codings.isEmpty()) {
            return false;
        }
        if (codings.size() == 1 && (codings.get(0).equals("gzip") || codings.get(0).equals("x-gzip"))) {
            return true;
        }
        throw new ApiProblem(415, Problems.UNSUPPORTED_MEDIA_TYPE, "Content-Encoding", "a request body may be sent as is or "
                + "gzip-compressed (Content-Encoding: gzip), with one coding at most; was '" + sent + "'",
                java.util.Map.of("Accept-Encoding", HttpSupport.ACCEPTED_ENCODINGS));
    }

    /** Stops a compressed body at {@code limit} bytes as it arrives, whatever it decodes to. */
    private static final class Bounded extends java.io.FilterInputStream {
        private long left;
        private boolean exceeded;

        Bounded(InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        /** Thrown past the limit; never reaches a client as such. */
        static final class TooLarge extends IOException {
            private static final long serialVersionUID = 1L;

            TooLarge() {
                super("request body over the limit", null);
            }
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0 && --left < 0) {
                exceeded = true;
                throw new TooLarge();
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0 && (left -= n) < 0) {
                exceeded = true;
                throw new TooLarge();
            }
            return n;
        }
    }

    /**
     * How many more bytes of a refused body are read (and dropped) before the answer: a server that
     * answers while the client is still sending, then closes, makes the client's TCP stack reset the
     * connection, and the client may never see the 413 (RFC 9112 §9.6 asks servers to close in
     * stages for this reason). Bodies larger still get the answer at once and the connection closed.
     */
    static long drainAllowance(long maxBytes) {
        return Math.min(maxBytes, 8L << 20);
    }

    /** Reads and drops up to {@code max} bytes of {@code in}, or until it ends. */
    private static void drain(InputStream in, long max) throws IOException {
        byte[] scratch = new byte[8192];
        long left = max;
        int n;
        while (left > 0 && (n = in.read(scratch, 0, (int) Math.min(scratch.length, left))) >= 0) {
            left -= n;
        }
    }

    private static void drainQuietly(Context ctx, long max) {
        try {
            drain(ctx.req().getInputStream(), max);
        } catch (IOException e) {
            // the sender went away: nobody reads the answer
        }
    }

    private static ApiProblem tooLarge(long maxBytes, String was) {
        return new ApiProblem(413, Problems.BODY_TOO_LARGE, null,
                "the request body must be at most " + maxBytes + " bytes (http.max.body.bytes), was " + was);
    }

    /**
     * The JSON {@code body} with {@code "id":"<id>"} added as its last member when it is an object
     * without a top-level {@code id}; otherwise {@code body} itself. Reads top-level names only and
     * stops at the first {@code id}. A body it cannot read is returned as it is, for the store's
     * validator to report.
     */
    static byte[] withId(byte[] body, String id) {
        try (JsonParser p = Json.parser(body, 0, body.length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return body;
            }
            boolean empty = true;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                if (p.currentName().equals("id")) {
                    return body;
                }
                empty = false;
                p.nextToken();
                p.skipChildren();
            }
            long close = p.currentTokenLocation().getByteOffset();
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                return body;
            }
            if (close < 0 || close >= body.length || body[(int) close] != '}') {
                // not UTF-8 (Jackson read it as characters): fall back to the tree
                ObjectNode o = (ObjectNode) Json.parse(body);
                o.put("id", id);
                return Json.bytes(o);
            }
            byte[] member = ((empty ? "" : ",") + "\"id\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(id)) + "\"")
                    .getBytes(StandardCharsets.UTF_8);
            int at = (int) close;
            byte[] out = new byte[body.length + member.length];
            System.arraycopy(body, 0, out, 0, at);
            System.arraycopy(member, 0, out, at, member.length);
            System.arraycopy(body, at, out, at + member.length, body.length - at);
            return out;
        } catch (IOException e) {
            return body;
        }
    }
}
