package dev.worldstore;

import java.util.Objects;

/**
 * The outcome of an applied write.
 *
 * <p>A key's version is the log offset of the event that last changed it (see the README,
 * "Versions"): it grows with every applied change, is the same on every node, and is known as
 * soon as Kafka acknowledges the event, so an unconditional save never waits for the projector.
 *
 * @param version the key's new version
 * @param position where the event sits in the log; pass it to a load to read your write anywhere
 * @param replayed true when this is a retry with an idempotency key that was already applied: the
 *     retry changed nothing, and {@code version} and {@code position} are the first write's
 */
public record Saved(long version, LogPosition position, boolean replayed) {
    public Saved {
        Objects.requireNonNull(position, "position");
    }

    /** The outcome of a write applied now (not a replay). */
    public Saved(long version, LogPosition position) {
        this(version, position, false);
    }
}
