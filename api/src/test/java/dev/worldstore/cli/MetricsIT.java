package dev.worldstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.Json;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.http.HttpConfig;
import dev.worldstore.projector.WorldStores;
import dev.worldstore.testing.TestKafka;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real node's {@code /metrics}, as {@code serve} publishes it: valid exposition format with
 * promtool's rules kept (but for two JVM-binder names), histogram buckets at the SLO boundaries,
 * and every metric, label and label value the shipped Grafana dashboard queries.
 */
class MetricsIT {
    /** What promtool check metrics reports of Micrometer's JVM binders; nothing of worldstore's own may join them. */
    static final Set<String> KNOWN_BINDER_FINDINGS = Set.of(
            "process_cpu_time_ns_total metric names should not contain abbreviated units",
            "system_cpu_count non-histogram and non-summary metrics should not have \"_count\" suffix");
    static final Path DASHBOARD = Path.of("..", "deploy", "grafana", "worldstore.json");
    static final List<String> SLO_LE = List.of("0.001", "0.002", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5",
            "5.0", "10.0", "+Inf");

    @TempDir
    static Path dir;
    static WorldStore store;
    static AutoCloseable http;
    static URI base;
    static PrometheusText scraped;
    static final HttpClient client = HttpClient.newHttpClient();

    static HttpResponse<String> call(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @BeforeAll
    static void startAndScrape() throws Exception {
        // given a node with serve's registry, after saves, loads, a conflict, a 404 and a batch
        PrometheusMeterRegistry registry = ServeCommand.metricsRegistry();
        store = WorldStores.open(WorldStoreConfig.of("kafka.bootstrap.servers", TestKafka.bootstrapServers(), "kafka.topic",
                TestKafka.uniqueName("metrics"), "data.dir", dir.toString()), registry, Clock.systemUTC());
        http = ServeCommand.startHttp(store, HttpConfig.of("http.port", "0", "http.auth.enabled", "false"), dir, registry);
        base = ((dev.worldstore.http.HttpServer) http).uri();
        String w = "/v1/worlds/metrics";
        assertEquals(200, call("PUT", w + "/players/p/state", "{\"hp\":1}").statusCode());
        assertEquals(200, call("GET", w + "/players/p/state", null).statusCode());
        assertEquals(412, call("PUT", w + "/players/p/state", "{\"hp\":2}", "If-None-Match", "*").statusCode());
        assertEquals(404, call("GET", w + "/entities/none", null).statusCode());
        assertEquals(200, call("POST", w + "/batch", "{\"changes\":[{\"op\":\"put\",\"table\":\"entity_states\",\"entityId\":\"e\","
                + "\"value\":{}}]}").statusCode());
        // when /metrics is read, as Prometheus reads it
        HttpResponse<String> r = call("GET", "/metrics", null);
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"), r.headers().toString());
        scraped = PrometheusText.parse(r.body());
    }

    @AfterAll
    static void stop() throws Exception {
        if (http != null) {
            http.close();
        }
        if (store != null) {
            store.close();
        }
    }

    @Test
    void theExpositionKeepsPromtoolsRulesButForTwoJvmBinderNames() {
        // then it parses (parse() throws on anything a server refuses) and lints as promtool does
        List<String> findings = scraped.lint();
        List<String> ours = findings.stream().filter(f -> !KNOWN_BINDER_FINDINGS.contains(f)).toList();
        assertEquals(List.of(), ours, "promtool check metrics would report these");
        assertTrue(scraped.families.size() > 20, scraped.families.keySet().toString());
    }

    @Test
    void savesLoadsAndRequestsPublishBucketsAtTheSloBoundaries() {
        for (String histogram : List.of("worldstore_saves_seconds_bucket", "http_server_requests_seconds_bucket")) {
            Map<String, String> first = null;
            List<String> le = new ArrayList<>();
            for (PrometheusText.Sample s : scraped.samples(histogram)) {
                Map<String, String> series = new LinkedHashMap<>(s.labels());
                series.remove("le");
                if (first == null) {
                    first = series;
                }
                if (series.equals(first)) {
                    le.add(s.labels().get("le"));
                }
            }
            assertEquals(SLO_LE, le, histogram);
        }
        // loads: the same boundaries up to 5 s, and 0.1, 0.25 and 0.5 ms below them (local reads take microseconds)
        List<Double> loads = scraped.samples("worldstore_loads_seconds_bucket").stream().map(s -> s.labels().get("le"))
                .map(v -> v.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(v)).toList();
        List<Double> expected = new ArrayList<>(List.of(0.0001, 0.00025, 0.0005));
        SLO_LE.stream().filter(v -> !v.equals("10.0")).map(v -> v.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(v))
                .forEach(expected::add);
        assertEquals(expected, loads);
        // every table's applied saves exist before its first save
        Set<String> tables = new LinkedHashSet<>();
        scraped.samples("worldstore_saves_seconds_count").stream().filter(s -> s.labels().get("outcome").equals("applied"))
                .forEach(s -> tables.add(s.labels().get("table")));
        assertEquals(Set.of("players", "player_states", "entity_states", "world_state", "app_storage", "batch"), tables);
        // and the conflict above is counted and timed
        assertTrue(scraped.samples("worldstore_saves_seconds_count").stream()
                .anyMatch(s -> s.labels().get("outcome").equals("already_exists") && s.value() == 1.0), "the refused create");
    }

    /** "1, 2, 5 and 10 ms, 1, 2.5 s" as seconds. */
    static List<Double> seconds(String text) {
        List<Double> out = new ArrayList<>();
        Matcher group = Pattern.compile("([\\d., and]+?) (ms|s)\\b").matcher(text);
        while (group.find()) {
            for (String n : group.group(1).split(",|\\band\\b")) {
                if (!n.isBlank()) {
                    out.add(Double.parseDouble(n.trim()) / (group.group(2).equals("ms") ? 1000 : 1));
                }
            }
        }
        return out;
    }

    @Test
    void theBoundariesTheOperatorDocsStateAreThePublishedOnes() throws IOException {
        String readme = Files.readString(Path.of("..", "deploy", "README.md"), StandardCharsets.UTF_8).replaceAll("\\s+", " ");
        Matcher shared = Pattern.compile("share their bucket boundaries \\(`le`, in seconds\\): (.*?), so").matcher(readme);
        assertTrue(shared.find(), "deploy/README.md no longer states the boundaries");
        List<Double> published = scraped.samples("worldstore_saves_seconds_bucket").stream().map(s -> s.labels().get("le"))
                .filter(v -> !v.equals("+Inf")).map(Double::parseDouble).distinct().toList();
        assertEquals(published, seconds(shared.group(1)));
        Matcher loads = Pattern.compile("loads add (.*?) below them and stop at (.*?)\\.").matcher(readme);
        assertTrue(loads.find(), "deploy/README.md no longer states the loads' boundaries");
        List<Double> loadBounds = scraped.samples("worldstore_loads_seconds_bucket").stream().map(s -> s.labels().get("le"))
                .filter(v -> !v.equals("+Inf")).map(Double::parseDouble).toList();
        List<Double> below = seconds(loads.group(1));
        assertEquals(below, loadBounds.subList(0, below.size()));
        assertEquals(seconds(loads.group(2)), List.of(loadBounds.get(loadBounds.size() - 1)));
        // the docs' and the dashboard's "within 10 ms" needs a bucket at exactly 0.01
        assertTrue(readme.contains("le=\"0.01\"") && published.contains(0.01), "the 10 ms example");
    }

    /** Identifiers of a PromQL expression that name metrics (not functions, keywords or labels). */
    static List<String> metricNames(String expr) {
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile("\\b([a-z_:][a-z0-9_:]*)\\s*(\\{|\\[|\\))").matcher(expr);
        Set<String> notMetrics = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
        while (m.find()) {
            String id = m.group(1);
            int before = m.start() - 1;
            while (before >= 0 && expr.charAt(before) == ' ') {
                before--;
            }
            boolean inGrouping = before >= 0 && expr.charAt(before) == '(' && expr.substring(0, before).matches("(?s).*\\b(by|without)\\s*$")
                    || before >= 0 && expr.charAt(before) == ',';
            if (!notMetrics.contains(id) && !inGrouping && (id.contains("_") && !id.equals("histogram_quantile"))) {
                names.add(id);
            }
        }
        return names;
    }

    @Test
    void everyMetricLabelAndValueTheDashboardQueriesExists() throws IOException {
        JsonNode dashboard = Json.parse(Files.readString(DASHBOARD, StandardCharsets.UTF_8));
        List<String> exprs = new ArrayList<>();
        dashboard.path("panels").forEach(p -> p.path("targets").forEach(t -> exprs.add(t.path("expr").asText())));
        exprs.add(dashboard.path("templating").path("list").get(1).path("definition").asText()
                .replaceAll("label_values\\((\\w+), (\\w+)\\)", "max by ($2) ($1)"));
        assertTrue(exprs.size() >= 15, exprs.toString());
        Set<String> prometheusLabels = Set.of("instance", "job");
        Set<String> queried = new LinkedHashSet<>();
        for (String raw : exprs) {
            String expr = raw.replace("$__rate_interval", "5m").replace("$instance", ".*");
            List<String> names = metricNames(expr);
            assertFalse(names.isEmpty(), "no metric in " + raw);
            queried.addAll(names);
            for (String name : names) {
                List<PrometheusText.Sample> samples = scraped.samples(name);
                assertFalse(samples.isEmpty(), name + " (queried by " + raw + ") is not in /metrics");
                Set<String> labels = new LinkedHashSet<>(prometheusLabels);
                samples.forEach(s -> labels.addAll(s.labels().keySet()));
                // the matchers of this name's selector: label names exist, equality values occur
                Matcher sel = Pattern.compile("\\b" + name + "\\{([^}]*)}").matcher(expr);
                while (sel.find()) {
                    Matcher matcher = Pattern.compile("(\\w+)\\s*(=~|!~|!=|=)\\s*\"([^\"]*)\"").matcher(sel.group(1));
                    while (matcher.find()) {
                        assertTrue(labels.contains(matcher.group(1)), name + " has no label " + matcher.group(1) + " (" + raw + ")");
                        if (matcher.group(2).equals("=")) {
                            String label = matcher.group(1);
                            String value = matcher.group(3);
                            assertTrue(samples.stream().anyMatch(s -> value.equals(s.labels().get(label))),
                                    name + " has no series with " + label + "=\"" + value + "\" (" + raw + ")");
                        }
                    }
                }
            }
            // by (...) groups by labels some metric of the expression has
            Matcher by = Pattern.compile("\\bby\\s*\\(([^)]*)\\)").matcher(expr);
            while (by.find()) {
                for (String label : by.group(1).split(",")) {
                    String l = label.trim();
                    assertTrue(prometheusLabels.contains(l) || names.stream().anyMatch(n -> scraped.samples(n).stream()
                            .anyMatch(s -> s.labels().containsKey(l))), "no metric of " + raw + " has the label " + l);
                }
            }
        }
        // the dashboard covers saves, loads, lag, dead letters and HTTP status rates
        for (String needed : List.of("worldstore_saves_seconds_bucket", "worldstore_saves_seconds_count", "worldstore_loads_seconds_bucket",
                "worldstore_projector_lag", "worldstore_projector_deadlettered_total", "http_server_requests_seconds_count")) {
            assertTrue(queried.contains(needed), needed + " is not on the dashboard: " + queried);
        }
    }

    @Test
    void theMetricNameReaderFindsMetricsOnly() {
        assertEquals(List.of("worldstore_saves_seconds_bucket"), metricNames(
                "histogram_quantile(0.99, sum by (le, table) (rate(worldstore_saves_seconds_bucket{outcome=\"applied\"}[5m])))"));
        assertEquals(List.of("a_total", "b_count"), metricNames("sum(rate(a_total[5m])) / sum by (instance) (rate(b_count{x=\"1\"}[5m]))"));
    }
}
