package dev.worldstore;

/**
 * The calling thread was interrupted while it waited for Kafka, a verdict or the projection. The
 * thread's interrupt flag is set again before this is thrown. Whether a write waited on was applied
 * is unknown: retry it with a condition.
 */
public final class InterruptedWaitException extends WorldStoreException.TransientException {
    private static final long serialVersionUID = 1L;

    public InterruptedWaitException(String waitingFor, InterruptedException cause) {
        super(ErrorCode.INTERRUPTED, "interrupted while waiting for " + waitingFor, cause);
    }
}
