package dev.worldstore.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.worldstore.ChangeRecord;
import dev.worldstore.Key;
import dev.worldstore.Op;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A world's changes as the change feed ({@link ChangeStream}) and the audit log
 * ({@link HistoryRoutes}) report them: which changes a key may see, a batch as one event, and the
 * JSON of an event. Stateless.
 */
final class ChangeEvents {
    private ChangeEvents() {
    }

    /** False for another app's storage change when the key is limited to some apps. */
    static boolean visible(ChangeRecord r, ApiKeys.Principal principal) {
        return principal == null || !(r.key() instanceof Key.AppData a) || principal.mayApp(a.appId());
    }

    /**
     * The feed's records as events: a change saved alone is one event; the changes of a batch (one
     * position) are one event, whole, with the changes the principal may not see left out (a batch
     * left with none is not an event for it).
     */
    static List<List<ChangeRecord>> events(List<ChangeRecord> records, ApiKeys.Principal principal) {
        List<List<ChangeRecord>> events = new ArrayList<>();
        List<ChangeRecord> open = null;
        for (ChangeRecord r : records) {
            boolean continues = open != null && r.inBatch() && r.batchIndex() > 0 && open.get(0).position().equals(r.position());
            if (!continues) {
                if (open != null && !open.isEmpty()) {
                    events.add(open);
                }
                open = new ArrayList<>(r.inBatch() ? r.batchSize() : 1);
            }
            if (visible(r, principal)) {
                open.add(r);
            }
        }
        if (open != null && !open.isEmpty()) {
            events.add(open);
        }
        return events;
    }

    /**
     * Writes one event: a single change as {@link #writeChange}, a batch as {@code {"op": "batch",
     * worldId, version, position, changes: [{table, <ids>, op, value | patch}], actor, origin,
     * timestamp, eventId}}.
     */
    static void writeEvent(JsonGenerator gen, List<ChangeRecord> event) throws IOException {
        ChangeRecord first = event.get(0);
        if (!first.inBatch()) {
            writeChange(gen, first);
            return;
        }
        gen.writeStartObject();
        gen.writeStringField("op", "batch");
        gen.writeStringField("worldId", first.key().worldId());
        gen.writeNumberField("version", first.version());
        gen.writeStringField("position", first.position().toString());
        gen.writeArrayFieldStart("changes");
        for (ChangeRecord r : event) {
            gen.writeStartObject();
            BatchRoutes.writeKey(gen, r.key());
            gen.writeStringField("op", r.op().wireName());
            writePayload(gen, r);
            gen.writeEndObject();
        }
        gen.writeEndArray();
        gen.writeStringField("actor", first.actor());
        gen.writeStringField("origin", first.origin());
        gen.writeStringField("timestamp", first.timestamp().toString());
        gen.writeStringField("eventId", first.eventId());
        gen.writeEndObject();
    }

    private static void writePayload(JsonGenerator gen, ChangeRecord r) throws IOException {
        if (r.op() == Op.PUT) {
            gen.writeFieldName("value");
            r.writePayload(gen);
        } else if (r.op() == Op.MERGE) {
            gen.writeFieldName("patch");
            r.writePayload(gen);
        }
    }

    /**
     * Writes one change as the JSON object the change feed and the audit log report:
     * {@code {table, <the table's id fields>, op, version, position, value | patch, actor, origin,
     * timestamp, eventId}}. The value or patch is the event's JSON as written, unparsed.
     */
    static void writeChange(JsonGenerator gen, ChangeRecord r) throws IOException {
        Key key = r.key();
        gen.writeStartObject();
        gen.writeStringField("table", key.table().wireName());
        List<String> ids = key.table().idFields();
        for (int i = 0; i < ids.size(); i++) {
            gen.writeStringField(ids.get(i), key.id(i));
        }
        gen.writeStringField("op", r.op().wireName());
        gen.writeNumberField("version", r.version());
        gen.writeStringField("position", r.position().toString());
        writePayload(gen, r);
        gen.writeStringField("actor", r.actor());
        gen.writeStringField("origin", r.origin());
        gen.writeStringField("timestamp", r.timestamp().toString());
        gen.writeStringField("eventId", r.eventId());
        gen.writeEndObject();
    }
}
