package dev.worldstore.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Which requests reach the access log, as http.access.log says, over real HTTP. */
class HttpAccessLogIT {

    /** Starts a node with {@code settings}, sends a 200, a 404 and a 400, and returns the access-log lines written. */
    private static List<String> linesOf(Path dir, Map<String, String> settings) {
        Logger access = (Logger) LoggerFactory.getLogger("dev.worldstore.http.access");
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        access.addAppender(seen);
        try (HttpTestNode node = HttpTestNode.start(HttpTestNode.newTopic(), dir, settings)) {
            assertEquals(200, node.get("/health/live").statusCode());
            assertEquals(404, node.get("/v1/worlds/log/state").statusCode());
            assertEquals(400, node.put("/v1/worlds/log/state", "{").statusCode());
        } finally {
            access.detachAppender(seen);
        }
        return seen.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void byDefaultOnlyAnswersFrom400AreLogged(@TempDir Path dir) {
        // given a node with the default http.access.log (errors)
        List<String> lines = linesOf(dir, Map.of());
        // then the 404 and the 400 have a line and the 200 has none
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("GET /v1/worlds/log/state 404 "), lines.toString());
        assertTrue(lines.get(1).startsWith("PUT /v1/worlds/log/state 400 "), lines.toString());
    }

    @Test
    void allLogsEveryRequest(@TempDir Path dir) {
        List<String> lines = linesOf(dir, Map.of("http.access.log", "all"));
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("GET /health/live 200 "), lines.toString());
    }

    @Test
    void offLogsNothing(@TempDir Path dir) {
        assertEquals(List.of(), linesOf(dir, Map.of("http.access.log", "off")));
    }

    @Test
    void anUnknownModeIsRefusedNamingTheKey() {
        dev.worldstore.ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(dev.worldstore.ConfigException.class,
                () -> HttpConfig.of("http.access.log", "sometimes"));
        assertEquals("http.access.log", e.key());
        assertTrue(e.getMessage().contains("off, errors, all"), e.getMessage());
    }
}
