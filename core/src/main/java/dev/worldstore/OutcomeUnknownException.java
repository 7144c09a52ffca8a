package dev.worldstore;

/**
 * A write got no outcome within {@code write.timeout.ms}: Kafka did not acknowledge it, or the
 * projector's verdict did not arrive, in time. The write <em>may</em> have been appended and may
 * still be applied. A plain retry can write it twice; retry with the same idempotency key
 * ({@link Change#withIdempotencyKey}, HTTP {@code Idempotency-Key}) to apply it at most once, or
 * with a condition.
 */
public final class OutcomeUnknownException extends WorldStoreException.TransientException {
    private static final long serialVersionUID = 1L;

    public OutcomeUnknownException(String message, Throwable cause) {
        super(ErrorCode.OUTCOME_UNKNOWN, message, cause);
    }
}
