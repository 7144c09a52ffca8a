package dev.worldstore.projector;

/** The projector's decision on one event, as the writer that waits for it sees it. */
sealed interface Verdict permits Verdict.Applied, Verdict.Conflict, Verdict.UsernameTaken, Verdict.Rejected {

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
}
