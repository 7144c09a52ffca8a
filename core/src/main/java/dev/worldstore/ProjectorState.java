package dev.worldstore;

/** Life cycle of a node's projector. Transitions only forward: NEW, CATCHING_UP, LIVE, CLOSING, CLOSED (or FAILED). */
public enum ProjectorState {
    NEW,
    /** Applying the backlog present at start; loads may be behind other nodes. */
    CATCHING_UP,
    /** Caught up with the log end seen at start; following new events. */
    LIVE,
    CLOSING,
    CLOSED,
    /** Stopped by an error it cannot skip (e.g. the disk is full); see the log. */
    FAILED
}
