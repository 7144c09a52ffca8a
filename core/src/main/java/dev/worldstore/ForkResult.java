package dev.worldstore;

import java.util.Objects;

/**
 * What {@link WorldStore#forkWorld} did.
 *
 * @param worldId the new world
 * @param sourceWorldId the world it was copied from
 * @param sourcePosition the last position of the source's partition the copy includes
 * @param keys keys written into the new world
 * @param batches batch events those keys were written in (the first records the source and point)
 * @param lastPosition the last batch's position: pass it to a read to see the whole copy on any node
 */
public record ForkResult(String worldId, String sourceWorldId, LogPosition sourcePosition, int keys, int batches,
        LogPosition lastPosition) {
    public ForkResult {
        Objects.requireNonNull(worldId, "worldId");
        Objects.requireNonNull(sourceWorldId, "sourceWorldId");
        Objects.requireNonNull(sourcePosition, "sourcePosition");
        Objects.requireNonNull(lastPosition, "lastPosition");
    }
}
