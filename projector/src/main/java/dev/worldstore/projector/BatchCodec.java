package dev.worldstore.projector;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
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
     * Reads a batch document of world {@code worldId}.
     *
     * @throws MalformedEventException naming what is wrong (and the change's index)
     */
    static Document decode(String worldId, byte[] doc) throws MalformedEventException {
        if (doc == null) {
            throw new MalformedEventException("a batch has no value");
        }
        List<BatchEvent.Item> items = new ArrayList<>();
        int limit = -1;
        byte[] meta = null;
        try (JsonParser p = Json.parser(doc, 0, doc.length)) {
            expect(p.nextToken(), JsonToken.START_OBJECT, "a batch document is a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "limit" -> {
                        expect(t, JsonToken.VALUE_NUMBER_INT, "limit is a whole number");
                        limit = p.getIntValue();
                    }
                    case "meta" -> {
                        int start = start(p);
                        p.skipChildren();
                        meta = java.util.Arrays.copyOfRange(doc, start, end(p));
                    }
                    case "changes" -> {
                        expect(t, JsonToken.START_ARRAY, "changes is an array");
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            items.add(item(p, doc, worldId, items.size()));
                        }
                    }
                    default -> p.skipChildren(); // a later release's field
                }
            }
            if (p.nextToken() != null) {
                throw new MalformedEventException("trailing content after the batch document");
            }
        } catch (JsonProcessingException e) {
            throw new MalformedEventException("the batch document is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new MalformedEventException("the batch document could not be read: " + e.getMessage(), e);
        }
        if (items.isEmpty()) {
            throw new MalformedEventException("a batch holds at least one change");
        }
        if (limit < 1) {
            throw new MalformedEventException("a batch names its value limit (limit >= 1)");
        }
        return new Document(items, limit, meta);
    }

    private static BatchEvent.Item item(JsonParser p, byte[] doc, String worldId, int index) throws IOException,
            MalformedEventException {
        String table = null;
        String op = null;
        String cond = null;
        int fmt = 1;
        String[] ids = new String[4];
        int start = -1;
        int end = -1;
        String payloadName = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
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
                    payloadName = name;
                    start = start(p);
                    p.skipChildren();
                    end = end(p);
                }
                case "playerId", "entityId", "appId", "key" -> ids[idSlot(name)] = t == JsonToken.VALUE_NULL ? null : text(p, t, index, name);
                default -> p.skipChildren();
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
        List<String> fields = tbl.idFields();
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
        if (o == Op.PUT && tbl != Table.APP_STORAGE && doc[start] != '{') {
            throw new MalformedEventException(at + ": a value of " + tbl.wireName() + " is a JSON object");
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
