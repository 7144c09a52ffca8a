package dev.worldstore;

/** Kafka did not acknowledge a write in time or could not be reached. Names the topic; retry later. */
public final class LogUnavailableException extends WorldStoreException.TransientException {
    private static final long serialVersionUID = 1L;

    public LogUnavailableException(String message, Throwable cause) {
        super(ErrorCode.LOG_UNAVAILABLE, message, cause);
    }
}
