package dev.worldstore;

import java.util.OptionalLong;

/**
 * A conditional write was refused by the projector: the key's version was not the expected one
 * ({@link ErrorCode#VERSION_CONFLICT}) or a create-only write found a value
 * ({@link ErrorCode#ALREADY_EXISTS}).
 */
public final class ConflictException extends WorldStoreException.RejectedException {
    private static final long serialVersionUID = 1L;

    private final Key key;
    private final Condition expected;
    private final Long actualVersion;

    /** @param actualVersion the key's version when the write was decided, {@code null} if absent */
    public ConflictException(Key key, Condition expected, Long actualVersion) {
        super(expected instanceof Condition.Absent ? ErrorCode.ALREADY_EXISTS : ErrorCode.VERSION_CONFLICT,
                message(key, expected, actualVersion), null);
        this.key = key;
        this.expected = expected;
        this.actualVersion = actualVersion;
    }

    private static String message(Key key, Condition expected, Long actual) {
        String now = actual == null ? "absent" : "at version " + actual;
        return key + ": expected " + expected + " but the key is " + now;
    }

    public Key key() {
        return key;
    }

    public Condition expected() {
        return expected;
    }

    /** The version the key had when the write was decided; empty if it held no value. */
    public OptionalLong actualVersion() {
        return actualVersion == null ? OptionalLong.empty() : OptionalLong.of(actualVersion);
    }
}
