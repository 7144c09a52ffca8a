package dev.worldstore;

/** A stored value could not be decoded. Reported on load, never a crash; the projection is left as is. */
public final class CorruptDataException extends WorldStoreException.RejectedException {
    private static final long serialVersionUID = 1L;

    private final Key key;

    public CorruptDataException(Key key, String detail, Throwable cause) {
        super(ErrorCode.CORRUPT_DATA, "stored value of " + key + " is malformed: " + detail, cause);
        this.key = key;
    }

    public Key key() {
        return key;
    }
}
