package dev.worldstore.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.worldstore.ConfigException;
import dev.worldstore.Json;
import dev.worldstore.LogPosition;
import dev.worldstore.World;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.projector.ProjectionTools;
import dev.worldstore.projector.WorldStores;
import dev.worldstore.testing.TestKafka;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new node from a peer's checkpoint ({@code bootstrap.from}): it serves what the peer held, catches
 * up the log after the checkpoint, and its projection is byte-identical to a full rebuild at the same
 * offsets; only an admin key gets the checkpoint; a checkpoint of another topic is refused; a
 * transfer killed with SIGKILL leaves no half-opened store, and the node then starts cleanly.
 */
class BootstrapIT {
    static final String ADMIN = ApiKeys.newKey();
    static final String WORLD_KEY = ApiKeys.newKey();

    @TempDir
    static Path dir;
    static HttpTestNode peer;
    static String topic;

    @BeforeAll
    static void start() throws IOException {
        topic = HttpTestNode.newTopic();
        peer = HttpTestNode.start(topic, dir.resolve("peer"), HttpTestNode.authWith(dir, Map.of(),
                HttpTestNode.key("admin", ADMIN, "\"admin\": true"),
                HttpTestNode.key("world", WORLD_KEY, "\"worlds\": [\"*\"], \"apps\": [\"*\"], \"players\": true")));
        peer.apiKey = ADMIN;
        // a history with the kinds of events a projection holds: saves, patches, a batch, a refused condition, a delete
        for (int w = 0; w < 5; w++) {
            World world = peer.store.world("boot-" + w);
            for (int i = 0; i < 40; i++) {
                world.savePlayerState("p" + (i % 7), Json.object().put("n", i).put("w", w));
                world.saveEntity(Json.parse("{\"id\":\"e" + (i % 5) + "\",\"position\":[" + i + ",0,0]}"));
            }
            world.patchPlayerState("p1", Json.object().put("patched", true), dev.worldstore.Condition.any());
            world.deleteEntity("e0");
            assertThrows(dev.worldstore.ConflictException.class, () -> world.saveWorldState(Json.object(), dev.worldstore.Condition.version(0)));
            world.batch().saveEntity(Json.parse("{\"id\":\"b1\"}"), dev.worldstore.Condition.any())
                    .saveEntity(Json.parse("{\"id\":\"b2\"}"), dev.worldstore.Condition.any()).commit();
        }
        peer.store.operations().takeSnapshot(); // the peer also keeps snapshots: they are not what it sends
    }

    @AfterAll
    static void stop() {
        peer.close();
    }

