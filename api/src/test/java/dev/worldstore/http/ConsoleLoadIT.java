package dev.worldstore.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.Change;
import dev.worldstore.Key;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * The console with the benchmark world (10,000 entities and 100 players) in headless
 * Chromium: it checks that everything is drawn, scrubbed and followed live, and prints what it
 * measured (first render after sign-in, scrub steps, live lag at 1,000 changes/s) to standard
 * output and {@code target/console-artifacts/performance.txt}. It asserts behaviour, not timings.
 */
class ConsoleLoadIT {
    static final int ENTITIES = 10_000;
    static final int PLAYERS = 100;
    static final int MOVE_ROUNDS = 10;
    static final int SCRUBS = 20;
    static final int LIVE_SECONDS = 5;
    static final int LIVE_BATCHES_PER_SECOND = 10;
    static final int LIVE_BATCH = 100;

    @TempDir
    Path dir;

    static String entity(int i, double x, double z) {
        return "{\"id\":\"e-" + i + "\",\"type\":\"app\",\"blueprint\":\"bp-" + (i % 12) + "\",\"position\":[" + x + ",0," + z
                + "],\"quaternion\":[0,0,0,1],\"scale\":[1,1,1],\"state\":{\"hp\":" + (i % 100) + "},\"metadata\":{\"name\":\"thing " + i
                + "\"}}";
    }

