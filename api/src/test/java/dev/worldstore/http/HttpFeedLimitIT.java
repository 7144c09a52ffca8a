package dev.worldstore.http;

import static dev.worldstore.http.HttpAsserts.assertOk;
import static dev.worldstore.http.HttpAsserts.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Change feeds and audit-log reads each hold a Kafka consumer: together they stay within http.sse.max.clients. */
class HttpFeedLimitIT {
    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    static HttpTestNode node;

    @BeforeAll
    static void start() {
        node = HttpTestNode.start(HttpTestNode.newTopic(), dir.resolve("node"),
                Map.of("http.sse.max.clients", "1", "http.sse.heartbeat.ms", "100"));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void aNodeServingItsLastFeedRefusesAnotherFeedAndAuditReadsUntilItCloses() {
        // given a world with changes and the node's one feed slot taken by an open change feed
        assertOk(node.put("/v1/worlds/busy/state", "{\"time\":\"day\"}"));
        SseTestClient feed = SseTestClient.open(node.client, node.request("/v1/worlds/busy/changes")
                .header("Accept", "text/event-stream").timeout(Duration.ofMinutes(1)).GET().build());
        assertEquals(200, feed.response.statusCode());
        assertEquals("ready", feed.next(WAIT).event());

        // when another feed and an audit-log page are asked for
        HttpResponse<String> secondFeed = node.get("/v1/worlds/busy/changes", "Accept", "text/event-stream");
        HttpResponse<String> audit = node.get("/v1/worlds/busy/history");

        // then both are refused with a retry hint, naming the setting
        assertProblem(secondFeed, 503, "TOO_MANY_STREAMS");
        assertProblem(audit, 503, "TOO_MANY_STREAMS");
        assertEquals("5", audit.headers().firstValue("Retry-After").orElse(""));
        assertTrue(audit.body().contains("http.sse.max.clients"), audit.body());

        // and once the feed is gone (the server notices at its next heartbeat), the audit log reads again
        feed.close();
        Awaitility.await().atMost(WAIT).until(() -> node.get("/v1/worlds/busy/history").statusCode() == 200);
        // an audit read gives its slot back: the next one succeeds too
        assertOk(node.get("/v1/worlds/busy/history"));
    }
}
