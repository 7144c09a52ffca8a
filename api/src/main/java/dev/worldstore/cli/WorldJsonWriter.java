package dev.worldstore.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.CorruptDataException;
import dev.worldstore.Key;
import dev.worldstore.Stored;
import dev.worldstore.internal.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Streams one world as JSON in the shape of an HTTP snapshot:
 * {@code {"world","asOf","worldState","entities":[…],"players":[{"playerId","state"}],
 * "apps":[{"appId","playerId","key","value"}]}} ({@code worldState} is {@code null} and the arrays
 * empty when the world has none; {@code playerId} of world-wide app data is {@code null}).
 *
 * <p>A {@link Consumer} of the keys in the order a world is streamed (world state, entities, player
 * states, app data): each value is written as it arrives, so memory is bounded by one value. A value
 * whose stored bytes are not JSON is left out and counted in {@link #corrupt()}, never written
 * half. Call {@link #finish()} after the last key.
 */
final class WorldJsonWriter implements Consumer<Stored> {

    private enum Section { HEAD, WORLD_STATE, ENTITIES, PLAYERS, APPS, DONE }

    private final JsonGenerator gen;
    private Section at = Section.HEAD;
    private long entities;
    private long players;
    private long apps;
    private boolean worldState;
    private final List<String> corrupt = new ArrayList<>();

    /** Writes the head ({@code world}, {@code asOf}); the caller keeps ownership of {@code out}. */
    WorldJsonWriter(Writer out, String worldId, String asOf) throws IOException {
        this.gen = Json.MAPPER.getFactory().createGenerator(out);
        gen.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        gen.writeStartObject();
        gen.writeStringField("world", worldId);
        gen.writeStringField("asOf", asOf);
    }

    @Override
    public void accept(Stored s) {
        try {
            Key key = s.key();
            JsonNode value;
            try {
                value = s.value();
            } catch (CorruptDataException e) {
                corrupt.add(key + ": " + e.getMessage());
                return;
            }
            if (key instanceof Key.WorldState) {
                advanceTo(Section.WORLD_STATE);
                gen.writeFieldName("worldState");
                gen.writeTree(value);
                worldState = true;
                advanceTo(Section.ENTITIES);
            } else if (key instanceof Key.Entity) {
                advanceTo(Section.ENTITIES);
                gen.writeTree(value);
                entities++;
            } else if (key instanceof Key.PlayerState p) {
                advanceTo(Section.PLAYERS);
                gen.writeStartObject();
                gen.writeStringField("playerId", p.playerId());
                gen.writeFieldName("state");
                gen.writeTree(value);
                gen.writeEndObject();
                players++;
            } else if (key instanceof Key.AppData a) {
                advanceTo(Section.APPS);
                gen.writeStartObject();
                gen.writeStringField("appId", a.appId());
                gen.writeStringField("playerId", a.playerId());
                gen.writeStringField("key", a.key());
                gen.writeFieldName("value");
                gen.writeTree(value);
                gen.writeEndObject();
                apps++;
            } else {
                throw new IllegalStateException("a world holds no " + key.table() + " keys: " + key);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Closes the open section and writes every section between it and {@code target} empty. The
     * sections come in a fixed order; a key of an earlier section after a later one is a bug of the
     * source, reported rather than written out of shape.
     */
    private void advanceTo(Section target) throws IOException {
        if (target.ordinal() < at.ordinal()) {
            throw new IllegalStateException("keys arrived out of table order: " + target + " after " + at);
        }
        while (at != target) {
            switch (at) {
                case HEAD -> { }
                case WORLD_STATE -> {
                    if (!worldState) {
                        gen.writeNullField("worldState");
                    }
                }
                case ENTITIES, PLAYERS, APPS -> gen.writeEndArray();
                case DONE -> throw new IllegalStateException("finished");
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

    /** Writes the missing sections and the closing brace, and flushes. */
    void finish() throws IOException {
        advanceTo(Section.DONE);
        gen.writeEndObject();
        gen.writeRaw('\n');
        gen.close();
    }

    boolean hasWorldState() {
        return worldState;
    }

    long entities() {
        return entities;
    }

    long players() {
        return players;
    }

    long apps() {
        return apps;
    }

    /** The keys left out because their stored value is not JSON, with the reason. */
    List<String> corrupt() {
        return corrupt;
    }
}