    private static WorldStoreConfig config(Path dataDir, String... extra) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("kafka.bootstrap.servers", TestKafka.bootstrapServers());
        m.put("kafka.topic", topic);
        m.put("data.dir", dataDir.toString());
        for (int i = 0; i < extra.length; i += 2) {
            m.put(extra[i], extra[i + 1]);
        }
        return WorldStoreConfig.of(m);
    }

    private static LogPosition lastWrite() {
        return peer.store.world("boot-0").saveWorldState(Json.object().put("at", System.nanoTime())).position();
    }

    @Test
    void aNewNodeStartsFromThePeersCheckpointCatchesUpTheTailAndEqualsAFullRebuild(@TempDir Path own) {
        // given a new node configured to bootstrap from the peer
        Path data = own.resolve("new");
        try (WorldStore node = WorldStores.open(config(data, "bootstrap.from", peer.server.uri().toString(), "bootstrap.api.key", ADMIN))) {
            // then it serves the peer's data without having replayed the log from the start
            assertEquals(39, node.world("boot-3").loadPlayerState("p4").orElseThrow().get("n").asInt());
            long applied = node.operations().checkpoints().stream().mapToLong(c -> c.appliedEvents()).sum();
            assertTrue(applied > 0, "the checkpoint's offsets came along");
            // and a change made after the checkpoint reaches it from the log
            LogPosition after = lastWrite();
            node.awaitPosition(after, Duration.ofSeconds(30));
            assertTrue(node.world("boot-0").loadWorldState().orElseThrow().has("at"));
        }
        // when the log is rebuilt in full, and again from the peer's checkpoint, at the same offsets (nothing written since)
        Path full = own.resolve("full");
        Path fromPeer = own.resolve("from-peer");
        ProjectionTools.rebuild(config(own.resolve("tools")), full, n -> { });
        ProjectionTools.rebuild(config(own.resolve("tools"), "bootstrap.from", peer.server.uri().toString(), "bootstrap.api.key", ADMIN),
                fromPeer, n -> { });
        // then all three projections are byte-identical
        assertEquals(Optional.empty(), ProjectionTools.compare(config(own.resolve("tools")), full, data.resolve("projection")));
        assertEquals(Optional.empty(), ProjectionTools.compare(config(own.resolve("tools")), full, fromPeer));
    }

    @Test
    void onlyAnAdminKeyGetsTheCheckpointAndAnotherTopicsCheckpointIsRefused(@TempDir Path own) {
        // a key without admin: 403, and a bootstrap with it says what it needs
        HttpResponse<String> r = peer.send(HttpRequest.newBuilder(peer.uri("/v1/admin/checkpoint")).header("Authorization", "Bearer "
                + WORLD_KEY).GET().build());
        assertEquals(403, r.statusCode(), r.body());
        ConfigException e = assertThrows(ConfigException.class, () -> WorldStores.open(config(own.resolve("a"), "bootstrap.from",
                peer.server.uri().toString(), "bootstrap.api.key", WORLD_KEY)));
        assertEquals("bootstrap.from", e.key());
        assertTrue(e.getMessage().contains("admin key"), e.getMessage());
        assertFalse(Files.exists(own.resolve("a").resolve("projection")), "no projection was left behind");
        // a node of another topic refuses the peer's checkpoint, naming both topics
        Map<String, String> other = new LinkedHashMap<>(Map.of("kafka.bootstrap.servers", TestKafka.bootstrapServers(), "kafka.topic",
                HttpTestNode.newTopic(), "data.dir", own.resolve("b").toString(), "bootstrap.from", peer.server.uri().toString(),
                "bootstrap.api.key", ADMIN));
        ConfigException t = assertThrows(ConfigException.class, () -> WorldStores.open(WorldStoreConfig.of(other)));
        assertTrue(t.getMessage().contains("holds a projection of topic " + topic), t.getMessage());
    }

    @Test
    void aTransferKilledWithSigkillLeavesNoHalfOpenedStoreAndTheNodeThenStartsCleanly(@TempDir Path own) throws Exception {
        // given a peer whose checkpoint comes through a relay that stops half-way (the transfer hangs there)
        CountDownLatch never = new CountDownLatch(1);
        HttpServer relay = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        relay.createContext("/v1/admin/checkpoint", ex -> {
            HttpResponse<InputStream> up;
            try {
                up = peer.client.send(HttpRequest.newBuilder(peer.uri("/v1/admin/checkpoint")).header("Authorization", "Bearer " + ADMIN)
                        .GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            byte[] all = up.body().readAllBytes();
            ex.sendResponseHeaders(200, all.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(all, 0, all.length / 2);
                out.flush();
                never.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        relay.start();
        Path data = own.resolve("killed");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "dev.worldstore.cli.Main", "serve", "--kafka.bootstrap.servers=" + TestKafka.bootstrapServers(), "--kafka.topic=" + topic,
                "--data.dir=" + data, "--http.port=0", "--http.auth.enabled=false",
                "--bootstrap-from=http://127.0.0.1:" + relay.getAddress().getPort(), "--bootstrap-api-key=" + ADMIN))
                .redirectErrorStream(true).redirectOutput(own.resolve("child.log").toFile()).start();
        try {
            // when the transfer is under way (files arriving in projection.partial), the process is killed with SIGKILL
            Path partial = data.resolve("projection.partial");
            Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> sizeOf(partial) > 0);
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            // then there is no projection, only the partial folder the next start throws away
            assertFalse(Files.exists(data.resolve("projection")), "no half-opened store");
        } finally {
            child.destroyForcibly();
            never.countDown();
            relay.stop(0);
        }
        // and the node starts cleanly from the peer itself, serving its data
        try (WorldStore node = WorldStores.open(config(data, "bootstrap.from", peer.server.uri().toString(), "bootstrap.api.key", ADMIN))) {
            assertFalse(Files.exists(data.resolve("projection.partial")));
            assertEquals(6, node.world("boot-2").loadEntities().size(), "e1..e4, b1, b2");
            LogPosition after = lastWrite();
            node.awaitPosition(after, Duration.ofSeconds(30));
        }
    }

    private static long sizeOf(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.mapToLong(p -> p.toFile().length()).sum();
        }
    }

    @Test
    void theCheckpointRouteAnswersAnAdminWithATar() {
        HttpResponse<String> r = peer.get("/v1/admin/checkpoint");
        assertEquals(200, r.statusCode());
        assertEquals("application/x-tar", r.headers().firstValue("Content-Type").orElse(""));
    }
}
