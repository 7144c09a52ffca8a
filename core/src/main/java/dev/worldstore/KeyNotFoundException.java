package dev.worldstore;

import java.util.Objects;

/**
 * A delete found no value at its key. Nothing changed and nothing was recorded: a change that
 * changes nothing is not an event (no history entry, no change-feed event). Callers that only
 * want the key gone may treat it as success.
 */
public final class KeyNotFoundException extends WorldStoreException.RejectedException {
    private static final long serialVersionUID = 1L;

    private final transient Key key;

    /** @param key the key that holds no value (not null) */
    public KeyNotFoundException(Key key) {
        super(ErrorCode.KEY_NOT_FOUND, "no value is stored at " + Objects.requireNonNull(key, "key").describe()
                + "; nothing was deleted", null);
        this.key = key;
    }

    /** The key that holds no value; {@code null} after deserialization. */
    public Key key() {
        return key;
    }
}
