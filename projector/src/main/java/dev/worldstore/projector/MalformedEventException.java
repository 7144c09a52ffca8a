package dev.worldstore.projector;

/** A change-log record that is not a valid worldstore event. The projector dead-letters it. */
final class MalformedEventException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedEventException(String message) {
        super(message);
    }

    MalformedEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
