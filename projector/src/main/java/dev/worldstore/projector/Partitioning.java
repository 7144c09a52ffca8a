package dev.worldstore.projector;

import dev.worldstore.Key;

/**
 * Which partition of the change log holds a world: Kafka's default murmur2 partitioning of the
 * world id (see {@link EventCodec#partitionFor}), registrations under {@value EventCodec#PLAYERS_ROUTING_KEY}.
 * Immutable.
 */
record Partitioning(int partitions) {

    /** The partition of {@code worldId}; {@code null} means the players partition. */
    int of(String worldId) {
        return EventCodec.partitionFor(worldId == null ? EventCodec.PLAYERS_ROUTING_KEY : worldId, partitions);
    }

    int of(Key key) {
        return of(key.worldId());
    }
}
