package dev.worldstore.http;

import static dev.worldstore.http.HttpAsserts.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Read-your-writes across two server nodes on one topic: a write on A is visible on B to a read carrying its position. */
class HttpTwoNodesIT {
    @TempDir
    Path dir;

    @Test
    void writeOnOneNodeIsReadOnTheOtherWithItsPosition() {
        String topic = HttpTestNode.newTopic();
        try (HttpTestNode a = HttpTestNode.start(topic, dir.resolve("a"), Map.of());
                HttpTestNode b = HttpTestNode.start(topic, dir.resolve("b"), Map.of())) {
            for (int i = 0; i < 20; i++) {
                String path = "/v1/worlds/shared/players/p" + i + "/state";
                HttpResponse<String> saved = a.put(path, "{\"position\":{\"x\":" + i + ",\"y\":0,\"z\":0},\"gold\":" + (i * 10) + "}");
                assertOk(saved);
                String position = saved.headers().firstValue("X-Worldstore-Position").orElseThrow();
                HttpResponse<String> read = b.get(path, "X-Worldstore-Position", position);
                JsonNode state = assertOk(read);
                assertEquals(i * 10, state.path("gold").asInt());
                assertEquals(saved.headers().firstValue("ETag"), read.headers().firstValue("ETag"));

                String patchPath = "/v1/worlds/shared/state";
                HttpResponse<String> patched = b.call("PATCH", patchPath, "{\"round\":" + i + "}");
                assertOk(patched);
                JsonNode world = assertOk(a.get(patchPath, "X-Worldstore-Position",
                        patched.headers().firstValue("X-Worldstore-Position").orElseThrow()));
                assertEquals(i, world.path("round").asInt());
            }

            HttpResponse<String> registered = a.call("POST", "/v1/players", "{\"id\":\"two-nodes\",\"username\":\"TwoNodes\"}");
            assertEquals(201, registered.statusCode(), registered.body());
            String position = registered.headers().firstValue("X-Worldstore-Position").orElseThrow();
            assertEquals("TwoNodes", assertOk(b.get("/v1/players/two-nodes", "X-Worldstore-Position", position)).path("username")
                    .asText());
        }
    }
}
