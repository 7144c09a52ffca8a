package dev.worldstore.projector;

import java.util.List;

/** The projector's decision on one event, as the writer that waits for it sees it. */
sealed interface Verdict permits Verdict.Applied, Verdict.Conflict, Verdict.UsernameTaken, Verdict.Rejected, Verdict.BatchConflict,
        Verdict.TooLarge, Verdict.NotFound, Verdict.Unchanged, Verdict.BatchApplied, Verdict.Replayed, Verdict.KeyReused {

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

    /**
     * A batch applied at {@code version}; {@code versions} holds each change's key version after it
     * (the batch's, or the key's own for a merge that changed nothing), in batch order.
     */
    record BatchApplied(long version, List<Long> versions) implements Verdict {
        public BatchApplied {
            versions = List.copyOf(versions);
        }
    }

    /**
     * The event's idempotency key was applied before, by the event at {@code offset} of the same
     * partition: nothing changed; {@code versions} are that event's outcome (one per change of a
     * batch, one for a single change).
     */
    record Replayed(long offset, List<Long> versions) implements Verdict {
        public Replayed {
            versions = List.copyOf(versions);
        }
    }

    /**
     * The event's idempotency key was applied before, by the event at {@code offset}, which asked
     * something else (another key, operation, condition or payload): nothing changed.
     */
    record KeyReused(String idempotencyKey, long offset) implements Verdict {
    }

    /** A delete found nothing to delete: nothing changed, nothing recorded. */
    record NotFound() implements Verdict {
    }

    /** A merge patch's result equals the value: nothing changed; {@code version} is the key's, unchanged. */
    record Unchanged(long version) implements Verdict {
    }
}
