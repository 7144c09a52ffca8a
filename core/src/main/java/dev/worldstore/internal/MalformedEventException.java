package dev.worldstore.internal;

/** A change-log record that is not a valid worldstore event. The projector dead-letters it. */
public final class MalformedEventException extends Exception {
    public MalformedEventException(String message) {
        super(message);
    }

    public MalformedEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
