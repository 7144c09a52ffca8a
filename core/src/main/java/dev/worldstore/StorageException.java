package dev.worldstore;

/** The local projection store failed (disk full, I/O error, ...). Names the store and operation. */
public final class StorageException extends WorldStoreException.RejectedException {
    private static final long serialVersionUID = 1L;

    public StorageException(String message, Throwable cause) {
        super(ErrorCode.STORAGE_FAILURE, message, cause);
    }
}
