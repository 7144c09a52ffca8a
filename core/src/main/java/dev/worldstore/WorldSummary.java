package dev.worldstore;

import java.util.Objects;

/**
 * What one world holds now on a node's projection: counts of its current keys, as
 * {@link WorldStore#worldSummary} reads them.
 *
 * @param worldId the world
 * @param entities current entities (entity_states keys)
 * @param playerStates current player states of the world
 * @param appData current app storage keys of the world, world-wide and per player, of every app
 * @param worldState whether the world state is set
 * @param history whether any key of the world has history on this node (the world exists or existed)
 */
public record WorldSummary(String worldId, long entities, long playerStates, long appData, boolean worldState, boolean history) {
    public WorldSummary {
        Objects.requireNonNull(worldId, "worldId");
    }

    /** True when the world holds any key now or held one before. */
    public boolean exists() {
        return history || worldState || entities > 0 || playerStates > 0 || appData > 0;
    }
}
