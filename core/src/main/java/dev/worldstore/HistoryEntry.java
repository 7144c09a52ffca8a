package dev.worldstore;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Instant;
import java.util.Objects;

/**
 * One applied change of one key, for audit. Values are kept as JSON bytes and parsed only when
 * asked for ({@link #change()}, {@link #result()}); {@link #writeChange} and {@link #writeResult}
 * forward them unparsed. Immutable and thread-safe.
 */
public final class HistoryEntry {
    private final Op op;
    private final Stored change;
    private final Stored result;

    /**
     * @param op what the change did; not null
     * @param change the change as recorded: its key, version (the event's log offset), timestamp,
     *     origin, actor and format, and as value the saved value (put), the merge patch
     *     (merge-patch) or JSON {@code null} (delete); not null
     * @param result the key's value after the change, or {@code null} when not asked for or after a delete
     */
    public HistoryEntry(Op op, Stored change, Stored result) {
        this.op = Objects.requireNonNull(op, "op");
        this.change = Objects.requireNonNull(change, "change");
        this.result = result;
    }

    public Key key() {
        return change.key();
    }

    /** The key's version after the change (the event's log offset). */
    public long version() {
        return change.version();
    }

    public Op op() {
        return op;
    }

    public Instant timestamp() {
        return change.updatedAt();
    }

    public String origin() {
        return change.origin();
    }

    /** Who asked for the change, or {@code null}. */
    public String actor() {
        return change.actor();
    }

    public int formatVersion() {
        return change.formatVersion();
    }

    /** The saved value (put), the merge patch (merge-patch), or {@code null} (delete). */
    public JsonNode change() {
        JsonNode n = change.value();
        return n.isNull() ? null : n;
    }

    /** The key's value after the change when asked for; {@code null} otherwise or after a delete. */
    public JsonNode result() {
        return result == null ? null : result.value();
    }

    /** Writes {@link #change()} as the next value of {@code gen}, unparsed (JSON {@code null} for a delete). */
    public void writeChange(JsonGenerator gen) throws IOException {
        change.writeJson(gen);
    }

    /** Writes {@link #result()} as the next value of {@code gen}, unparsed where it was not computed ({@code null} if none). */
    public void writeResult(JsonGenerator gen) throws IOException {
        if (result == null) {
            gen.writeNull();
        } else {
            result.writeJson(gen);
        }
    }

    @Override
    public String toString() {
        return "HistoryEntry[" + key() + " version=" + version() + " " + op.wireName() + "]";
    }
}