    static double p(List<Double> sorted, double q) {
        return sorted.isEmpty() ? Double.NaN : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    @SuppressWarnings("unchecked")
    static List<Double> numbers(Object list) {
        List<Double> out = new ArrayList<>();
        for (Object o : (List<Object>) list) {
            out.add(((Number) o).doubleValue());
        }
        Collections.sort(out);
        return out;
    }

    @Test
    void tenThousandEntitiesAreDrawnScrubbedAndFollowedLive() throws IOException, InterruptedException {
        String admin = ApiKeys.newKey();
        Path keys = dir.resolve("keys.json");
        Files.writeString(keys, "{\"keys\": [{\"name\": \"admin\", \"hash\": \"" + ApiKeys.hash(admin) + "\", \"admin\": true}]}");
        String world = "console-load";
        try (HttpTestNode node = HttpTestNode.start(HttpTestNode.newTopic(), dir.resolve("node"), Map.of("http.auth.enabled", "true",
                "http.auth.keys.file", keys.toString())); ConsoleBrowser browser = ConsoleBrowser.start(dir)) {
            // given 10,000 entities on a 100 × 100 grid and 100 players, then 10 rounds that each move 1,000 entities
            for (int from = 0; from < ENTITIES; from += 1000) {
                List<Change> batch = new ArrayList<>();
                for (int i = from; i < from + 1000; i++) {
                    batch.add(Change.putJson(new Key.Entity(world, "e-" + i), entity(i, (i % 100) * 4, (i / 100) * 4)));
                }
                node.store.writeBatch(world, batch, "seed");
            }
            List<Change> players = new ArrayList<>();
            for (int i = 0; i < PLAYERS; i++) {
                players.add(Change.putJson(new Key.PlayerState(world, "p-" + i), "{\"position\":{\"x\":" + (i * 4) + ",\"y\":0,\"z\":-20},"
                        + "\"rotation\":{\"x\":0,\"y\":0,\"z\":0,\"w\":1},\"health\":100}"));
            }
            node.store.writeBatch(world, players, "seed");
            for (int round = 1; round <= MOVE_ROUNDS; round++) {
                long before = System.currentTimeMillis();
                List<Change> moves = new ArrayList<>();
                for (int i = round * 997 % ENTITIES, n = 0; n < 1000; n++, i = (i + 7) % ENTITIES) {
                    moves.add(Change.mergeJson(new Key.Entity(world, "e-" + i), "{\"position\":[" + (i % 100) * 4 + "," + round + ","
                            + ((i / 100) * 4 + round) + "]}"));
                }
                node.store.writeBatch(world, moves, "mover");
                org.awaitility.Awaitility.await().pollInterval(Duration.ofMillis(1)).until(() -> System.currentTimeMillis() > before + 5);
            }

            // when the admin signs in on the world
            browser.open(node.server.uri() + "/console?world=" + world);
            browser.await("the sign-in form", d -> browser.find("#signin-key").isDisplayed());
            browser.find("#signin-key").sendKeys(admin);
            browser.find("[data-testid=signin-submit]").click();

            // then all 10,100 markers are drawn
            browser.await("10,100 markers", Duration.ofSeconds(30), d -> "10100".equals(browser.js(
                    "return document.getElementById('map').dataset.markerCount || null;")) && "ready".equals(browser.js(
                    "return document.getElementById('map').dataset.status;")));
            double firstRender = ((Number) browser.await("the first render's time", d -> browser.js(
                    "return window.worldstoreConsole.perf.firstRender;"))).doubleValue();
            browser.screenshot(ConsoleIT.ARTIFACTS.resolve("map-10k.png"));

            // when the timeline is stepped back 20 times (each step: a snapshot of the world, then a redraw)
            WebElement timeline = browser.find("#timeline");
            browser.await("the timeline", d -> !timeline.getAttribute("data-cursor").isEmpty());
            browser.js("window.worldstoreConsole.perf.scrubs.length = 0;");
            timeline.sendKeys(Keys.END);
            browser.await("at the end", d -> "at".equals(browser.js("return window.worldstoreConsole.status().mode;"))
                    && ((Number) browser.js("return window.worldstoreConsole.perf.scrubs.length;")).intValue() == 1);
            for (int i = 0; i < SCRUBS; i++) {
                int n = i + 2;
                timeline.sendKeys(Keys.ARROW_LEFT);
                browser.await("scrub step " + (i + 1), d -> ((Number) browser.js("return window.worldstoreConsole.perf.scrubs.length;"))
                        .intValue() >= n && "ready".equals(browser.js("return document.getElementById('map').dataset.status;")));
            }
            List<Double> scrubs = numbers(browser.js("return window.worldstoreConsole.perf.scrubs.slice(1);"));
            List<Double> fetches = numbers(browser.js("return window.worldstoreConsole.perf.scrubParts.slice(1).map(a => a[0]);"));
            // then every step still shows all 10,100 markers (the entities moved, none was created or deleted)
            assertEquals("10100", browser.js("return document.getElementById('map').dataset.markerCount;"));

            // when the console follows the world live while 1,000 changes/s arrive (batches of 100, 10 a second, 5 s)
            browser.find("[data-testid=live]").click();
            browser.await("live", d -> "live".equals(browser.js("return window.worldstoreConsole.status().mode;"))
                    && "ready".equals(browser.js("return document.getElementById('map').dataset.status;")));
            browser.js("window.worldstoreConsole.perf.liveLag.length = 0; window.worldstoreConsole.perf.liveChanges = 0;");
            int total = LIVE_SECONDS * LIVE_BATCHES_PER_SECOND * LIVE_BATCH;
            AtomicInteger tick = new AtomicInteger();
            CountDownLatch sent = new CountDownLatch(LIVE_SECONDS * LIVE_BATCHES_PER_SECOND);
            List<CompletableFuture<?>> writes = Collections.synchronizedList(new ArrayList<>());
            ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();
            long liveStart = System.nanoTime();
            try {
                pace.scheduleAtFixedRate(() -> {
                    int t = tick.getAndIncrement();
                    if (t >= LIVE_SECONDS * LIVE_BATCHES_PER_SECOND) {
                        return;
                    }
                    List<Change> moves = new ArrayList<>();
                    for (int k = 0; k < LIVE_BATCH; k++) {
                        int i = (t * LIVE_BATCH + k) * 13 % ENTITIES;
                        moves.add(Change.mergeJson(new Key.Entity(world, "e-" + i), "{\"position\":[" + (t % 50) + ",0," + k + "]}"));
                    }
                    writes.add(node.store.writeBatchAsync(world, moves, "live"));
                    sent.countDown();
                }, 0, 1000 / LIVE_BATCHES_PER_SECOND, TimeUnit.MILLISECONDS);
                assertTrue(sent.await(60, TimeUnit.SECONDS));
            } finally {
                pace.shutdownNow();
            }
            double sendSeconds = (System.nanoTime() - liveStart) / 1e9;
            CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).join();

            // then the console applies every change
            browser.await("all live changes applied", Duration.ofSeconds(60), d -> ((Number) browser.js(
                    "return window.worldstoreConsole.perf.liveChanges;")).intValue() >= total);
            double applySeconds = (System.nanoTime() - liveStart) / 1e9;
            List<Double> lag = numbers(browser.js("return window.worldstoreConsole.perf.liveLag;"));
            assertEquals(total, ((Number) browser.js("return window.worldstoreConsole.perf.liveChanges;")).intValue());
            assertEquals("10100", browser.js("return document.getElementById('map').dataset.markerCount;"));

            String report = String.format(Locale.ROOT, """
                    console performance (ConsoleLoadIT: %,d entities + %,d players, headless Chromium %s, this machine)
                      first map render after sign-in: %.0f ms (sign-in click to the first frame with every marker)
                      scrub step (snapshot fetch + redraw), %d steps: p50 %.0f ms, p95 %.0f ms, max %.0f ms; of which the snapshot's fetch and parse p50 %.0f ms, p95 %.0f ms
                      live: %,d changes sent at %,d/s in %.1f s, all applied %.1f s after the first; lag (event time to applied) p50 %.0f ms, p95 %.0f ms, max %.0f ms
                    """, ENTITIES, PLAYERS, browser.driver.getCapabilities().getBrowserVersion(), firstRender, scrubs.size(), p(scrubs, 0.5),
                    p(scrubs, 0.95), p(scrubs, 1.0), p(fetches, 0.5), p(fetches, 0.95), total, LIVE_BATCHES_PER_SECOND * LIVE_BATCH,
                    sendSeconds, applySeconds, p(lag, 0.5), p(lag, 0.95), p(lag, 1.0));
            System.out.print(report);
            Files.createDirectories(ConsoleIT.ARTIFACTS);
            Files.writeString(ConsoleIT.ARTIFACTS.resolve("performance.txt"), report);
        }
    }
}
