package dev.worldstore.http;

import static dev.worldstore.http.HttpAsserts.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.Change;
import dev.worldstore.Key;
import dev.worldstore.Saved;
import dev.worldstore.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Paging through a world with many entities: every entity exactly once, bounded pages, filtering by type. */
class HttpPagingIT {
    static final int ENTITIES = 2_500;
    @TempDir
    static Path dir;
    static HttpTestNode node;

    @BeforeAll
    static void start() {
        node = HttpTestNode.start(dir);
        List<CompletableFuture<Saved>> saves = new ArrayList<>();
        for (int i = 0; i < ENTITIES; i++) {
            String id = String.format("e%05d", i);
            String type = i % 10 == 0 ? "npc" : "prop";
            saves.add(node.store.writeAsync(Change.put(new Key.Entity("big", id),
                    Json.parse("{\"id\":\"" + id + "\",\"position\":[" + i + ",0,0],\"metadata\":{\"type\":\"" + type + "\"}}"))));
        }
        CompletableFuture.allOf(saves.toArray(CompletableFuture[]::new)).join();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static List<JsonNode> pages(String query) {
        List<JsonNode> pages = new ArrayList<>();
        String cursor = null;
        do {
            String path = "/v1/worlds/big/entities?" + query + (cursor == null ? "" : "&cursor="
                    + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
            JsonNode page = assertOk(node.get(path));
            pages.add(page);
            cursor = page.path("next").isNull() ? null : page.path("next").asText();
            assertTrue(pages.size() < 100, "paging terminates");
        } while (cursor != null);
        return pages;
    }

    @Test
    void pagesThroughEveryEntityOnceInIdOrder() {
        List<JsonNode> pages = pages("limit=1000");
        assertEquals(3, pages.size());
        assertEquals(List.of(1000, 1000, 500), pages.stream().map(p -> p.path("items").size()).toList());
        Set<String> seen = new HashSet<>();
        String last = "";
        for (JsonNode page : pages) {
            for (JsonNode e : page.path("items")) {
                String id = e.path("id").asText();
                assertTrue(seen.add(id), "duplicate " + id);
                assertTrue(id.compareTo(last) > 0, "id order");
                last = id;
            }
        }
        assertEquals(ENTITIES, seen.size());
    }

    @Test
    void defaultPageIsBounded() {
        JsonNode page = assertOk(node.get("/v1/worlds/big/entities"));
        assertEquals(ApiRoutes.DEFAULT_PAGE, page.path("items").size());
        assertTrue(page.path("next").isTextual());
    }

    @Test
    void typeFilterReturnsOnlyMatchingEntitiesAcrossPages() {
        List<JsonNode> pages = pages("type=npc&limit=100");
        Set<String> seen = new HashSet<>();
        for (JsonNode page : pages) {
            assertTrue(page.path("items").size() <= 100);
            for (JsonNode e : page.path("items")) {
                assertEquals("npc", e.path("metadata").path("type").asText());
                assertTrue(seen.add(e.path("id").asText()));
            }
        }
        assertEquals(ENTITIES / 10, seen.size());
        assertEquals(3, pages.size(), "250 npcs in pages of 100");
    }
}
