package dev.worldstore.bench;

/**
 * A one-shot job that builds local state from a pre-filled log from scratch: a bare consumer, a
 * fresh worldstore node's projector, a Kafka Streams KTable, a Kafka Streams restore. Each run
 * starts from empty local state.
 */
interface CatchUp {

    /**
     * Runs until every record of the input is reflected locally, or until {@code deadlineNanos}
     * ({@link System#nanoTime()}) for an abandoned warm-up run.
     *
     * @return the records covered (the whole input once caught up) and the time from the call until
     *     the contender was caught up; closing afterwards is not timed
     */
    Sample run(long deadlineNanos) throws Exception;
}
