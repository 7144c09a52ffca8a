package dev.worldstore.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.AsOf;
import dev.worldstore.Change;
import dev.worldstore.Condition;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.ValidationException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link WorldAccess} over a running server's HTTP API: {@code GET …/snapshot}, {@code POST …/read},
 * {@code POST …/batch} with an {@code idempotencyKey}, {@code /v1/players}. The server records the
 * API key's name as the actor of every write (a client cannot claim another). Thread-safe.
 */
final class HttpWorldAccess implements WorldAccess {
    private static final Pattern CHANGE_INDEX = Pattern.compile("^changes\\[(\\d+)]");
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private final URI base;
    private final String apiKey;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    HttpWorldAccess(URI base, String apiKey) {
        this.base = base;
        this.apiKey = apiKey;
    }

    @Override
    public String describe() {
        return base.toString();
    }

    @Override
    public String actor() {
        return "the API key's name";
    }

    @Override
    public boolean worldHasVersions() {
        return false;
    }

    private static String seg(String id) {
        // ids are URL-safe by their rule; encoding keeps a bad one from changing the path
        return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20").replace("%24", "$");
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT).header("Accept", "application/json");
        if (apiKey != null) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        return b;
    }

    private <T> HttpResponse<T> send(HttpRequest r, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return client.send(r, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure("interrupted while waiting for " + r.uri(), e);
        }
    }

    private static JsonNode problem(HttpResponse<byte[]> r) {
        try {
            return Json.parse(r.body());
        } catch (ValidationException e) {
            return Json.object().put("detail", new String(r.body(), StandardCharsets.UTF_8));
        }
    }

    private static String describe(HttpResponse<byte[]> r) {
        JsonNode p = problem(r);
        return r.request().method() + " " + r.uri().getRawPath() + ": " + r.statusCode() + " " + p.path("code").asText("")
                + (p.has("detail") ? ": " + p.get("detail").asText() : "");
    }

    @Override
    public List<String> world(String worldId, AsOf asOf, Consumer<Current> sink) {
        String at = asOf == null ? Instant.now().toString() : asOf.toString();
        HttpRequest r = request("/v1/worlds/" + seg(worldId) + "/snapshot?asOf=" + URLEncoder.encode(at, StandardCharsets.UTF_8))
                .GET().build();
        HttpResponse<InputStream> res;
        try {
            res = send(r, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new CliFailure("cannot read world " + worldId + " from " + base + ": " + e.getMessage(), e);
        }
        JsonNode doc;
        try (InputStream in = res.body()) {
            if (res.statusCode() != 200) {
                byte[] body = in.readAllBytes();
                JsonNode p = Json.parse(body.length == 0 ? "{}".getBytes(StandardCharsets.UTF_8) : body);
                throw new CliFailure("cannot read world " + worldId + " from " + base + ": " + res.statusCode() + " "
                        + p.path("code").asText("") + ": " + p.path("detail").asText(""));
            }
            doc = Json.reader().readTree(in);
        } catch (IOException e) {
            throw new CliFailure("reading world " + worldId + " from " + base + " failed: " + e.getMessage(), e);
        } catch (ValidationException e) {
            throw new CliFailure("the server's answer for world " + worldId + " is not JSON: " + e.getMessage(), e);
        }
        if (doc.has("error")) {
            throw new CliFailure("the server could not read all of world " + worldId + ": " + doc.get("error"));
        }
        List<String> notes = new ArrayList<>();
        JsonNode ws = doc.path("worldState");
        if (ws.isObject()) {
            sink.accept(new Current(new Key.WorldState(worldId), ws, -1, null));
        }
        int noId = 0;
        for (JsonNode e : doc.path("entities")) {
            JsonNode id = e.get("id");
            if (id == null || !id.isTextual()) {
                noId++;
                continue;
            }
            sink.accept(new Current(new Key.Entity(worldId, id.asText()), e, -1, null));
        }
        if (noId > 0) {
            notes.add(noId + " entit" + (noId == 1 ? "y holds" : "ies hold") + " no \"id\" field, so the HTTP API does not name "
                    + (noId == 1 ? "its key" : "their keys") + " (use the local path, --data.dir)");
        }
        for (JsonNode p : doc.path("players")) {
            sink.accept(new Current(new Key.PlayerState(worldId, p.path("playerId").asText()), p.path("state"), -1, null));
        }
        for (JsonNode a : doc.path("apps")) {
            JsonNode player = a.path("playerId");
            sink.accept(new Current(new Key.AppData(worldId, a.path("appId").asText(), player.isTextual() ? player.asText() : null,
                    a.path("key").asText()), a.path("value"), -1, null));
        }
        return notes;
    }

    @Override
    public List<Current> read(String worldId, List<Key> keys) {
        byte[] body = json(gen -> {
            gen.writeStartObject();
            gen.writeArrayFieldStart("keys");
            for (Key k : keys) {
                gen.writeStartObject();
                writeKey(gen, k);
                gen.writeEndObject();
            }
            gen.writeEndArray();
            gen.writeEndObject();
        });
        HttpResponse<byte[]> r = post("/v1/worlds/" + seg(worldId) + "/read", body);
        if (r.statusCode() != 200) {
            throw new CliFailure(describe(r));
        }
        JsonNode items = Json.parse(r.body()).path("items");
        List<Current> out = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            JsonNode item = items.path(i);
            out.add(item.path("missing").asBoolean(false) ? null : new Current(keys.get(i), item.path("value"),
                    item.path("version").asLong(), null));
        }
        return out;
    }

    private HttpResponse<byte[]> post(String path, byte[] body) {
        HttpRequest r = request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        try {
            return send(r, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new CliFailure("POST " + base.resolve(path) + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public BatchResult writeBatch(String worldId, List<Change> changes, String idempotencyKey) {
        byte[] body = json(gen -> {
            gen.writeStartObject();
            if (idempotencyKey != null) {
                gen.writeStringField("idempotencyKey", idempotencyKey);
            }
            gen.writeArrayFieldStart("changes");
            for (Change c : changes) {
                gen.writeStartObject();
                gen.writeStringField("op", c.op().wireName());
                writeKey(gen, c.key());
                byte[] raw = c.payloadJson();
                if (raw != null || c.payload() != null) {
                    gen.writeFieldName(c.op() == dev.worldstore.Op.MERGE ? "patch" : "value");
                    if (raw != null) {
                        Json.writeRaw(gen, raw, 0, raw.length);
                    } else {
                        gen.writeTree(c.payload());
                    }
                }
                Condition cond = c.condition();
                if (cond instanceof Condition.ExpectedVersion v) {
                    gen.writeNumberField("ifVersion", v.version());
                } else if (cond instanceof Condition.Absent) {
                    gen.writeBooleanField("ifAbsent", true);
                }
                gen.writeEndObject();
            }
            gen.writeEndArray();
            gen.writeEndObject();
        });
        HttpRequest r = request("/v1/worlds/" + seg(worldId) + "/batch").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<byte[]> res;
        try {
            res = send(r, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            return new Retry("POST " + r.uri() + ": " + e.getMessage());
        }
        int status = res.statusCode();
        if (status == 200) {
            JsonNode saved = Json.parse(res.body());
            return new Applied(saved.path("replayed").asBoolean(false), dev.worldstore.LogPosition.parse(saved.path("position").asText()));
        }
        JsonNode p = problem(res);
        String code = p.path("code").asText("");
        if (status == 409 && code.equals("BATCH_CONFLICT")) {
            List<Integer> indexes = new ArrayList<>();
            p.path("failures").forEach(f -> indexes.add(f.path("index").asInt()));
            return new Conflict(indexes);
        }
        if (status == 503 || status == 502 || status == 504) {
            return new Retry(describe(res));
        }
        Matcher m = CHANGE_INDEX.matcher(p.path("field").asText(""));
        if ((status == 400 || status == 413 || status == 422) && m.find()) {
            return new Invalid(Integer.parseInt(m.group(1)), p.path("field").asText(), p.path("detail").asText());
        }
        return new Failed(describe(res));
    }

    @Override
    public Optional<String> player(String playerId) {
        HttpResponse<byte[]> r;
        try {
            r = send(request("/v1/players/" + seg(playerId)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new CliFailure("GET /v1/players/" + playerId + " failed: " + e.getMessage(), e);
        }
        if (r.statusCode() == 404) {
            return Optional.empty();
        }
        if (r.statusCode() != 200) {
            throw new CliFailure(describe(r));
        }
        return Optional.of(Json.parse(r.body()).path("username").asText());
    }

    @Override
    public Registered register(String playerId, String username) {
        ObjectNode body = Json.object().put("id", playerId).put("username", username);
        HttpResponse<byte[]> r;
        try {
            r = send(request("/v1/players").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body))).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            return Registered.UNAVAILABLE;
        }
        String code = problem(r).path("code").asText("");
        return switch (r.statusCode()) {
            case 200, 201 -> Registered.REGISTERED;
            case 401, 403 -> Registered.FORBIDDEN;
            case 409 -> code.equals("USERNAME_TAKEN") ? Registered.USERNAME_TAKEN : Registered.ID_TAKEN;
            case 400, 422 -> Registered.INVALID;
            default -> Registered.UNAVAILABLE;
        };
    }

    /** A key as the batch and read bodies name it: {@code table} and its ids. */
    private static void writeKey(JsonGenerator gen, Key k) throws IOException {
        gen.writeStringField("table", k.table().wireName());
        List<String> fields = k.table().idFields();
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).equals("worldId")) {
                continue;
            }
            String id = k.id(i);
            if (id == null) {
                gen.writeNullField(fields.get(i));
            } else {
                gen.writeStringField(fields.get(i), id);
            }
        }
    }

    private interface Writing {
        void write(JsonGenerator gen) throws IOException;
    }

    private static byte[] json(Writing w) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try (JsonGenerator gen = Json.generator(out)) {
            w.write(gen);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @Override
    public void close() {
        // the HttpClient holds no resources that need closing on Java 17
    }
}
