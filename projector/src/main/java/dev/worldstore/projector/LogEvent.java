package dev.worldstore.projector;

/**
 * A record of the change log, decoded: one change ({@link ChangeEvent}) or a world transaction
 * ({@link BatchEvent}). Both carry who wrote them, from which node, and when.
 */
sealed interface LogEvent permits ChangeEvent, BatchEvent {
    String eventId();

    String origin();

    /** Who asked for it, or {@code null}. */
    String actor();

    /** The event time, epoch milliseconds (the record's timestamp). */
    long timestampMs();

    /** The idempotency key and window, or {@code null}. */
    Idempotency idempotency();

    /** The world it changes; {@code null} for a player registration (players are global). */
    String worldId();
}
