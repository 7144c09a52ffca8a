package dev.worldstore;

import java.util.List;
import java.util.Objects;

/**
 * A batch was refused whole because at least one of its conditions did not hold when the projector
 * decided it: nothing of the batch was applied. Lists every failing change. Retrying the same batch
 * unchanged fails again; read the current versions and build a new one.
 */
public final class BatchConflictException extends WorldStoreException.RejectedException {
    private static final long serialVersionUID = 1L;

    /**
     * One change whose condition failed.
     *
     * @param index the change's position in the batch, from 0
     * @param expected what the change required
     * @param actualVersion the key's version when the batch was decided, {@code null} if absent
     */
    public record Failure(int index, Key key, Condition expected, Long actualVersion) {
        public Failure {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(expected, "expected");
        }
    }

    private final transient List<Failure> failures;

    /** @param failures every failing change, in batch order; not empty */
    public BatchConflictException(List<Failure> failures) {
        super(ErrorCode.BATCH_CONFLICT, message(failures), null);
        this.failures = List.copyOf(failures);
    }

    private static String message(List<Failure> failures) {
        if (failures.isEmpty()) {
            throw new IllegalArgumentException("a batch conflict names at least one change");
        }
        Failure f = failures.get(0);
        return "the batch was not applied: " + failures.size() + " condition(s) failed; first changes[" + f.index() + "] "
                + f.key().describe() + " expected " + f.expected() + " but the key is "
                + (f.actualVersion() == null ? "absent" : "at version " + f.actualVersion());
    }

    /** Every change whose condition failed, in batch order. */
    public List<Failure> failures() {
        return failures;
    }
}
