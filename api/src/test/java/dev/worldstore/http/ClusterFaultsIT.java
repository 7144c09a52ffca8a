package dev.worldstore.http;

import static dev.worldstore.http.HttpAsserts.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.Change;
import dev.worldstore.HistoryPage;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.ReadConsistency;
import dev.worldstore.Saved;
import dev.worldstore.Scan;
import dev.worldstore.WorldStoreException;
import dev.worldstore.testing.TestKafka;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.server.common.MetadataVersion;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults of a real replicated cluster: three brokers and a KRaft controller in this JVM
 * ({@link KafkaClusterTestKit}), topics with replication factor 3 and {@code min.insync.replicas=2},
 * and worldstore nodes with their HTTP servers against it. A broker is stopped the way a crash
 * stops it for its clients: its listeners close and it stops answering.
 */
class ClusterFaultsIT {
    private static final int PARTITIONS = 3;
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path dir;
    KafkaClusterTestKit cluster;
    final List<HttpTestNode> nodes = new ArrayList<>();

    @BeforeEach
    void startCluster() throws Exception {
        // three brokers and one controller: the faults under test are brokers'; one controller keeps the
        // quorum out of the picture (and out of a 2-core CI machine's budget)
        cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setCombined(false).setNumBrokerNodes(3)
                .setNumControllerNodes(1).setBaseDirectory(dir.resolve("kafka"))
                // the released metadata version, as a production cluster runs (the kit's default is the newest, unstable one)
                .setBootstrapMetadataVersion(MetadataVersion.latestProduction()).build())
                .setConfigProp("min.insync.replicas", "2")
                .setConfigProp("auto.create.topics.enable", "false")
                .build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
    }

    @AfterEach
    void stopCluster() throws Exception {
        for (HttpTestNode n : nodes) {
            n.close();
        }
        cluster.close();
    }

    private HttpTestNode node(String topic, String name, Map<String, String> extra) {
        Map<String, String> settings = new java.util.HashMap<>(Map.of("kafka.bootstrap.servers", cluster.bootstrapServers(),
                "kafka.topic.partitions", Integer.toString(PARTITIONS), "kafka.topic.replication.factor", "3",
                "write.timeout.ms", "8000"));
        settings.putAll(extra);
        HttpTestNode n = HttpTestNode.start(topic, dir.resolve(name), settings);
        nodes.add(n);
        return n;
    }

    /** The broker leading the partition of {@code worldId} (Kafka's default partitioner, as worldstore routes). */
    private int leaderOf(String topic, String worldId) throws Exception {
        int partition = Utils.toPositive(Utils.murmur2(worldId.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
        TopicDescription d = cluster.admin().describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
        return d.partitions().get(partition).leader().id();
    }

    /** Writes {@code change} as a client should: on a retriable error, again with the same idempotency key, until acknowledged. */
    private static Saved writeUntilAcknowledged(HttpTestNode n, Change change) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                return n.store.write(change);
            } catch (WorldStoreException e) {
                if (!e.retriable() || System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    @Test
    void aLeaderKilledUnderLoadLosesAndDoublesNothingOnEitherNode() throws Exception {
        // given: two nodes and eight writers, each retrying with the same idempotency key until acknowledged
        String topic = TestKafka.uniqueName("cluster");
        HttpTestNode a = node(topic, "a", Map.of());
        HttpTestNode b = node(topic, "b", Map.of());
        String world = TestKafka.uniqueName("w");
        int perWriter = 120;
        Map<Key, Saved> acknowledged = new ConcurrentHashMap<>();
        AtomicInteger written = new AtomicInteger();
        ExecutorService writers = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            HttpTestNode via = t % 2 == 0 ? a : b;
            String writer = "t" + t;
            done.add(writers.submit(() -> {
                for (int i = 0; i < perWriter; i++) {
                    Key key = new Key.Entity(world, writer + "-" + i);
                    Change change = Change.putJson(key, "{\"id\":\"" + writer + "-" + i + "\",\"n\":" + i + "}")
                            .withIdempotencyKey(UUID.randomUUID().toString());
                    acknowledged.put(key, writeUntilAcknowledged(via, change));
                    written.incrementAndGet();
                }
                return null;
            }));
        }
        // when: the world's partition leader dies a third of the way in
        Awaitility.await().atMost(WAIT).until(() -> written.get() >= 8 * perWriter / 3);
        int leader = leaderOf(topic, world);
        cluster.brokers().get(leader).shutdown();
        for (Future<?> f : done) {
            f.get(3, TimeUnit.MINUTES);
        }
        writers.shutdown();
        cluster.brokers().get(leader).startup();
        // then: on both nodes, every acknowledged save is there once, with its version, and nothing else is
        LogPosition last = acknowledged.values().stream().map(Saved::position).max(java.util.Comparator.comparingLong(LogPosition::offset)).orElseThrow();
        for (HttpTestNode n : List.of(a, b)) {
            n.store.awaitPosition(last, WAIT);
            int stored = n.store.scan(new Scan(new Scan.Entities(world), null, 1000), ReadConsistency.LOCAL).items().size();
            assertEquals(8 * perWriter, stored, "entities on " + n.store.nodeId());
            for (Map.Entry<Key, Saved> e : acknowledged.entrySet()) {
                assertEquals(e.getValue().version(), n.store.read(e.getKey(), ReadConsistency.LOCAL).orElseThrow().version(),
                        e.getKey().describe());
                HistoryPage h = n.store.history(e.getKey(), Long.MAX_VALUE, 10, false, ReadConsistency.LOCAL);
                assertEquals(1, h.items().size(), "history of " + e.getKey().describe() + " on " + n.store.nodeId());
            }
        }
    }

    @Test
    void twoBrokersDownAndASaveFloodLeaveReadsAndLivenessAnsweringThenRetriesApplyOnce() throws Exception {
        // given: a node with a value to read, and two of three brokers gone (writes cannot reach min.insync.replicas)
        String topic = TestKafka.uniqueName("cluster");
        HttpTestNode a = node(topic, "a", Map.of("write.max.inflight.bytes", Integer.toString(16 << 20)));
        String w = "/v1/worlds/" + TestKafka.uniqueName("w");
        assertOk(a.put(w + "/state", "{\"weather\":\"rain\"}"));
        List<Integer> ids = new ArrayList<>(cluster.brokers().keySet());
        cluster.brokers().get(ids.get(0)).shutdown();
        cluster.brokers().get(ids.get(1)).shutdown();
        // when: 400 concurrent saves of 256 KB, each with its own idempotency key
        String big = "{\"blob\":\"" + "x".repeat(256 * 1024) + "\"}";
        List<String> keys = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> flood = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            String k = "flood-" + i;
            keys.add(k);
            flood.add(a.client.sendAsync(a.request(w + "/entities/e" + i).timeout(Duration.ofMinutes(2)).header("Content-Type",
                    "application/json").header("Idempotency-Key", k).PUT(HttpRequest.BodyPublishers.ofString(big)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        // then: while the flood is pending, loads and liveness keep answering (each within a 5 s request timeout)
        // (the slowest answer is reported, not asserted: tests never assert timings)
        int probes = 0;
        long slowestNanos = 0;
        while (!CompletableFuture.allOf(flood.toArray(CompletableFuture[]::new)).isDone() || probes < 5) {
            long t0 = System.nanoTime();
            HttpResponse<String> live = a.send(a.request("/health/live").timeout(Duration.ofSeconds(5)).GET().build());
            long t1 = System.nanoTime();
            assertEquals(200, live.statusCode());
            HttpResponse<String> read = a.send(a.request(w + "/state").timeout(Duration.ofSeconds(5)).GET().build());
            long t2 = System.nanoTime();
            assertEquals("rain", assertOk(read).get("weather").asText());
            slowestNanos = Math.max(slowestNanos, Math.max(t1 - t0, t2 - t1));
            probes++;
        }
        System.out.printf(java.util.Locale.ROOT, "ClusterFaultsIT: during the flood %d liveness + load probes, slowest answer %.1f ms%n",
                probes, slowestNanos / 1e6);
        List<Integer> refused = new ArrayList<>();
        for (int i = 0; i < flood.size(); i++) {
            HttpResponse<String> r = flood.get(i).get();
            if (r.statusCode() != 200) {
                assertEquals(503, r.statusCode(), r.body());
                String code = HttpTestNode.json(r).path("code").asText();
                assertTrue(code.equals("LOG_UNAVAILABLE") || code.equals("OUTCOME_UNKNOWN"), r.body());
                assertTrue(r.headers().firstValue("Retry-After").isPresent());
                refused.add(i);
            }
        }
        assertFalse(refused.isEmpty(), "with two of three brokers down no save can reach min.insync.replicas");
        // and when the brokers are back, a retry with the same key applies each save exactly once
        cluster.brokers().get(ids.get(0)).startup();
        cluster.brokers().get(ids.get(1)).startup();
        for (int i : refused) {
            String path = w + "/entities/e" + i;
            HttpResponse<String> retry = retryUntilOk(a, path, big, keys.get(i));
            long version = assertOk(retry).get("version").asLong();
            JsonNode history = assertOk(a.get(path + "/history"));
            assertEquals(1, history.path("items").size(), path);
            assertEquals(version, history.path("items").get(0).path("version").asLong(), path);
        }
    }

    /** PUTs with the idempotency key until the answer is no longer 503 (the cluster settling after the brokers' return). */
    private static HttpResponse<String> retryUntilOk(HttpTestNode n, String path, String body, String key) {
        AtomicReference<HttpResponse<String>> last = new AtomicReference<>();
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            last.set(n.send(n.request(path).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                    .header("Idempotency-Key", key).PUT(HttpRequest.BodyPublishers.ofString(body)).build()));
            return last.get().statusCode() != 503;
        });
        return last.get();
    }

    @Test
    void aNodeStartedWhileKafkaIsDownServesReadsReadOnlyAndRecoversByItself() throws Exception {
        // given: a node that projected a value, then stopped
        String topic = TestKafka.uniqueName("cluster");
        Map<String, String> settings = Map.of("write.timeout.ms", "3000");
        HttpTestNode first = node(topic, "a", settings);
        String w = "/v1/worlds/" + TestKafka.uniqueName("w");
        assertOk(first.put(w + "/state", "{\"weather\":\"snow\"}"));
        first.close();
        nodes.remove(first);
        // when: every broker is down and the node starts again on its data
        for (var broker : cluster.brokers().values()) {
            broker.shutdown();
        }
        HttpTestNode again = node(topic, "a", settings);
        // then: ready says degraded, loads answer from the projection, writes are refused at once
        JsonNode ready = assertOk(again.get("/health/ready"));
        assertEquals("DEGRADED", ready.path("status").asText());
        assertTrue(ready.path("detail").asText().startsWith("degraded: read-only"), ready.toString());
        assertEquals("snow", assertOk(again.get(w + "/state")).get("weather").asText());
        HttpResponse<String> write = again.put(w + "/state", "{\"weather\":\"sun\"}");
        assertEquals(503, write.statusCode(), write.body());
        assertEquals("LOG_UNAVAILABLE", HttpTestNode.json(write).path("code").asText());
        // and when Kafka returns, the node takes writes again by itself
        for (var broker : cluster.brokers().values()) {
            broker.startup();
        }
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(250))
                .until(() -> "READY".equals(HttpTestNode.json(again.get("/health/ready")).path("status").asText()));
        assertOk(again.put(w + "/state", "{\"weather\":\"sun\"}"));
        assertEquals("sun", assertOk(again.get(w + "/state")).get("weather").asText());
    }
}
