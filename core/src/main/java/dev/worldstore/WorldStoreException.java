package dev.worldstore;

import java.util.Objects;

/**
 * Root of worldstore's unchecked exceptions. Split in two by whether a retry helps:
 * {@link TransientException} (retry later) and {@link RejectedException} (the request itself
 * cannot succeed as sent). Every exception carries a stable {@link ErrorCode}.
 */
public abstract sealed class WorldStoreException extends RuntimeException
        permits WorldStoreException.TransientException, WorldStoreException.RejectedException {
    private static final long serialVersionUID = 1L;


    private final ErrorCode code;

    WorldStoreException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    public ErrorCode code() {
        return code;
    }

    public boolean retriable() {
        return code.retriable();
    }

    /** A retry of the same request later may succeed. */
    public abstract static non-sealed class TransientException extends WorldStoreException {
        private static final long serialVersionUID = 1L;

        protected TransientException(ErrorCode code, String message, Throwable cause) {
            super(code, message, cause);
            if (!code.retriable()) {
                throw new IllegalArgumentException(code + " is not a transient code");
            }
        }
    }

    /** The request cannot succeed as sent; retrying it unchanged will fail again. */
    public abstract static non-sealed class RejectedException extends WorldStoreException {
        private static final long serialVersionUID = 1L;

        protected RejectedException(ErrorCode code, String message, Throwable cause) {
            super(code, message, cause);
            if (code.retriable()) {
                throw new IllegalArgumentException(code + " is a transient code");
            }
        }
    }
}
