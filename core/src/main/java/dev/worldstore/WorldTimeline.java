package dev.worldstore;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * When a world's changes happened, from a node's history index, as {@link WorldStore#timeline}
 * reads it: how many, the first and the last, and how they spread over time.
 *
 * <p>A batch counts once per key it changed. History pruned by {@code retention.history.*} is not
 * counted; the log still holds it.
 *
 * @param worldId the world
 * @param changes key changes in the history index (0 for a world without history)
 * @param first time of the earliest change, or {@code null} when there is none
 * @param last time of the latest change, or {@code null} when there is none
 * @param firstPosition log position of the earliest change, or {@code null}
 * @param lastPosition log position of the latest change, or {@code null}
 * @param density changes per interval: {@code density.size()} equal intervals from {@code first}
 *     to {@code last} (the last interval includes {@code last}); empty when there is no change
 */
public record WorldTimeline(String worldId, long changes, Instant first, Instant last, LogPosition firstPosition,
        LogPosition lastPosition, List<Long> density) {
    public WorldTimeline {
        Objects.requireNonNull(worldId, "worldId");
        density = List.copyOf(density);
    }
}
