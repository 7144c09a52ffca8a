package dev.worldstore.http;

import static dev.worldstore.http.HttpAsserts.assertOk;
import static dev.worldstore.http.HttpAsserts.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.testing.TestKafka;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A change feed asked to resume where retention already deleted changes is 410 POSITION_EXPIRED, never a silent gap. */
class HttpFeedRetentionIT {
    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void aResumeFromADeletedPositionIsGoneWithPositionExpiredWhileTheAuditLogAndTheLogsStartStillRead() throws Exception {
        // given ten changes of a world, the log's first five deleted (as retention would), and a node started after that
        String topic = HttpTestNode.newTopic();
        Map<String, String> onePartition = Map.of("kafka.topic.partitions", "1");
        List<String> positions = new ArrayList<>();
        try (HttpTestNode writer = HttpTestNode.start(topic, dir.resolve("writer"), onePartition)) {
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> put = writer.put("/v1/worlds/kept/state", "{\"tick\":" + i + "}");
                assertOk(put);
                positions.add(put.headers().firstValue("X-Worldstore-Position").orElseThrow());
            }
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
            admin.deleteRecords(Map.of(new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(5))).all().get(30, TimeUnit.SECONDS);
        }
        try (HttpTestNode node = HttpTestNode.start(topic, dir.resolve("reader"), onePartition)) {
            // when a client resumes after the second change
            HttpResponse<String> gone = node.get("/v1/worlds/kept/changes", "Accept", "text/event-stream", "Last-Event-ID", positions.get(1));

            // then it is told the changes in between are gone, with the log's start in the detail
            assertProblem(gone, 410, "POSITION_EXPIRED");
            assertTrue(gone.body().contains("now starts at " + positions.get(5)), gone.body());

            // and the audit log starts at the oldest change the log holds, while a page from a deleted position is gone too
            HttpResponse<String> audit = node.get("/v1/worlds/kept/history");
            assertOk(audit);
            com.fasterxml.jackson.databind.JsonNode items = dev.worldstore.Json.parse(audit.body()).path("items");
            assertEquals(5, items.size(), audit.body());
            assertEquals(positions.get(5), items.get(0).path("position").asText());
            assertProblem(node.get("/v1/worlds/kept/history?from=" + positions.get(1)), 410, "POSITION_EXPIRED");

            // and a resume after the log's start's predecessor delivers the rest, from there
            SseTestClient feed = SseTestClient.open(node.client, node.request("/v1/worlds/kept/changes")
                    .header("Accept", "text/event-stream").header("Last-Event-ID", positions.get(4)).timeout(Duration.ofMinutes(1)).GET().build());
            try {
                assertEquals(200, feed.response.statusCode());
                assertEquals("ready", feed.next(WAIT).event());
                assertEquals(positions.get(5), feed.next(WAIT).id());
            } finally {
                feed.close();
            }
        }
    }
}
