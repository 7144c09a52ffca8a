package dev.worldstore;

import java.time.Instant;
import java.util.Objects;

/**
 * A change-log record the projector could not decode or apply. Kept for inspection and skipped; it
 * never stalls the projector.
 *
 * @param headers the record's headers as text, {@code name=value} joined by newlines
 * @param value the raw record value, or {@code null}
 */
public record DeadLetter(LogPosition position, Instant recordedAt, String reason, String headers, byte[] value) {
    public DeadLetter {
        Objects.requireNonNull(position, "position");
        Objects.requireNonNull(reason, "reason");
    }
}
