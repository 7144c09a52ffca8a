package dev.worldstore.projector;

/** The projector's decision on one event, as the writer that waits for it sees it. */
sealed interface Verdict permits Verdict.Applied, Verdict.Conflict, Verdict.UsernameTaken, Verdict.Rejected, Verdict.BatchConflict,
        Verdict.TooLarge {

    /** Applied; the key's version is now {@code version}. */
    record Applied(long version, long timestampMs) implements Verdict {
    }

    /** The condition did not hold; {@code actualVersion} is null when the key was absent. */
    record Conflict(Long actualVersion) implements Verdict {
    }

    /** A registration found its username held by another player. */
    record UsernameTaken() implements Verdict {
    }

    /** The event could not be applied (e.g. it was dead-lettered). */
    record Rejected(String reason) implements Verdict {
    }

    /** A batch's conditions did not all hold: nothing was applied. Lists every failing change. */
    record BatchConflict(java.util.List<dev.worldstore.BatchConflictException.Failure> failures) implements Verdict {
        public BatchConflict {
            failures = java.util.List.copyOf(failures);
        }
    }

    /**
     * A merge patch's result would exceed the value limit the writer checked against: nothing was
     * applied. {@code field} names the change ({@code value} alone, {@code changes[i].value} in a batch).
     */
    record TooLarge(String field, int bytes, int limit) implements Verdict {
    }
}
