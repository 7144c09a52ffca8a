package dev.worldstore;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Writes one world, as {@link WorldStore#snapshot} streams it, as the snapshot document of the HTTP
 * API and the CLI:
 *
 * <pre>
 * {"world": "w1", "asOf": "2026-11-24T14:02:00Z" | "3-1042",
 *  "worldState": {...} | null,
 *  "entities": [{...}, ...],
 *  "players": [{"playerId": "p1", "state": {...}}, ...],
 *  "apps": [{"appId": "a", "playerId": "p1" | null, "key": "k", "value": ...}, ...]}
 * </pre>
 *
 * Every section is present (empty when the world has none). Values are written as the JSON bytes
 * the store holds, unparsed; each is first checked to be one well-formed value (a token scan, no
 * tree), and one that is not is left out of the document and listed in {@link #corrupt()}, never
 * written half. Memory is bounded by one value.
 *
 * <p>A {@link Consumer} of the keys in the order a world is streamed (world state, entities, player
 * states, app data). The generator is obtained from the supplier on the first key (or on
 * {@link #finish()}), so a caller can still answer with an error before anything is written. Not
 * thread-safe.
 */
public final class SnapshotDocument implements Consumer<Stored> {

    private enum Section { HEAD, WORLD_STATE, ENTITIES, PLAYERS, APPS, DONE }

    private final Supplier<JsonGenerator> open;
    private final String worldId;
    private final String asOf;
    private JsonGenerator gen;
    private Section at = Section.HEAD;
    private long entities;
    private long players;
    private long apps;
    private boolean worldState;
    private final List<String> corrupt = new ArrayList<>();

    /**
     * @param open gives the generator to write to, once; the caller keeps ownership of what it writes to
     * @param worldId the world, written as {@code world}
     * @param asOf the point in time as the caller names it, written as {@code asOf}
     */
    public SnapshotDocument(Supplier<JsonGenerator> open, String worldId, String asOf) {
        this.open = Objects.requireNonNull(open, "open");
        this.worldId = Objects.requireNonNull(worldId, "worldId");
        this.asOf = Objects.requireNonNull(asOf, "asOf");
    }

    /** True once the first byte was written (a response can no longer change its status). */
    public boolean started() {
        return gen != null;
    }

    /**
     * Writes one key's value into its section.
     *
     * @throws IllegalStateException if keys arrive out of table order or after {@link #finish()}
     * @throws UncheckedIOException if writing fails
     */
    @Override
    public void accept(Stored s) {
        Key key = s.key();
        Section section = sectionOf(key);
        try {
            s.checkJson();
        } catch (CorruptDataException e) {
            corrupt.add(key.describe() + ": " + e.getMessage());
            return;
        }
        try {
            advanceTo(section);
            switch (section) {
                case WORLD_STATE -> {
                    if (worldState) {
                        throw new IllegalStateException("the world state of " + worldId + " arrived twice");
                    }
                    gen.writeFieldName("worldState");
                    s.writeJson(gen);
                    worldState = true;
                }
                case ENTITIES -> {
                    s.writeJson(gen);
                    entities++;
                }
                case PLAYERS -> {
                    gen.writeStartObject();
                    gen.writeStringField("playerId", ((Key.PlayerState) key).playerId());
                    gen.writeFieldName("state");
                    s.writeJson(gen);
                    gen.writeEndObject();
                    players++;
                }
                default -> {
                    Key.AppData a = (Key.AppData) key;
                    gen.writeStartObject();
                    gen.writeStringField("appId", a.appId());
                    gen.writeStringField("playerId", a.playerId());
                    gen.writeStringField("key", a.key());
                    gen.writeFieldName("value");
                    s.writeJson(gen);
                    gen.writeEndObject();
                    apps++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Section sectionOf(Key key) {
        return switch (key.table()) {
            case WORLD_STATE -> Section.WORLD_STATE;
            case ENTITY_STATES -> Section.ENTITIES;
            case PLAYER_STATES -> Section.PLAYERS;
            case APP_STORAGE -> Section.APPS;
            case PLAYERS -> throw new IllegalStateException("a world holds no " + key.table().wireName() + " keys: " + key);
        };
    }

    /**
     * Closes the open section and writes every section between it and {@code target} empty. The
     * sections come in a fixed order; a key of an earlier section after a later one is a bug of the
     * source, reported rather than written out of shape.
     */
    private void advanceTo(Section target) throws IOException {
        if (target.ordinal() < at.ordinal() || at == Section.DONE) {
            throw new IllegalStateException("keys arrived out of table order: " + target + " after " + at);
        }
        if (gen == null) {
            gen = open.get();
            gen.writeStartObject();
            gen.writeStringField("world", worldId);
            gen.writeStringField("asOf", asOf);
        }
        while (at != target) {
            switch (at) {
                case WORLD_STATE -> {
                    if (!worldState) {
                        gen.writeNullField("worldState");
                    }
                }
                case ENTITIES, PLAYERS, APPS -> gen.writeEndArray();
                default -> { }
            }
            at = Section.values()[at.ordinal() + 1];
            switch (at) {
                case ENTITIES -> gen.writeArrayFieldStart("entities");
                case PLAYERS -> gen.writeArrayFieldStart("players");
                case APPS -> gen.writeArrayFieldStart("apps");
                default -> { }
            }
        }
    }

    /**
     * Writes the sections not yet written, leaving the document object open for a caller that adds
     * members of its own (an in-band error, say) before it calls {@link JsonGenerator#writeEndObject()}.
     *
     * @return the generator, positioned inside the document object
     */
    public JsonGenerator finishSections() {
        try {
            advanceTo(Section.DONE);
            return gen;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the sections not yet written and the closing brace, and flushes. */
    public void finish() {
        try {
            finishSections().writeEndObject();
            gen.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * After a failure once writing had started: closes the open section if the generator allows,
     * so a caller can add a member saying what went wrong. Leaves the document cut short if not.
     *
     * @return the generator inside the document object, or {@code null} if nothing was started or
     *     it cannot be continued
     */
    public JsonGenerator abandon() {
        if (gen == null) {
            return null;
        }
        try {
            if (gen.getOutputContext().inArray()) {
                gen.writeEndArray();
            }
            return gen.getOutputContext().inObject() ? gen : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    public boolean hasWorldState() {
        return worldState;
    }

    public long entities() {
        return entities;
    }

    public long players() {
        return players;
    }

    public long apps() {
        return apps;
    }

    /** The keys left out because their stored value is not JSON, each with the reason. */
    public List<String> corrupt() {
        return List.copyOf(corrupt);
    }
}
