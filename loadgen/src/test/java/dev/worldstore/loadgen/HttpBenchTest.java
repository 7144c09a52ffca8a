package dev.worldstore.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The load generator without a worldstore: its bodies, its options, its minimal HTTP client against a scripted socket. */
class HttpBenchTest {

    @Test
    void playerStatesAreAboutTheAskedSize() {
        for (int size : new int[] {300, 1024, 4096}) {
            byte[] body = HttpBench.playerState(7, size);
            assertEquals(size, body.length, 2);
            assertTrue(new String(body, StandardCharsets.UTF_8).startsWith("{\"position\":"));
        }
    }

    @Test
    void optionsRefuseBadBounds() {
        URI url = URI.create("http://127.0.0.1:1");
        assertThrows(IllegalArgumentException.class, () -> new HttpBench.Options(url, null, "w", HttpBench.Mode.GET, 0,
                Duration.ZERO, Duration.ofSeconds(1), 1, 1024, 0));
        assertThrows(IllegalArgumentException.class, () -> new HttpBench.Options(url, null, "w", HttpBench.Mode.GET, 1,
                Duration.ZERO, Duration.ZERO, 1, 1024, 0));
        assertThrows(NullPointerException.class, () -> new HttpBench.Options(url, null, "w", HttpBench.Mode.GET, 1,
                null, Duration.ofSeconds(1), 1, 1024, 0));
    }

    @Test
    void mainNeedsAUrl() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HttpBench.main(new String[] {"--seconds=1"}));
        assertTrue(e.getMessage().contains("--url is required"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HttpBench.main(new String[] {"--url"}));
    }

    @Test
    void theClientReadsLengthAndChunkedAnswersOnOneConnection() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket s = server.accept()) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                    OutputStream out = s.getOutputStream();
                    skipRequest(in);
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".getBytes(StandardCharsets.US_ASCII));
                    skipRequest(in);
                    out.write("HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    skipRequest(in);
                    out.write("HTTP/1.1 204 No Content\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            t.start();
            try (HttpConnection c = new HttpConnection(URI.create("http://127.0.0.1:" + server.getLocalPort()), "k")) {
                assertEquals(200, c.exchange("GET", "/a", null));
                assertEquals(404, c.exchange("GET", "/b", null));
                assertEquals(204, c.exchange("GET", "/c", null));
            }
            t.join();
        }
    }

    private static void skipRequest(BufferedReader in) throws IOException {
        for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) {
            // headers only: the test sends GETs
        }
    }
}
