package dev.worldstore.projector;

import dev.worldstore.IdempotencyKeys;
import java.util.Objects;

/**
 * The idempotency key an event carries, with the window its writer used
 * ({@code idempotency.window.ms}): of the events of one world with the same key whose timestamps lie
 * within the window of the first applied one, only that first is applied. The window travels with
 * the event so every node decides alike whatever its own setting.
 *
 * @param key 1 to 255 printable ASCII characters ({@link IdempotencyKeys})
 * @param windowMs at least 1
 */
record Idempotency(String key, long windowMs) {
    Idempotency {
        Objects.requireNonNull(key, "key");
        if (windowMs < 1) {
            throw new IllegalArgumentException("window must be positive, was " + windowMs);
        }
    }
}
