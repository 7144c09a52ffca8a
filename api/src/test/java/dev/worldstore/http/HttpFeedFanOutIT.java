package dev.worldstore.http;

import static dev.worldstore.http.HttpAsserts.assertOk;
import static dev.worldstore.http.HttpAsserts.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.LogPosition;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The change feed at scale and at its edges, over real HTTP: many subscribers share the node's
 * in-memory tail while a writer runs, with subscribers that start behind it, fall behind it (a reader
 * that stops reading its socket) and resume by Last-Event-ID — every change reaches each once, in
 * log order, and the slow one never holds up the others. Resume points: the ready event's id (also
 * on an empty partition), the last id after a batch, and ids past the log's end (400, never a
 * replay).
 */
class HttpFeedFanOutIT {
    static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    static Path dir;
    static HttpTestNode node;
    /** One HttpClient for the many subscribers: its selector thread serves all of their connections. */
    static final HttpClient SUBSCRIBERS = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() {
        node = HttpTestNode.start(HttpTestNode.newTopic(), dir.resolve("node"), Map.of("kafka.topic.partitions", "2",
                "feed.buffer.bytes", Integer.toString(1024 * 1024), "feed.catchup.max.count", "4", "http.sse.heartbeat.ms", "500"));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static String run() {
        return UUID.randomUUID().toString().substring(0, 6);
    }

    /** Saves and returns the position the feed must report for it. */
    private static String save(String world, String key, String json) {
        HttpResponse<String> r = node.put("/v1/worlds/" + world + "/entities/" + key, json);
        assertOk(r);
        return r.headers().firstValue("X-Worldstore-Position").orElseThrow();
    }

    private static List<String> inLogOrder(List<String> positions) {
        List<String> sorted = new ArrayList<>(positions);
        sorted.sort(Comparator.comparingLong(p -> LogPosition.parse(p).offset()));
        return sorted;
    }

    @Test
    void twoHundredSubscribersGetEveryChangeOnceInOrderIncludingThoseThatStartBehindAndThoseThatResume() {
        String run = run();
        int worlds = 20;
        String pad = "y".repeat(3000);
        // given 20 worlds with some history, pushed out of the node's 1 MiB tail by other traffic
        Map<Integer, List<String>> written = new ConcurrentHashMap<>();
        for (int w = 0; w < worlds; w++) {
            List<String> l = Collections.synchronizedList(new ArrayList<>());
            for (int i = 0; i < 3; i++) {
                l.add(save(run + "-w" + w, "e" + i, "{\"before\":" + i + "}"));
            }
            written.put(w, l);
        }
        for (int i = 0; i < 400; i++) {
            save(run + "-busy", "b" + (i % 10), "{\"pad\":\"" + pad + "\"}");
        }
        // and 10 subscribers per world: 7 live, 2 resuming after the world's first change (behind the tail), 1 that will reconnect
        List<Sub> subs = new ArrayList<>();
        for (int w = 0; w < worlds; w++) {
            String world = run + "-w" + w;
            for (int s = 0; s < 10; s++) {
                String from = s == 7 || s == 8 ? written.get(w).get(0) : null;
                subs.add(Sub.open(world, w, from, s == 9));
            }
        }
        subs.forEach(Sub::awaitReady);
        List<String> readyAt = new ArrayList<>();
        for (Sub s : subs) {
            readyAt.add(s.readyId);
        }

        // when a writer saves 10 changes to each world, interleaved, while a reconnecting subscriber drops and comes back
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 10; i++) {
                for (int w = 0; w < worlds; w++) {
                    written.get(w).add(save(run + "-w" + w, "e" + (i % 4), "{\"n\":" + i + "}"));
                }
            }
        });
        for (Sub s : subs) {
            if (s.reconnects) {
                Awaitility.await().atMost(WAIT).until(() -> s.ids.size() >= 2 || writer.isDone());
                s.reconnect();
            }
        }
        writer.join();

        // then every subscriber got exactly the world's changes after its start, once each, in log order
        for (Sub s : subs) {
            List<String> all = inLogOrder(written.get(s.world));
            LogPosition start = s.from != null ? LogPosition.parse(s.from) : LogPosition.parse(s.firstReadyId);
            List<String> expected = all.stream().filter(p -> LogPosition.parse(p).offset() > start.offset()).toList();
            Awaitility.await().atMost(WAIT).until(() -> s.ids.size() >= expected.size());
            assertEquals(expected, List.copyOf(s.ids), s.describe());
        }
        subs.forEach(Sub::close);
        assertTrue(readyAt.stream().allMatch(id -> id != null && !id.isEmpty()), "every ready event has an id");
    }

    @Test
    void aSubscriberThatStopsReadingNeitherDelaysTheOthersNorMissesAnythingWhenItReadsAgain() throws IOException {
        String world = run() + "-slowpoke";
        String big = "z".repeat(40_000);
        // given three subscribers that read, and one whose socket is read by nobody for now
        List<Sub> fast = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            fast.add(Sub.open(world, 0, null, false));
        }
        fast.forEach(Sub::awaitReady);
        try (RawSse slow = RawSse.open(node.server.uri(), "/v1/worlds/" + world + "/changes")) {
            // when 8 MB of changes go by (far more than the socket buffers and the node's 1 MiB tail hold)
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                expected.add(save(world, "e" + (i % 5), "{\"n\":" + i + ",\"pad\":\"" + big + "\"}"));
            }
            expected = inLogOrder(expected);
            // then the fast ones got all of it while the slow one still had not read a byte
            for (Sub s : fast) {
                List<String> want = expected;
                Awaitility.await().atMost(WAIT).until(() -> s.ids.size() >= want.size());
                assertEquals(expected, List.copyOf(s.ids));
            }
            // and the slow one, reading at last, gets every change once, in order (from the log, then the tail)
            String after = save(world, "last", "{\"n\":-1}");
            expected.add(after);
            List<String> got = slow.readIds(expected.size(), WAIT);
            assertEquals(expected, got);
        } finally {
            fast.forEach(Sub::close);
        }
    }

    @Test
    void resumingWithTheReadyIdOnAnEmptyPartitionLosesNothingAndRepeatsNothing(@TempDir Path own) {
        // given a node on a new topic, so the world's partition has never had a record
        try (HttpTestNode fresh = HttpTestNode.start(HttpTestNode.newTopic(), own.resolve("n"), Map.of("kafka.topic.partitions", "1"))) {
            String world = "first-" + run();
            String readyId;
            try (SseTestClient feed = SseTestClient.open(fresh.client, fresh.request("/v1/worlds/" + world + "/changes").GET().build())) {
                SseTestClient.Event ready = feed.next(WAIT);
                assertEquals("ready", ready.event());
                readyId = ready.id();
            }
            // then the ready id names the partition's start (EventSource keeps it and sends it back)
            assertEquals("0-start", readyId);
            // when a change is made while disconnected and the client resumes with that id
            HttpResponse<String> saved = fresh.put("/v1/worlds/" + world + "/state", "{\"n\":1}");
            assertOk(saved);
            String position = saved.headers().firstValue("X-Worldstore-Position").orElseThrow();
            try (SseTestClient feed = SseTestClient.open(fresh.client, fresh.request("/v1/worlds/" + world + "/changes")
                    .header("Last-Event-ID", readyId).GET().build())) {
                assertEquals(readyId, feed.next(WAIT).id(), "ready repeats the resume point");
                assertEquals(position, feed.next(WAIT).id(), "the change made while away, once");
                String next = fresh.put("/v1/worlds/" + world + "/state", "{\"n\":2}").headers().firstValue("X-Worldstore-Position")
                        .orElseThrow();
                assertEquals(next, feed.next(WAIT).id(), "then live, with nothing repeated");
            }
            // and ?from= takes the same id
            try (SseTestClient feed = SseTestClient.open(fresh.client, fresh.request("/v1/worlds/" + world + "/changes?from="
                    + readyId).GET().build())) {
                assertEquals("ready", feed.next(WAIT).event());
                assertEquals(position, feed.next(WAIT).id());
            }
        }
    }

    @Test
    void resumingWithTheReadyIdOrAfterABatchLosesNothingAndRepeatsNothing() {
        String world = run() + "-edges";
        save(world, "a", "{\"n\":0}");
        // given a client that got only the ready event, then dropped
        String readyId;
        try (SseTestClient feed = SseTestClient.open(node.client, node.request("/v1/worlds/" + world + "/changes").GET().build())) {
            readyId = feed.next(WAIT).id();
        }
        // when a batch is made meanwhile and the client resumes with the ready id
        HttpResponse<String> batch = node.call("POST", "/v1/worlds/" + world + "/batch", """
                {"changes": [{"op": "put", "table": "entity_states", "entityId": "a", "value": {"n": 1}},
                             {"op": "put", "table": "entity_states", "entityId": "b", "value": {"n": 1}}]}""");
        assertOk(batch);
        String batchId = HttpTestNode.json(batch).path("position").asText();
        String afterBatch;
        try (SseTestClient feed = SseTestClient.open(node.client, node.request("/v1/worlds/" + world + "/changes")
                .header("Last-Event-ID", readyId).GET().build())) {
            assertEquals("ready", feed.next(WAIT).event());
            SseTestClient.Event e = feed.next(WAIT);
            // then it gets the batch, whole, once
            assertEquals("batch", e.event());
            assertEquals(batchId, e.id());
            afterBatch = save(world, "c", "{\"n\":2}");
            assertEquals(afterBatch, feed.next(WAIT).id());
        }
        // and resuming after the batch's id starts right after it
        try (SseTestClient feed = SseTestClient.open(node.client, node.request("/v1/worlds/" + world + "/changes")
                .header("Last-Event-ID", batchId).GET().build())) {
            assertEquals("ready", feed.next(WAIT).event());
            assertEquals(afterBatch, feed.next(WAIT).id());
        }
    }

    @Test
    void resumePointsPastTheLogsEndAreRefusedNotReplayedFromTheStart() {
        String world = run() + "-ahead";
        LogPosition last = LogPosition.parse(save(world, "a", "{\"n\":0}"));
        String atEnd = new LogPosition(last.partition(), last.offset() + 1).toString(); // an id no change has yet
        String farAhead = new LogPosition(last.partition(), last.offset() + 1000).toString();
        // when a client resumes after a position the log has not reached, then 400 naming where it came from
        assertProblem(node.get("/v1/worlds/" + world + "/changes", "Last-Event-ID", atEnd), 400, "INVALID_ARGUMENT", "Last-Event-ID");
        assertProblem(node.get("/v1/worlds/" + world + "/changes?from=" + farAhead), 400, "INVALID_ARGUMENT", "from");
        assertProblem(node.get("/v1/worlds/" + world + "/changes", "Last-Event-ID", last.partition() + "-" + Long.MAX_VALUE), 400,
                "INVALID_ARGUMENT", "Last-Event-ID");
        // and the last existing position is fine: the stream waits for the next change
        try (SseTestClient feed = SseTestClient.open(node.client, node.request("/v1/worlds/" + world + "/changes")
                .header("Last-Event-ID", last.toString()).GET().build())) {
            assertEquals("ready", feed.next(WAIT).event());
            String next = save(world, "a", "{\"n\":1}");
            assertEquals(next, feed.next(WAIT).id());
        }
    }

    // ---- subscribers ----------------------------------------------------------------------------------

    /** An SSE subscriber on the shared HttpClient: parses lines as they arrive, no thread of its own; can drop and resume. */
    static final class Sub {
        final String worldId;
        final int world;
        final String from;
        final boolean reconnects;
        final List<String> ids = Collections.synchronizedList(new ArrayList<>());
        volatile String readyId;
        volatile String firstReadyId;
        private final java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
        private Connection current;
        private int generation;

        private Sub(String worldId, int world, String from, boolean reconnects) {
            this.worldId = worldId;
            this.world = world;
            this.from = from;
            this.reconnects = reconnects;
        }

        static Sub open(String worldId, int world, String from, boolean reconnects) {
            Sub s = new Sub(worldId, world, from, reconnects);
            s.connect(from);
            return s;
        }

        private void connect(String lastEventId) {
            HttpRequest.Builder b = HttpRequest.newBuilder(node.uri("/v1/worlds/" + worldId + "/changes"));
            if (lastEventId != null) {
                b.header("Last-Event-ID", lastEventId);
            }
            Connection c;
            synchronized (ids) {
                c = new Connection(++generation);
                current = c;
            }
            SUBSCRIBERS.sendAsync(b.GET().build(), HttpResponse.BodyHandlers.fromLineSubscriber(c));
        }

        void awaitReady() {
            try {
                assertTrue(ready.await(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS), "ready within " + WAIT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** Drops the connection and resumes with the last id it was sent (nothing the old one delivers later counts). */
        void reconnect() {
            String last;
            synchronized (ids) {
                last = ids.isEmpty() ? readyId : ids.get(ids.size() - 1);
                generation++;
                current.cancel();
            }
            connect(last);
        }

        void close() {
            synchronized (ids) {
                generation++;
                current.cancel();
            }
        }

        String describe() {
            return "subscriber of " + worldId + " (from " + from + ", ready " + firstReadyId + (reconnects ? ", reconnected" : "") + ")";
        }

        private final class Connection implements Flow.Subscriber<String> {
            private final int gen;
            private volatile Flow.Subscription subscription;
            private volatile boolean cancelled;
            private String id;
            private String event;

            Connection(int gen) {
                this.gen = gen;
            }

            void cancel() {
                cancelled = true;
                Flow.Subscription s = subscription;
                if (s != null) {
                    s.cancel();
                }
            }

            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                if (cancelled) {
                    s.cancel();
                } else {
                    s.request(Long.MAX_VALUE);
                }
            }

            @Override
            public void onNext(String line) {
                if (line.startsWith("id:")) {
                    id = line.substring(3).trim();
                } else if (line.startsWith("event:")) {
                    event = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    synchronized (ids) {
                        if (gen != generation) {
                            return;
                        }
                        if ("ready".equals(event)) {
                            readyId = id;
                            if (firstReadyId == null) {
                                firstReadyId = id;
                            }
                            ready.countDown();
                        } else {
                            ids.add(id);
                        }
                    }
                } else if (line.isEmpty()) {
                    id = null;
                    event = null;
                }
            }

            @Override
            public void onError(Throwable t) {
                ready.countDown();
            }

            @Override
            public void onComplete() {
                ready.countDown();
            }
        }
    }

    /**
     * An SSE client on a plain socket with a tiny receive buffer, read only when the test says so: a
     * client that stops reading. Decodes HTTP/1.1 chunked framing and returns event ids.
     */
    static final class RawSse implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;

        private RawSse(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
        }

        static RawSse open(URI base, String path) throws IOException {
            Socket s = new Socket();
            s.setReceiveBufferSize(4096);
            s.connect(new java.net.InetSocketAddress(base.getHost(), base.getPort()), 10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                    + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            RawSse r = new RawSse(s);
            String status = r.line();
            assertTrue(status.contains(" 200 "), status);
            while (!r.line().isEmpty()) {
                // headers
            }
            return r;
        }

        private String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                if (c != '\r') {
                    b.write(c);
                }
            }
            return b.toString(StandardCharsets.UTF_8);
        }

        /** Reads until {@code n} change events (not ready, not comments) arrived; returns their ids. */
        List<String> readIds(int n, Duration timeout) throws IOException {
            socket.setSoTimeout((int) timeout.toMillis());
            List<String> ids = new ArrayList<>();
            StringBuilder text = new StringBuilder();
            while (ids.size() < n) {
                int size = Integer.parseInt(line().trim(), 16);
                byte[] chunk = in.readNBytes(size);
                line();
                text.append(new String(chunk, StandardCharsets.UTF_8));
                int end;
                while ((end = text.indexOf("\n\n")) >= 0) {
                    String event = text.substring(0, end);
                    text.delete(0, end + 2);
                    String id = null;
                    boolean ready = false;
                    for (String l : event.split("\n")) {
                        if (l.startsWith("id:")) {
                            id = l.substring(3).trim();
                        } else if (l.startsWith("event: ready")) {
                            ready = true;
                        }
                    }
                    if (id != null && !ready) {
                        ids.add(id);
                    }
                }
            }
            return ids;
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
