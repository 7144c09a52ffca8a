package dev.worldstore.projector;

import dev.worldstore.LogPosition;

/**
 * One record of the change log as the projection rules take it: the event, or why it is not one,
 * with what a dead letter keeps of the raw record. No Kafka types, so the rules run without Kafka.
 *
 * @param position the record's log position; the version of whatever it changes
 * @param timestampMs the record's timestamp (the event time)
 * @param event the decoded event, or {@code null} when the record is malformed
 * @param malformed why the record is not an event, or {@code null}
 * @param raw the record's headers and bytes, read only for dead letters
 */
record Decoded(LogPosition position, long timestampMs, LogEvent event, String malformed, Raw raw) {

    /** The raw record, for dead letters; its methods may do work, so they are called only then. */
    interface Raw {
        /** The headers as {@code name=value} lines. */
        String headersText();

        /** The record's value bytes, or {@code null}. */
        byte[] value();

        /** The {@code ws.id} header, or {@code null}: whose writer waits for a verdict. */
        String eventId();
    }
}
