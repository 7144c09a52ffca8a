package dev.worldstore.projector;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import dev.worldstore.Condition;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.Op;
import dev.worldstore.Table;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The value of a batch record (header {@code ws.op=batch}, the world in {@code ws.world}): a JSON
 * document a standard tool can read,
 *
 * <pre>
 * {"limit": 4194304,                       value.max.bytes the writer checked against
 *  "meta": {...},                          optional: recorded with the batch
 *  "changes": [{"table": "entity_states", "entityId": "e1", "op": "put" | "merge-patch" | "delete",
 *               "if": "absent" | "version=N",   left out for an unconditional change
 *               "fmt": 2,                       left out for data format 1
 *               "value" | "patch": ...}, ...]}
 * </pre>
 *
 * Each change names its key by its table's id fields ({@link Table#idFields()}) without the world.
 * Payloads are written and read as raw bytes: encoding copies them in, decoding returns slices of the
 * document, so no value is parsed or re-serialised. Stateless.
 */
final class BatchCodec {
    private BatchCodec() {
    }

    /** The batch document of {@code items} (payloads as raw JSON). */
    static byte[] encode(List<BatchEvent.Item> items, int maxValueBytes, byte[] meta) {
        int size = 64;
        for (BatchEvent.Item i : items) {
            size += 96 + i.length();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(size);
        try (JsonGenerator gen = Json.generator(out)) {
            gen.writeStartObject();
            gen.writeNumberField("limit", maxValueBytes);
            if (meta != null) {
                gen.writeFieldName("meta");
                Json.writeRaw(gen, meta, 0, meta.length);
            }
            gen.writeArrayFieldStart("changes");
            for (BatchEvent.Item i : items) {
                Key key = i.key();
                gen.writeStartObject();
                gen.writeStringField("table", key.table().wireName());
                List<String> fields = key.table().idFields();
                for (int f = 1; f < fields.size(); f++) { // 0 is the world, named by the record's header
                    gen.writeStringField(fields.get(f), key.id(f));
                }
                gen.writeStringField("op", i.op().wireName());
                if (i.condition().isConditional()) {
                    gen.writeStringField("if", EventCodec.conditionText(i.condition()));
                }
                if (i.formatVersion() != 1) {
                    gen.writeNumberField("fmt", i.formatVersion());
                }
                if (i.op() != Op.DELETE) {
                    gen.writeFieldName(i.op() == Op.PUT ? "value" : "patch");
                    Json.writeRaw(gen, i.buffer(), i.offset(), i.length());
                }
                gen.writeEndObject();
            }
            gen.writeEndArray();
            gen.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A decoded batch document. */
    record Document(List<BatchEvent.Item> items, int maxValueBytes, byte[] meta) {
    }

    /**
     * Depth of a change's value inside the document: the document, its {@code changes} array and the
     * change's object. The document may nest that much deeper than {@link Json#MAX_NESTING_DEPTH},
     * so a value the writer accepted (at most that deep on its own) is read back, and none deeper.
     */
    private static final int VALUE_DEPTH = 3;

    /**
     * The writer's JSON rules ({@link Json}) for a whole document, the depth of its values allowed.
     * Duplicate names are found by a {@link JsonWalk}, not by Jackson's own detection (a hash set per
     * object, which was ~30% of decoding a batch in a profile of a catch-up).
     */
    private static final JsonFactory DOCUMENT = JsonFactory.builder()
            .recyclerPool(JsonRecyclerPools.newConcurrentDequePool())
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(Json.MAX_NESTING_DEPTH + VALUE_DEPTH)
                    .maxStringLength(Json.MAX_STRING_LENGTH)
                    .build())
            .build();

    /**
     * Reads a batch document of world {@code worldId}: a JSON object by the writer's rules (UTF-8,
     * no duplicate names, one value), whose changes name keys of the tables of a world by their
     * table's id fields only (a {@code worldId}, if a change names one, is {@code worldId}), each
     * with the payload its op carries: a JSON object in the tables of objects, not {@code null} in
     * app storage.
     *
     * @throws MalformedEventException naming what is wrong (and the change's index)
     */
    static Document decode(String worldId, byte[] doc) throws MalformedEventException {
        return decode(worldId, doc, new JsonWalk());
    }

    /**
     * As {@link #decode(String, byte[])}, checking member names with {@code walk} (scratch; the
     * caller's thread owns it, and it is left reset).
     */
    static Document decode(String worldId, byte[] doc, JsonWalk walk) throws MalformedEventException {
        if (doc == null) {
            throw new MalformedEventException("a batch has no value");
        }
        if (doc.length > 1 && (doc[0] == 0 || doc[1] == 0 || (doc[0] & 0xFF) >= 0xEF)) {
            // a byte order mark or UTF-16/32, which Jackson would read: payload offsets count UTF-8 bytes
            throw new MalformedEventException("the batch document is not UTF-8 JSON (a byte order mark or UTF-16/32 text)");
        }
        List<BatchEvent.Item> items = new ArrayList<>();
        int limit = -1;
        byte[] meta = null;
        try (JsonParser p = DOCUMENT.createParser(doc, 0, doc.length)) {
            expect(p.nextToken(), JsonToken.START_OBJECT, "a batch document is a JSON object");
            walk.open();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                walk.member(name, p);
                JsonToken t = p.nextToken();
                switch (name) {
                    case "limit" -> {
                        expect(t, JsonToken.VALUE_NUMBER_INT, "limit is a whole number");
                        limit = p.getIntValue();
                    }
                    case "meta" -> {
                        expect(t, JsonToken.START_OBJECT, "meta is a JSON object");
                        int start = start(p);
                        walk.value(p, t);
                        meta = java.util.Arrays.copyOfRange(doc, start, end(p));
                    }
                    case "changes" -> {
                        expect(t, JsonToken.START_ARRAY, "changes is an array");
                        walk.open();
                        JsonToken next;
                        while ((next = p.nextToken()) == JsonToken.START_OBJECT) {
                            walk.open();
                            items.add(item(p, doc, worldId, items.size(), walk));
                            walk.close();
                        }
                        expect(next, JsonToken.END_ARRAY, "changes[" + items.size() + "] is a JSON object");
                        walk.close();
                    }
                    default -> walk.value(p, t); // a later release's field
                }
            }
            walk.close();
            if (p.nextToken() != null) {
                throw new MalformedEventException("trailing content after the batch document");
            }
        } catch (JsonProcessingException e) {
            throw new MalformedEventException("the batch document is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new MalformedEventException("the batch document could not be read: " + e.getMessage(), e);
        } finally {
            walk.reset(); // a document that failed midway leaves no state for the next
        }
        if (items.isEmpty()) {
            throw new MalformedEventException("a batch holds at least one change");
        }
        if (limit < 1) {
            throw new MalformedEventException("a batch names its value limit (limit >= 1)");
        }
        return new Document(items, limit, meta);
    }

    /** Reads one change, from after its start token to its end token; {@code walk} has its object open. */
    private static BatchEvent.Item item(JsonParser p, byte[] doc, String worldId, int index, JsonWalk walk) throws IOException,
            MalformedEventException {
        String table = null;
        String op = null;
        String cond = null;
        int fmt = 1;
        String[] ids = new String[4];
        boolean[] named = new boolean[4];
        int start = -1;
        int end = -1;
        String payloadName = null;
        JsonToken payloadToken = null;
        String world = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            walk.member(name, p);
            JsonToken t = p.nextToken();
            switch (name) {
                case "table" -> table = text(p, t, index, name);
                case "op" -> op = text(p, t, index, name);
                case "if" -> cond = text(p, t, index, name);
                case "fmt" -> {
                    expect(t, JsonToken.VALUE_NUMBER_INT, "changes[" + index + "].fmt is a whole number");
                    fmt = p.getIntValue();
                }
                case "value", "patch" -> {
                    if (payloadName != null) {
                        throw new MalformedEventException("changes[" + index + "] carries both a value and a patch");
                    }
                    payloadName = name;
                    payloadToken = t;
                    start = start(p);
                    walk.value(p, t);
                    end = end(p);
                }
                case "playerId", "entityId", "appId", "key" -> {
                    ids[idSlot(name)] = t == JsonToken.VALUE_NULL ? null : text(p, t, index, name);
                    named[idSlot(name)] = true;
                }
                case "worldId" -> world = text(p, t, index, name);
                default -> walk.value(p, t); // a later release's field
            }
        }
        String at = "changes[" + index + "]";
        Table tbl;
        Op o;
        try {
            tbl = Table.fromWireName(table);
            o = Op.fromWireName(op);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new MalformedEventException(at + ": " + (table == null || op == null ? "table and op are required" : e.getMessage()));
        }
        if (!tbl.perWorld()) {
            throw new MalformedEventException(at + ": " + tbl.wireName() + " is not a table of a world");
        }
        if (fmt < 1) {
            throw new MalformedEventException(at + ": fmt starts at 1, was " + fmt);
        }
        if (world != null && !world.equals(worldId)) {
            throw new MalformedEventException(at + ": names world '" + world + "', but the batch is of world '" + worldId
                    + "' (a batch changes one world)");
        }
        List<String> fields = tbl.idFields();
        for (String idField : new String[] {"playerId", "entityId", "appId", "key"}) {
            if (named[idSlot(idField)] && !fields.contains(idField)) {
                throw new MalformedEventException(at + ": " + idField + " is not an id of " + tbl.wireName() + " (its ids: "
                        + fields.subList(1, fields.size()) + ")");
            }
        }
        String[] keyIds = new String[fields.size()];
        keyIds[0] = worldId;
        for (int f = 1; f < fields.size(); f++) {
            keyIds[f] = ids[idSlot(fields.get(f))];
        }
        Key key;
        try {
            key = tbl.key(keyIds);
            key.check();
        } catch (RuntimeException e) {
            throw new MalformedEventException(at + ": bad key: " + e.getMessage(), e);
        }
        String expectedPayload = o == Op.PUT ? "value" : o == Op.MERGE ? "patch" : null;
        if (expectedPayload == null ? payloadName != null : !expectedPayload.equals(payloadName)) {
            throw new MalformedEventException(at + ": a " + o.wireName() + (expectedPayload == null ? " has no payload"
                    : " carries its " + expectedPayload));
        }
        if (payloadToken != null && tbl != Table.APP_STORAGE && payloadToken != JsonToken.START_OBJECT) {
            throw new MalformedEventException(at + ": a " + payloadName + " of " + tbl.wireName() + " is a JSON object");
        }
        if (payloadToken == JsonToken.VALUE_NULL) {
            throw new MalformedEventException(at + ": a " + payloadName + " of app storage is not null (a delete removes a key)");
        }
        Condition condition = EventCodec.parseCondition(cond);
        return expectedPayload == null ? new BatchEvent.Item(key, o, condition, fmt, null, 0, 0)
                : new BatchEvent.Item(key, o, condition, fmt, doc, start, end - start);
    }

    private static int idSlot(String name) {
        return switch (name) {
            case "playerId" -> 0;
            case "entityId" -> 1;
            case "appId" -> 2;
            default -> 3;
        };
    }

    private static String text(JsonParser p, JsonToken t, int index, String name) throws IOException, MalformedEventException {
        if (t != JsonToken.VALUE_STRING) {
            throw new MalformedEventException("changes[" + index + "]." + name + " is a string");
        }
        return p.getText();
    }

    /** Byte offset where the current token starts. */
    private static int start(JsonParser p) {
        return (int) p.currentTokenLocation().getByteOffset();
    }

    /**
     * Byte offset just after the current token (the end of the value just read or skipped). A
     * string's text is read lazily, so the token is finished first, else the offset would stop
     * after its opening quote.
     */
    private static int end(JsonParser p) throws IOException {
        p.finishToken();
        return (int) p.currentLocation().getByteOffset();
    }

    private static void expect(JsonToken actual, JsonToken expected, String rule) throws MalformedEventException {
        if (actual != expected) {
            throw new MalformedEventException(rule);
        }
    }
}
