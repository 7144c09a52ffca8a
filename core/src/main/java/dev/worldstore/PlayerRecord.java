package dev.worldstore;

import java.time.Instant;
import java.util.Objects;

/**
 * A registered player (the guide's {@code players} table).
 *
 * @param lastSeen the latest of registration and the player's last state save in any world
 */
public record PlayerRecord(String id, String username, Instant createdAt, Instant lastSeen, long version) {
    public PlayerRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(lastSeen, "lastSeen");
    }
}
