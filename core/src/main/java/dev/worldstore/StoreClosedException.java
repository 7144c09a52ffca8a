package dev.worldstore;

/** The store was closed before or during the call. */
public final class StoreClosedException extends WorldStoreException.RejectedException {
    private static final long serialVersionUID = 1L;

    public StoreClosedException(String message) {
        super(ErrorCode.STORE_CLOSED, message, null);
    }
}
