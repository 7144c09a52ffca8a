package dev.worldstore;

import java.time.Instant;
import java.util.Objects;

/**
 * A registered player (the guide's {@code players} table).
 *
 * @param lastSeen the latest of registration and the player's last state save in any world
 * @param version the registration's version (its log offset)
 * @param position the registration's log position: pass it to read the player on another node
 */
public record PlayerRecord(String id, String username, Instant createdAt, Instant lastSeen, long version, LogPosition position) {
    public PlayerRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(lastSeen, "lastSeen");
        Objects.requireNonNull(position, "position");
    }
}
