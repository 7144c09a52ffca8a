package dev.worldstore;

/** The projection did not reach a required log position within the read wait; retry later. */
public final class ProjectionTimeoutException extends WorldStoreException.TransientException {
    private static final long serialVersionUID = 1L;

    private final LogPosition required;
    private final long appliedOffset;

    public ProjectionTimeoutException(LogPosition required, long appliedOffset, long waitedMs) {
        super(ErrorCode.PROJECTION_TIMEOUT, "projection has not reached log position " + required + " after " + waitedMs
                + " ms (partition " + required.partition() + " applied up to offset " + (appliedOffset - 1) + ")", null);
        this.required = required;
        this.appliedOffset = appliedOffset;
    }

    public LogPosition required() {
        return required;
    }

    /** The next offset the projector will apply in the required partition. */
    public long appliedOffset() {
        return appliedOffset;
    }
}
