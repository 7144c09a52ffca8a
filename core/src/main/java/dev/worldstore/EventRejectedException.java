package dev.worldstore;

/**
 * The change was appended to the log, but the projector could not apply it and kept it as a dead
 * letter ({@link WorldStore#deadLetters}). The store's fault, not the request's: a valid change is
 * never rejected; the reason names what failed.
 */
public final class EventRejectedException extends WorldStoreException.RejectedException {
    private static final long serialVersionUID = 1L;

    private final Key key;

    public EventRejectedException(Key key, String reason) {
        super(ErrorCode.EVENT_REJECTED, "the projector could not apply the change of " + key.describe() + " and kept it as a dead "
                + "letter: " + reason, null);
        this.key = key;
    }

    public Key key() {
        return key;
    }
}
