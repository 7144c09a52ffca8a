package dev.worldstore.cli;

/**
 * A runtime failure of a command that is fully described by its message (e.g. "cannot write
 * out.json: No space left on device"): printed as one line, exit code 1, no stack trace.
 */
final class CliFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CliFailure(String message, Throwable cause) {
        super(message, cause);
    }

    CliFailure(String message) {
        super(message);
    }
}
