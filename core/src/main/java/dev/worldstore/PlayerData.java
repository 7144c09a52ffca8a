package dev.worldstore;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything of one player in one world, read from one consistent snapshot: the player's state and
 * the player's data in every app (world-wide app data is not the player's and is not included).
 *
 * @param state the player's state, empty if none
 * @param appData the player's app data, by app then key
 */
public record PlayerData(String worldId, String playerId, Optional<Stored> state, List<Stored> appData) {
    public PlayerData {
        Objects.requireNonNull(worldId, "worldId");
        Objects.requireNonNull(playerId, "playerId");
        Objects.requireNonNull(state, "state");
        appData = List.copyOf(appData);
    }
}
