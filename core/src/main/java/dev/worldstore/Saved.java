package dev.worldstore;

/**
 * The outcome of an applied write.
 *
 * <p>A key's version is the log offset of the event that last changed it (see the README,
 * "Versions"): it grows with every applied change, is the same on every node, and is known as
 * soon as Kafka acknowledges the event, so an unconditional save never waits for the projector.
 *
 * @param version the key's new version
 * @param position where the event sits in the log; pass it to a load to read your write anywhere
 */
public record Saved(long version, LogPosition position) {
}
