package dev.worldstore.http;

import static dev.worldstore.http.HttpAsserts.assertOk;
import static dev.worldstore.http.HttpAsserts.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.Json;
import io.javalin.http.HandlerType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Request bodies and their errors over real HTTP (issue 10, item 12): content codings (gzip decoded
 * under the body limit, anything else 415), JSON over the nesting limit in plain words, and
 * {@code OPTIONS} / {@code Allow} on every route.
 */
class HttpBodiesIT {
    static final int LIMIT = 64 * 1024;

    @TempDir
    static Path dir;
    static HttpTestNode node;
    static int n;

    @BeforeAll
    static void start() {
        // auth on: OPTIONS must answer without a key, every other route below sends the generated one
        node = HttpTestNode.start(HttpTestNode.newTopic(), dir, Map.of("http.max.body.bytes", Integer.toString(LIMIT),
                "value.max.bytes", Integer.toString(LIMIT), "batch.max.bytes", Integer.toString(LIMIT), "http.auth.enabled", "true"));
        node.apiKey = node.server.generatedAdminKey().orElseThrow();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    /** A key no other test uses. */
    private static synchronized String state() {
        return "/v1/worlds/bodies/players/p" + (++n) + "/state";
    }

    static byte[] gzip(byte[]... members) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] m : members) {
            try (GZIPOutputStream z = new GZIPOutputStream(out) {
                @Override
                public void close() throws IOException {
                    finish(); // one member, the underlying stream stays open for the next
                }
            }) {
                z.write(m);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out.toByteArray();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static HttpResponse<String> send(String method, String path, byte[] body, String... headers) {
        HttpRequest.Builder b = node.request(path);
        boolean typed = false;
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
            typed |= headers[i].equalsIgnoreCase("Content-Type");
        }
        if (!typed) {
            b.header("Content-Type", method.equals("PATCH") ? "application/merge-patch+json" : "application/json");
        }
        b.method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        return node.send(b.build());
    }

    // ---- Content-Encoding ---------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "GZIP", "x-gzip", " gzip ", "identity, gzip", "gzip, identity"})
    void aGzipBodyIsDecodedAndStoredAsItsJson(String coding) {
        // given a JSON body compressed with gzip and labelled so
        String path = state();
        String json = "{\"health\":100,\"inventory\":[{\"itemId\":\"sword\",\"quantity\":1}]}";
        // when it is saved
        assertOk(send("PUT", path, gzip(utf8(json)), "Content-Encoding", coding));
        // then the decoded JSON is what is stored and loaded
        assertEquals(json, node.get(path).body());
    }

    @Test
    void everyBodyRouteDecodesGzip() {
        // given gzip bodies on PATCH, POST batch, POST read, POST players
        String path = state();
        assertOk(send("PUT", path, gzip(utf8("{\"a\":1}")), "Content-Encoding", "gzip"));
        assertOk(send("PATCH", path, gzip(utf8("{\"b\":2}")), "Content-Encoding", "gzip"));
        assertEquals(Json.parse("{\"a\":1,\"b\":2}"), Json.parse(node.get(path).body()));
        String batch = "{\"changes\":[{\"op\":\"put\",\"table\":\"entity_states\",\"entityId\":\"gz-1\",\"value\":{\"type\":\"app\"}}]}";
        assertOk(send("POST", "/v1/worlds/bodies/batch", gzip(utf8(batch)), "Content-Encoding", "gzip"));
        JsonNode read = assertOk(send("POST", "/v1/worlds/bodies/read",
                gzip(utf8("{\"keys\":[{\"table\":\"entity_states\",\"entityId\":\"gz-1\"}]}")), "Content-Encoding", "gzip"));
        assertEquals("app", read.path("items").path(0).path("value").path("type").asText(), read.toString());
        HttpResponse<String> player = send("POST", "/v1/players", gzip(utf8("{\"username\":\"gzip-user-" + System.nanoTime() + "\"}")),
                "Content-Encoding", "gzip");
        assertEquals(201, player.statusCode(), player.body());
    }

    @Test
    void gzipMembersAreDecodedAsOneBody() {
        // given one JSON value split over two concatenated gzip members (RFC 1952 allows several)
        String path = state();
        assertOk(send("PUT", path, gzip(utf8("{\"a\":"), utf8("[1,2]}")), "Content-Encoding", "gzip"));
        assertEquals("{\"a\":[1,2]}", node.get(path).body());
    }

    @Test
    void aChunkedGzipBodyIsDecoded() throws IOException {
        // given a gzip body sent in chunks, with no Content-Length
        String path = state();
        byte[] body = gzip(utf8("{\"chunked\":true}"));
        String response = raw("PUT " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
                + "Authorization: Bearer " + node.apiKey + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
                Arrays.copyOfRange(body, 0, 7), Arrays.copyOfRange(body, 7, body.length));
        assertTrue(response.startsWith("HTTP/1.1 200"), response);
        assertEquals("{\"chunked\":true}", node.get(path).body());
    }

    static String raw(String head, byte[]... chunks) throws IOException {
        try (Socket s = new Socket(node.server.uri().getHost(), node.server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            for (byte[] chunk : chunks) {
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            if (chunks.length > 0) {
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aBodyLabelledGzipThatIsNotGzipIsRefusedAndNotStored() {
        String path = state();
        byte[] valid = gzip(utf8("{\"a\":1}"));
        byte[] badCrc = valid.clone();
        badCrc[badCrc.length - 8] ^= 0x55;
        List<byte[]> notGzip = List.of(
                utf8("{\"a\":1}"),                                // plain JSON labelled gzip
                Arrays.copyOf(valid, valid.length - 4),           // cut short: no complete trailer
                Arrays.copyOf(valid, 5),                          // a header's start only
                badCrc,                                           // data that does not match its checksum
                new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3}); // a header, then garbage
        for (byte[] body : notGzip) {
            // when a body that is not complete gzip data arrives labelled gzip
            HttpResponse<String> r = send("PUT", path, body, "Content-Encoding", "gzip");
            // then it is a 400 naming Content-Encoding, and nothing is stored
            JsonNode p = assertProblem(r, 400, "INVALID_ARGUMENT", "Content-Encoding");
            assertTrue(p.path("detail").asText().contains("gzip"), p.toString());
        }
        assertProblem(node.get(path), 404, "KEY_NOT_FOUND");
        // an empty body labelled gzip is no gzip data either
        assertProblem(send("PUT", path, new byte[0], "Content-Encoding", "gzip"), 400, "INVALID_ARGUMENT", "Content-Encoding");
    }

    @ParameterizedTest
    @ValueSource(strings = {"br", "deflate", "compress", "zstd", "x-compress", "aes128gcm", "gzip, gzip", "gzip, br", "br, gzip",
            "chunked", "whatever"})
    void anyOtherContentCodingIs415WithAcceptEncoding(String coding) {
        // given a body in a coding the server does not decode (or more than one coding)
        String path = state();
        HttpResponse<String> r = send("PUT", path, utf8("{\"a\":1}"), "Content-Encoding", coding);
        // then 415 names Content-Encoding and Accept-Encoding says what is accepted (RFC 9110 §15.5.16)
        assertProblem(r, 415, "UNSUPPORTED_MEDIA_TYPE", "Content-Encoding");
        assertEquals("gzip", r.headers().firstValue("Accept-Encoding").orElse(null));
        assertProblem(node.get(path), 404, "KEY_NOT_FOUND");
        assertProblem(send("POST", "/v1/worlds/bodies/batch", utf8("{\"changes\":[]}"), "Content-Encoding", coding), 415,
                "UNSUPPORTED_MEDIA_TYPE", "Content-Encoding");
    }

    @Test
    void identityAloneIsNoCoding() {
        String path = state();
        assertOk(send("PUT", path, utf8("{\"plain\":1}"), "Content-Encoding", "identity"));
        assertEquals("{\"plain\":1}", node.get(path).body());
    }

    @Test
    void theBodyLimitHoldsForWhatAGzipBodyDecodesTo() {
        String path = state();
        // given a value exactly at the limit once decoded: accepted
        String atLimit = "{\"b\":\"" + "x".repeat(LIMIT - 8) + "\"}";
        assertEquals(LIMIT, atLimit.length());
        assertOk(send("PUT", path, gzip(utf8(atLimit)), "Content-Encoding", "gzip"));
        // given one byte more: 413, though the compressed body is tiny
        byte[] over = gzip(utf8("{\"b\":\"" + "x".repeat(LIMIT - 7) + "\"}"));
        assertTrue(over.length < 1024);
        JsonNode p = assertProblem(send("PUT", path, over, "Content-Encoding", "gzip"), 413, "BODY_TOO_LARGE");
        assertTrue(p.path("detail").asText().contains("decoded"), p.toString());
        // given a zip bomb (100 MiB of zeros in about 100 KiB: more than the limit as sent)
        byte[] zeros = new byte[1024 * 1024];
        ByteArrayOutputStream bomb = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(bomb)) {
            for (int i = 0; i < 100; i++) {
                z.write(zeros);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertProblem(send("PUT", path, bomb.toByteArray(), "Content-Encoding", "gzip"), 413, "BODY_TOO_LARGE");
        // and 16 MiB of zeros in 16 KiB: under the limit as sent, stopped one byte past it once decoded
        ByteArrayOutputStream small = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(small)) {
            for (int i = 0; i < 16; i++) {
                z.write(zeros);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertTrue(small.size() < LIMIT, "the compressed bomb is under the limit as sent: " + small.size());
        assertProblem(send("PUT", path, small.toByteArray(), "Content-Encoding", "gzip"), 413, "BODY_TOO_LARGE");
        // then the value stored is still the one at the limit
        assertEquals(atLimit, node.get(path).body());
    }

    @Test
    void manyEmptyGzipMembersStopAtTheLimitAsSent() {
        // given a body of empty gzip members: it decodes to nothing however long it is
        byte[] empty = gzip(new byte[0]);
        byte[][] members = new byte[LIMIT / empty.length + 10][];
        Arrays.fill(members, new byte[0]);
        HttpResponse<String> r = send("PUT", state(), gzip(members), "Content-Encoding", "gzip");
        // then it is refused by its size as sent
        assertProblem(r, 413, "BODY_TOO_LARGE");
    }

    // ---- JSON limits --------------------------------------------------------------------------

    @Test
    void jsonNestedDeeperThanTheLimitIsReportedWithTheLimit() {
        int depth = Json.MAX_NESTING_DEPTH + 1;
        String deep = "[".repeat(depth) + "]".repeat(depth);
        String deepObject = "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
        List<HttpResponse<String>> answers = List.of(
                node.put(state(), deep),
                node.put(state(), deepObject),
                node.call("PATCH", state(), deepObject),
                node.call("POST", "/v1/players", "{\"username\":" + deep + "}"),
                node.call("POST", "/v1/worlds/bodies/batch", "{\"changes\":[{\"op\":\"put\",\"table\":\"entity_states\","
                        + "\"entityId\":\"d\",\"value\":" + deep + "}]}"),
                node.call("POST", "/v1/worlds/bodies/batch", "{\"changes\":[{\"op\":\"merge-patch\",\"table\":\"world_state\","
                        + "\"patch\":" + deepObject + "}]}"),
                send("PUT", state(), gzip(utf8(deepObject)), "Content-Encoding", "gzip"));
        for (HttpResponse<String> r : answers) {
            JsonNode p = assertProblem(r, 400, "INVALID_JSON");
            String detail = p.path("detail").asText();
            assertTrue(detail.contains("nesting deeper than " + Json.MAX_NESTING_DEPTH), detail);
            assertFalse(detail.contains("StreamReadConstraints") || detail.contains("`") || detail.contains("exceeds the maximum"),
                    detail);
            assertEquals("Invalid JSON", p.path("title").asText());
        }
        // exactly the limit is a value, saved alone or in a batch (whose own envelope does not count against it)
        String atLimit = "[".repeat(Json.MAX_NESTING_DEPTH) + "]".repeat(Json.MAX_NESTING_DEPTH);
        assertOk(node.put("/v1/worlds/bodies/apps/a/data/deep", atLimit));
        assertOk(node.call("POST", "/v1/worlds/bodies/batch", "{\"changes\":[{\"op\":\"put\",\"table\":\"app_storage\","
                + "\"appId\":\"a\",\"key\":\"deep\",\"value\":" + atLimit + "}]}"));
    }

    // ---- OPTIONS and Allow --------------------------------------------------------------------

    /** A request path for a route template: every parameter filled in ({@code <key>} with a slash). */
    static String concrete(String template) {
        return template.replaceAll("\\{[^}]+}", "x1").replaceAll("<[^>]+>", "k/1");
    }

    /** The methods a route template answers, as Allow should list them. */
    static Set<String> expectedAllow(String template) {
        Set<String> methods = new LinkedHashSet<>();
        for (Route r : node.server.routeTable()) {
            if (r.path().equals(template)) {
                methods.add(r.method().name());
                if (r.head()) {
                    methods.add("HEAD");
                }
            }
        }
        methods.add("OPTIONS");
        return methods;
    }

    static Set<String> allowOf(HttpResponse<String> r) {
        Set<String> methods = new LinkedHashSet<>();
        for (String m : r.headers().firstValue("Allow").orElseThrow(() -> new AssertionError("no Allow in " + r)).split(",")) {
            methods.add(m.trim());
        }
        return methods;
    }

    @Test
    void optionsOnEveryRouteAnswersAllowWithoutAKey() {
        Set<String> templates = new LinkedHashSet<>();
        node.server.routeTable().forEach(r -> templates.add(r.path()));
        assertTrue(templates.size() > 20, templates.toString());
        for (String template : templates) {
            // given any route, when OPTIONS is sent without an API key
            HttpRequest req = HttpRequest.newBuilder(node.uri(concrete(template))).method("OPTIONS",
                    HttpRequest.BodyPublishers.noBody()).build();
            HttpResponse<String> r = node.send(req);
            // then 200, no content, and Allow lists exactly the route's methods
            assertEquals(200, r.statusCode(), template + ": " + r.body());
            assertEquals("", r.body(), template);
            assertEquals("0", r.headers().firstValue("Content-Length").orElse("0"), template);
            Set<String> expected = expectedAllow(template);
            assertEquals(expected, allowOf(r), template);
            if (expected.contains("PATCH")) {
                assertTrue(r.headers().firstValue("Accept-Patch").orElse("").contains("application/merge-patch+json"), template);
            }
            if (expected.contains("PUT") || expected.contains("POST") || expected.contains("PATCH")) {
                assertEquals("gzip", r.headers().firstValue("Accept-Encoding").orElse(null), template);
            }
        }
    }

    @Test
    void everyMethodARouteDoesNotAnswerIs405WithTheSameAllow() {
        Set<String> templates = new LinkedHashSet<>();
        node.server.routeTable().forEach(r -> templates.add(r.path()));
        for (String template : templates) {
            Set<String> expected = expectedAllow(template);
            for (HandlerType m : List.of(HandlerType.GET, HandlerType.PUT, HandlerType.PATCH, HandlerType.DELETE, HandlerType.POST)) {
                if (expected.contains(m.name())) {
                    continue;
                }
                // given a method the route does not answer, when it is sent
                HttpResponse<String> r = node.call(m.name(), concrete(template), m == HandlerType.GET || m == HandlerType.DELETE ? null
                        : "{}");
                // then 405 with Allow, the same list OPTIONS gives
                assertProblem(r, 405, "METHOD_NOT_ALLOWED");
                assertEquals(expected, allowOf(r), m + " " + template);
            }
        }
        // a streaming GET answers no HEAD: 405, Allow as for the others
        HttpResponse<String> head = node.send(node.request("/v1/worlds/x1/changes").method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build());
        assertEquals(405, head.statusCode());
        assertEquals(expectedAllow("/v1/worlds/{worldId}/changes"), allowOf(head));
    }

    @Test
    void optionsOnAPathWithNoRouteIs404() {
        HttpResponse<String> r = node.send(HttpRequest.newBuilder(node.uri("/v1/nope")).method("OPTIONS",
                HttpRequest.BodyPublishers.noBody()).build());
        assertProblem(r, 404, "NOT_FOUND");
    }

    @Test
    void optionsAsteriskAnswersForTheServer() throws IOException {
        // given OPTIONS * (RFC 9110 §9.3.7: the server in general), when sent
        String response = raw("OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        // then 200 with no content
        assertTrue(response.startsWith("HTTP/1.1 200"), response);
    }
}
