package dev.worldstore.http;

import static dev.worldstore.http.HttpTestNode.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.Change;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * The world console in a real headless Chromium against a real worldstore server (embedded Kafka,
 * RocksDB, HTTP with API keys): sign-in, the map, the time scrubber, replay, live updates, the
 * inspector, the audit log, restore, the ops panel, the URL, and hostile values shown as text.
 * Assertions read what the console shows from the DOM and its test hook, never from pixels.
 */
class ConsoleIT {
    @TempDir
    static Path dir;
    static HttpTestNode node;
    static ConsoleBrowser browser;
    static final Path ARTIFACTS = Path.of("target", "console-artifacts");

    static final String ADMIN = ApiKeys.newKey();
    /** Sees its worlds but not every app: the server refuses it restore and fork. */
    static final String VIEWER = ApiKeys.newKey();
    static final AtomicInteger WORLDS = new AtomicInteger();

    @BeforeAll
    static void start() throws IOException {
        node = HttpTestNode.startWithKeys(dir, Map.of(),
                key("admin", ADMIN, "\"admin\": true"),
                key("viewer", VIEWER, "\"worlds\": [\"console-viewer-1\"]"));
        browser = ConsoleBrowser.start(dir);
    }

    @AfterAll
    static void stop() {
        try {
            if (browser != null) {
                browser.close();
            }
        } finally {
            node.close();
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    static String newWorld() {
        return "console-" + WORLDS.incrementAndGet() + "-" + Long.toString(System.nanoTime(), 36);
    }

    static String url(String pathAndQuery) {
        return node.server.uri() + pathAndQuery;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Opens {@code pathAndQuery} in a tab that holds no key yet. */
    static void openSignedOut(String pathAndQuery) {
        browser.open(url("/health/live"));
        browser.js("sessionStorage.clear();");
        browser.open(url(pathAndQuery));
        browser.await("the sign-in form", d -> browser.find("#signin-key").isDisplayed());
    }

    static void typeKeyAndSubmit(String key) {
        WebElement input = browser.find("#signin-key");
        input.clear();
        input.sendKeys(key);
        browser.find("[data-testid=signin-submit]").click();
    }

    /** Signs in with {@code key} on {@code pathAndQuery} and waits for the map of {@code world}. */
    static void signIn(String pathAndQuery, String key, String world) {
        openSignedOut(pathAndQuery);
        typeKeyAndSubmit(key);
        awaitMap(world);
    }

    static void awaitMap(String world) {
        browser.await("the map of " + world + " ready", d -> "ready".equals(mapData("status")) && world.equals(mapData("world")));
    }

    static String mapData(String name) {
        return (String) browser.js("return document.getElementById('map').dataset[arguments[0]] || null;", name);
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> markers() {
        return (List<Map<String, Object>>) browser.js("return window.worldstoreConsole.markers();");
    }

    static Map<String, Object> marker(String key) {
        return markers().stream().filter(m -> key.equals(m.get("key"))).findFirst().orElse(null);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> status() {
        return (Map<String, Object>) browser.js("return window.worldstoreConsole.status();");
    }

    static boolean at(Map<String, Object> m, double x, double z) {
        return m != null && Math.abs(((Number) m.get("x")).doubleValue() - x) < 1e-9 && Math.abs(((Number) m.get("z")).doubleValue() - z) < 1e-9;
    }

    static String entity(String id, String blueprint, double x, double z, String name) {
        com.fasterxml.jackson.databind.node.ObjectNode n = Json.object().put("id", id).put("type", "app").put("blueprint", blueprint);
        n.putArray("position").add(num(x)).add(1).add(num(z));
        n.putArray("quaternion").add(0).add(0).add(0).add(1);
        n.putObject("metadata").put("name", name);
        return n.toString();
    }

    /** Whole numbers as integers (so a value reads back as [0,1,0], not [0.0,1,0.0]). */
    static com.fasterxml.jackson.databind.JsonNode num(double v) {
        return v == Math.rint(v) ? Json.object().numberNode((long) v) : Json.object().numberNode(v);
    }

    static String player(double x, double z) {
        return "{\"position\":{\"x\":" + x + ",\"y\":0,\"z\":" + z + "},\"rotation\":{\"x\":0,\"y\":0.7071,\"z\":0,\"w\":0.7071},\"health\":100}";
    }

    /** Seeds {@code entities} entities e-0… on a grid and {@code players} players p-0… as one batch of actor "builder". */
    static LogPosition seed(String world, int entities, int players) {
        List<Change> changes = new ArrayList<>();
        String[] blueprints = {"tree", "rock", "door", "lamp"};
        for (int i = 0; i < entities; i++) {
            changes.add(Change.putJson(new Key.Entity(world, "e-" + i), entity("e-" + i, blueprints[i % 4], (i % 10) * 10, (i / 10) * 10,
                    blueprints[i % 4] + " " + i)));
        }
        for (int i = 0; i < players; i++) {
            changes.add(Change.putJson(new Key.PlayerState(world, "p-" + i), player(-20 - i * 5, 15 + i)));
        }
        return node.store.writeBatch(world, changes, "builder").position();
    }

    /** Waits until the wall clock is past {@code ms}: changes made after it get a later timestamp. */
    static void pastMillisecond(long ms) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(1))
                .until(() -> System.currentTimeMillis() > ms + 1);
    }

    static void assertNothingRan() {
        Map<String, List<String>> w = browser.watched();
        assertEquals(List.of(), w.get("dialogs"), "no dialog opened");
        assertEquals(List.of(), w.get("errors"), "no script or console error");
        assertEquals(List.of(), w.get("csp"), "no Content-Security-Policy violation");
    }

    // ---- sign-in ----------------------------------------------------------------------------------

    @Test
    void aWrongKeyShowsTheUnauthorizedProblemAndNoWorld() {
        // given the console, signed out
        openSignedOut("/console");

        // when a key the server does not know is submitted
        typeKeyAndSubmit("wsk_not-a-key-the-server-knows");

        // then the 401 problem document's title and detail are shown, and the console stays closed
        WebElement error = browser.await("the sign-in error", d -> {
            WebElement e = browser.find("[data-testid=signin-error]");
            return e.isDisplayed() ? e : null;
        });
        assertEquals("401", error.getAttribute("data-status"));
        assertEquals("UNAUTHORIZED", error.getAttribute("data-code"));
        assertEquals("Authentication required", browser.find("#signin-error-title").getText());
        assertEquals("the API key is not valid", browser.find("#signin-error-detail").getText());
        assertFalse(browser.find("#app").isDisplayed());
        assertEquals(null, browser.js("return sessionStorage.getItem('worldstore.apiKey');"), "a refused key is not kept");
        assertNothingRan();
    }

    @Test
    void signingInShowsTheWorldListAndAMarkerForEveryEntityAndPlayer() {
        // given a world of 40 entities (four blueprints) and 3 players with saved positions
        String world = newWorld();
        seed(world, 40, 3);

        // when the admin signs in and picks the world
        signIn("/console?world=" + world, ADMIN, world);

        // then the map draws 43 markers, exactly the seeded ids, and the legend counts each blueprint
        assertEquals("43", mapData("markerCount"));
        Set<String> ids = new TreeSet<>();
        markers().forEach(m -> ids.add((String) m.get("key")));
        Set<String> expected = new TreeSet<>();
        for (int i = 0; i < 40; i++) {
            expected.add("entity:e-" + i);
        }
        for (int i = 0; i < 3; i++) {
            expected.add("player:p-" + i);
        }
        assertEquals(expected, ids);
        String legend = browser.find("[data-testid=legend]").getText();
        assertTrue(legend.contains("tree") && legend.contains("door") && legend.contains("players"), legend);
        // and the world list names the world with its counts, and the key is stored for this tab only
        WebElement option = browser.find("#world-select option[value='" + world + "']");
        assertEquals("40", option.getAttribute("data-entities"));
        assertEquals("3", option.getAttribute("data-players"));
        assertEquals(ADMIN, browser.js("return sessionStorage.getItem('worldstore.apiKey');"));
        assertEquals(0L, browser.js("return document.cookie.length;"), "no cookie carries the key");
        browser.screenshot(ARTIFACTS.resolve("map.png"));
        assertNothingRan();
    }

    // ---- time ---------------------------------------------------------------------------------------

    @Test
    void scrubbingToBeforeAMoveDrawsTheEntityAtItsOldPosition() {
        // given e-3 created at (30, 0), then moved to (77, -40)
        String world = newWorld();
        seed(world, 10, 1);
        pastMillisecond(System.currentTimeMillis());
        HttpResponse<String> moved = node.callAs(ADMIN, "PATCH", "/v1/worlds/" + world + "/entities/e-3", "{\"position\":[77,1,-40]}");
        assertEquals(200, moved.statusCode(), moved.body());
        signIn("/console?world=" + world, ADMIN, world);
        assertTrue(at(marker("entity:e-3"), 77, -40), "live: the new position");

        // when the timeline is scrubbed to its start (a click at its left edge, before the move)
        WebElement timeline = browser.find("#timeline");
        browser.await("the timeline loaded", d -> !timeline.getAttribute("data-cursor").isEmpty());
        new Actions(browser.driver).moveToElement(timeline, -timeline.getSize().getWidth() / 2 + 2, 0).click().perform();

        // then the map shows the world as it was: e-3 at its old position, the URL names the instant
        browser.await("e-3 at its old position", d -> "at".equals(status().get("mode")) && "ready".equals(mapData("status"))
                && at(marker("entity:e-3"), 30, 0));
        assertTrue(browser.driver.getCurrentUrl().contains("at="), browser.driver.getCurrentUrl());

        // when scrubbed to the end with the keyboard
        timeline.sendKeys(Keys.END);

        // then e-3 is at its new position again
        browser.await("e-3 moved again", d -> "ready".equals(mapData("status")) && at(marker("entity:e-3"), 77, -40));
        assertNothingRan();
    }

    @Test
    void replayPlaysTheMovesForwardFromTheScrubbedInstant() {
        // given e-0 moved three times after it was created
        String world = newWorld();
        LogPosition created = seed(world, 5, 0);
        for (int i = 1; i <= 3; i++) {
            pastMillisecond(System.currentTimeMillis());
            assertEquals(200, node.callAs(ADMIN, "PATCH", "/v1/worlds/" + world + "/entities/e-0", "{\"position\":[" + (i * 100) + ",1,5]}")
                    .statusCode());
        }
        // and the console opened at the creation (a position in the URL)
        signIn("/console?world=" + world + "&at=" + created, ADMIN, world);
        assertTrue(at(marker("entity:e-0"), 0, 0));
        browser.await("the cursor at the creation's instant", d -> status().get("atMs") != null);

        // when history is replayed at 3600×
        new org.openqa.selenium.support.ui.Select(browser.find("#speed")).selectByValue("3600");
        browser.find("[data-testid=play]").click();

        // then e-0 ends where the last move put it and the replay stops at the end of the log
        browser.await("the replay reached the last move", Duration.ofSeconds(30), d -> "at".equals(status().get("mode"))
                && at(marker("entity:e-0"), 300, 5));
        assertNothingRan();
    }

    @Test
    void aLivePutMovesTheMarkerWithinTwoSeconds() {
        // given the console following a world live
        String world = newWorld();
        seed(world, 5, 1);
        signIn("/console?world=" + world, ADMIN, world);
        assertEquals("live", status().get("mode"));
        assertTrue(at(marker("entity:e-2"), 20, 0));

        // when another client saves e-2 at a new position
        HttpResponse<String> put = node.callAs(ADMIN, "PUT", "/v1/worlds/" + world + "/entities/e-2", entity("e-2", "rock", -55, 66, "moved"));
        assertEquals(200, put.statusCode(), put.body());

        // then the marker moves within 2 s, and a new entity appears as well
        browser.await("e-2 moved live", Duration.ofSeconds(2), d -> at(marker("entity:e-2"), -55, 66));
        assertEquals(200, node.callAs(ADMIN, "PUT", "/v1/worlds/" + world + "/entities/new-1", entity("new-1", "lamp", 1, 2, "new")).statusCode());
        browser.await("new-1 drawn", Duration.ofSeconds(2), d -> marker("entity:new-1") != null && "7".equals(mapData("markerCount")));
        assertNothingRan();
    }

    // ---- inspector and audit ------------------------------------------------------------------------

    @Test
    void theInspectorShowsTheHistoryNewestFirstWithTheDiffActorAndOrigin() {
        // given e-1 created by "builder" (a batch) and renamed and moved by "admin" (over HTTP)
        String world = newWorld();
        seed(world, 4, 0);
        HttpResponse<String> patched = node.callAs(ADMIN, "PATCH", "/v1/worlds/" + world + "/entities/e-1",
                "{\"position\":[11,1,-3],\"metadata\":{\"name\":\"renamed\"},\"tags\":[\"a\",\"b\"]}");
        assertEquals(200, patched.statusCode(), patched.body());

        // when e-1 is clicked on the map
        signIn("/console?world=" + world, ADMIN, world);
        Map<String, Object> m = marker("entity:e-1");
        clickAt(m);

        // then the inspector shows its value and its two versions, newest first, with who, where and what changed
        browser.await("the inspector's history", d -> browser.findAll("[data-testid=inspector-history] li.version").size() == 2);
        assertEquals("e-1", browser.find("[data-testid=inspector-id]").getText());
        assertTrue(browser.find("[data-testid=inspector-value]").getText().contains("\"renamed\""));
        List<WebElement> versions = browser.findAll("[data-testid=inspector-history] li.version");
        WebElement newest = versions.get(0);
        assertEquals("merge-patch", newest.getAttribute("data-op"));
        assertEquals("admin", newest.findElement(org.openqa.selenium.By.cssSelector("[data-testid=actor]")).getText());
        assertEquals(node.store.nodeId(), newest.findElement(org.openqa.selenium.By.cssSelector("[data-testid=origin]")).getText());
        Map<String, String> diff = new java.util.TreeMap<>();
        for (WebElement row : newest.findElements(org.openqa.selenium.By.cssSelector("table.diff tr"))) {
            diff.put(row.getAttribute("data-path"), row.getAttribute("data-kind"));
        }
        assertEquals(Map.of("position[0]", "changed", "position[2]", "changed", "metadata.name", "changed", "tags", "added"), diff);
        assertEquals("builder", versions.get(1).findElement(org.openqa.selenium.By.cssSelector("[data-testid=actor]")).getText());
        assertTrue(browser.driver.getCurrentUrl().contains("key=entity%3Ae-1") || browser.driver.getCurrentUrl().contains("key=entity:e-1"),
                browser.driver.getCurrentUrl());
        browser.screenshot(ARTIFACTS.resolve("inspector.png"));
        assertNothingRan();
    }

    static void clickAt(Map<String, Object> m) {
        WebElement map = browser.find("#map");
        double dx = ((Number) m.get("sx")).doubleValue() - map.getSize().getWidth() / 2.0;
        double dy = ((Number) m.get("sy")).doubleValue() - map.getSize().getHeight() / 2.0;
        new Actions(browser.driver).moveToElement(map, (int) Math.round(dx), (int) Math.round(dy)).click().perform();
    }

    @Test
    void theAuditLogFiltersByActorShowsABatchAsOneRowAndLinksToTheKeyAtThatTime() {
        // given a batch by "builder" and two single changes by "admin"
        String world = newWorld();
        seed(world, 3, 2);
        assertEquals(200, node.callAs(ADMIN, "PATCH", "/v1/worlds/" + world + "/entities/e-0", "{\"position\":[500,1,500]}").statusCode());
        assertEquals(200, node.callAs(ADMIN, "PUT", "/v1/worlds/" + world + "/state", "{\"weather\":\"rain\"}").statusCode());
        signIn("/console?world=" + world, ADMIN, world);

        // when the audit log is opened
        browser.find(".tabs button[data-tab=audit]").click();

        // then it lists three events in log order, the batch as one row with its five changes
        browser.await("three audit rows", d -> browser.findAll("[data-testid=audit-table] tbody tr").size() == 3);
        List<WebElement> rows = browser.findAll("[data-testid=audit-table] tbody tr");
        assertEquals("batch", rows.get(0).getAttribute("data-op"));
        assertEquals(5, rows.get(0).findElements(org.openqa.selenium.By.cssSelector(".batch-changes li")).size());
        assertEquals("builder", rows.get(0).findElement(org.openqa.selenium.By.cssSelector("[data-testid=audit-actor]")).getText());

        // when filtered by actor admin
        WebElement actor = browser.find("[data-testid=audit-filters] input[name=actor]");
        actor.sendKeys("admin");
        browser.find("[data-testid=audit-filters] button[type=submit]").click();

        // then only the admin's two changes remain
        browser.await("two admin rows", d -> {
            List<WebElement> r = browser.findAll("[data-testid=audit-table] tbody tr");
            return r.size() == 2 && r.stream().allMatch(x -> x.findElement(org.openqa.selenium.By.cssSelector("[data-testid=audit-actor]"))
                    .getText().equals("admin"));
        });

        // when the batch's first change is opened from an unfiltered log
        actor.clear();
        browser.find("[data-testid=audit-filters] button[type=submit]").click();
        browser.await("three audit rows again", d -> browser.findAll("[data-testid=audit-table] tbody tr").size() == 3);
        WebElement first = browser.findAll("[data-testid=audit-table] tbody tr").get(0);
        String position = first.getAttribute("data-position");
        first.findElement(org.openqa.selenium.By.cssSelector("details summary")).click();
        first.findElement(org.openqa.selenium.By.cssSelector(".batch-changes li button")).click();

        // then the map shows the world at that position (e-0 not yet moved) with e-0 selected
        browser.await("the map at the batch", d -> position.equals(status().get("at")) && "ready".equals(mapData("status"))
                && "entity:e-0".equals(status().get("selection")));
        assertTrue(at(marker("entity:e-0"), 0, 0));
        assertNothingRan();
    }

    // ---- safety -------------------------------------------------------------------------------------

    @Test
    void hostileValuesAreShownAsTextAndRunNothing() {
        // given an entity whose name, id field and blueprint are HTML and script payloads
        String world = newWorld();
        String payload = "<img src=x onerror=alert('xss')><script>alert('xss2')</script>";
        node.store.writeBatch(world, List.of(
                Change.putJson(new Key.Entity(world, "evil"), "{\"id\":\"evil\",\"blueprint\":" + Json.object().put("b", payload).get("b")
                        + ",\"position\":[0,0,0],\"metadata\":{\"name\":" + Json.object().put("n", payload).get("n") + "}}"),
                Change.putJson(new Key.Entity(world, "plain"), entity("plain", "tree", 50, 50, "plain"))), "builder");
        signIn("/console?world=" + world, ADMIN, world);

        // when the pointer hovers the hostile entity, and it is opened in the inspector and the audit log
        Map<String, Object> evil = marker("entity:evil");
        WebElement map = browser.find("#map");
        new Actions(browser.driver).moveToElement(map, (int) Math.round(((Number) evil.get("sx")).doubleValue() - map.getSize().getWidth() / 2.0),
                (int) Math.round(((Number) evil.get("sy")).doubleValue() - map.getSize().getHeight() / 2.0)).perform();
        WebElement tooltip = browser.await("the tooltip", d -> {
            WebElement t = browser.find("[data-testid=tooltip]");
            return t.isDisplayed() ? t : null;
        });
        String tip = tooltip.getText();
        clickAt(evil);
        browser.await("the inspector", d -> browser.findAll("[data-testid=inspector-history] li.version").size() == 1);
        browser.find(".tabs button[data-tab=audit]").click();
        browser.await("the audit row", d -> browser.findAll("[data-testid=audit-table] tbody tr").size() == 1);

        // then the payload's characters are displayed as they are, and no element, dialog or script came of them
        assertTrue(tip.contains(payload), tip);
        assertTrue(browser.find("[data-testid=legend]").getText().contains(payload));
        assertTrue(browser.find("[data-testid=inspector-value]").getAttribute("textContent").contains(payload));
        assertEquals(0L, browser.js("return document.querySelectorAll('#app img, #app script, #tooltip *:not(div)').length;"));
        assertNothingRan();
    }

    @Test
    void aReadOnlyKeySeesNoRestoreOrForkAndTheServerRefusesThemAnyway() {
        // given a world the viewer key may read but whose every app it does not hold
        String world = "console-viewer-1";
        seed(world, 3, 0);

        // when the viewer signs in
        signIn("/console", VIEWER, world);

        // then it sees only its world, and no restore or fork
        assertEquals(List.of(world), browser.findAll("#world-select option").stream().map(o -> o.getAttribute("value"))
                .filter(v -> !v.isEmpty()).toList());
        assertFalse(browser.find("[data-testid=tab-act]").isDisplayed());
        assertEquals("viewer", ((Map<?, ?>) status().get("caller")).get("name"));
        // and the server refuses restore and fork to that key whatever the console shows
        assertEquals(403, node.callAs(VIEWER, "POST", "/v1/worlds/" + world + "/restore", "{\"asOf\":\"2020-01-01T00:00:00Z\",\"dryRun\":true}")
                .statusCode());
        assertEquals(403, node.callAs(VIEWER, "POST", "/v1/worlds/" + world + "/fork", "{\"to\":\"x-copy\",\"asOf\":\"2020-01-01T00:00:00Z\"}")
                .statusCode());
        assertNothingRan();
    }

    @Test
    void anAdminRestoresTheScrubbedInstantAfterConfirmingTheDryRun() {
        // given a world whose e-0 moved and whose e-9 was added after the seeding
        String world = newWorld();
        LogPosition seeded = seed(world, 3, 0);
        assertEquals(200, node.callAs(ADMIN, "PATCH", "/v1/worlds/" + world + "/entities/e-0", "{\"position\":[9,9,9]}").statusCode());
        assertEquals(200, node.callAs(ADMIN, "PUT", "/v1/worlds/" + world + "/entities/e-9", entity("e-9", "rock", 9, 9, "late")).statusCode());
        signIn("/console?world=" + world + "&at=" + seeded, ADMIN, world);

        // when restore is asked for at the seeding's position
        browser.find("[data-testid=tab-act]").click();
        browser.find("[data-testid=restore]").click();

        // then the confirmation shows the dry run: one key rewritten, one deleted, two unchanged; nothing is written yet
        WebElement confirm = browser.await("the confirmation", d -> browser.findAll("[data-testid=confirm]").isEmpty() ? null
                : browser.find("[data-testid=confirm]"));
        assertEquals("1", confirm.findElement(org.openqa.selenium.By.cssSelector("tr[data-key=rewritten] .n")).getText());
        assertEquals("1", confirm.findElement(org.openqa.selenium.By.cssSelector("tr[data-key=deleted] .n")).getText());
        assertEquals("2", confirm.findElement(org.openqa.selenium.By.cssSelector("tr[data-key=unchanged] .n")).getText());
        assertEquals(200, node.callAs(ADMIN, "GET", "/v1/worlds/" + world + "/entities/e-9", null).statusCode());

        // when confirmed
        browser.find("[data-testid=confirm-ok]").click();

        // then the world is as it was: e-0 back, e-9 gone
        browser.await("the restore's notice", d -> browser.find("[data-testid=notice]").getText().contains("Restored"));
        assertEquals(404, node.callAs(ADMIN, "GET", "/v1/worlds/" + world + "/entities/e-9", null).statusCode());
        assertTrue(node.callAs(ADMIN, "GET", "/v1/worlds/" + world + "/entities/e-0", null).body().contains("\"position\":[0,1,0]"));
        assertNothingRan();
    }

    @Test
    void theUrlKeepsWorldTimeAndSelectionThroughSignIn() {
        // given a link to a world at a position with a key selected, opened signed out
        String world = newWorld();
        LogPosition seeded = seed(world, 6, 1);
        assertEquals(200, node.callAs(ADMIN, "PATCH", "/v1/worlds/" + world + "/entities/e-5", "{\"position\":[-1,1,-1]}").statusCode());
        String link = "/console?world=" + world + "&at=" + seeded + "&key=" + enc("entity:e-5");
        openSignedOut(link);

        // when the user signs in
        typeKeyAndSubmit(ADMIN);
        awaitMap(world);

        // then the console opens straight into that view: the world, at that position, e-5 selected
        browser.await("the linked view", d -> seeded.toString().equals(status().get("at")) && "entity:e-5".equals(status().get("selection")));
        assertTrue(at(marker("entity:e-5"), 50, 0), "e-5 before its move");
        browser.await("the inspector of e-5", d -> "e-5".equals(browser.find("[data-testid=inspector-id]").getText()));
        assertTrue(browser.driver.getCurrentUrl().contains("world=" + world));

        // when the player p-0 is selected and the view goes live
        clickAt(marker("player:p-0"));
        browser.await("p-0 in the URL", d -> browser.driver.getCurrentUrl().contains("key=player%3Ap-0"));
        browser.find("[data-testid=live]").click();

        // then the URL says so, and reloading it shows the same view
        browser.await("live in the URL", d -> browser.driver.getCurrentUrl().contains("at=live"));
        browser.driver.navigate().refresh();
        awaitMap(world);
        assertEquals("live", status().get("mode"));
        assertEquals("player:p-0", status().get("selection"));
        assertTrue(at(marker("entity:e-5"), -1, -1), "e-5 after its move");
        assertNothingRan();
    }

    @Test
    void theOpsPanelShowsTheProjectorAndItsLagPerPartition() {
        // given a signed-in admin
        String world = newWorld();
        seed(world, 2, 0);
        signIn("/console?world=" + world, ADMIN, world);

        // when the ops panel is opened
        browser.find(".tabs button[data-tab=ops]").click();

        // then the projector's state, one lag row per partition, the charts and the dead letters are shown
        browser.await("the projector state", d -> "LIVE".equals(browser.find("[data-testid=projector-state]").getAttribute("data-state")));
        int partitions = node.store.operations().partitions();
        browser.await("a lag row per partition", d -> browser.findAll("[data-testid=partition-lag] tbody tr").size() == partitions);
        browser.await("a save-rate sample", d -> {
            String v = browser.find(".chart[data-chart=saves]").getAttribute("data-value");
            return v != null && !v.isEmpty();
        });
        assertNotNull(browser.find("[data-testid=dead-letters]"));
        browser.await("the dead letters", d -> browser.find("[data-testid=dead-letters]").getText().contains("none"));
        assertNothingRan();
    }

    @Test
    void aWorldWhosePartitionHasNoRecordYetOpensLiveAndDrawsItsFirstChange() {
        // given a fresh node (every partition empty) with auth off
        try (HttpTestNode fresh = HttpTestNode.start(dir.resolve("fresh-" + System.nanoTime()))) {
            String world = newWorld();

            // when the console follows the world live: its feed starts at "p-start"
            browser.open(fresh.server.uri() + "/health/live");
            browser.js("sessionStorage.clear();");
            browser.open(fresh.server.uri() + "/console?world=" + world);
            awaitMap(world);
            assertEquals("live", status().get("mode"));
            assertEquals("0", mapData("markerCount"));

            // then the partition's first record is drawn as it arrives
            fresh.store.writeBatch(world, List.of(Change.putJson(new Key.Entity(world, "first"), entity("first", "tree", 3, 4, "first"))), null);
            browser.await("the first entity drawn", d -> at(marker("entity:first"), 3, 4));
            assertNothingRan();
        }
    }

    @Test
    void withAuthOffTheConsoleOpensWithoutSignIn() {
        // given a server with http.auth.enabled=false and a world
        try (HttpTestNode open = HttpTestNode.start(dir.resolve("open-" + System.nanoTime()))) {
            String world = newWorld();
            open.store.writeBatch(world, List.of(Change.putJson(new Key.Entity(world, "a"), entity("a", "tree", 1, 1, "a"))), null);

            // when the console is opened
            browser.open(open.server.uri() + "/health/live");
            browser.js("sessionStorage.clear();");
            browser.open(open.server.uri() + "/console?world=" + world);

            // then the map shows the world with no sign-in
            awaitMap(world);
            assertFalse(browser.find("#signin").isDisplayed());
            assertEquals("1", mapData("markerCount"));
            assertNothingRan();
        }
    }
}
