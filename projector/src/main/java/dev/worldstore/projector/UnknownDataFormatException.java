package dev.worldstore.projector;

import dev.worldstore.LogPosition;
import dev.worldstore.Table;

/**
 * The log holds a merge patch in a data format newer than this node's upgraders know, onto a value
 * in an older format: this node cannot compute the result every up-to-date node computes. Not a dead
 * letter (that would make this node's state differ for good): the projector stops, and starts again
 * once the node runs with the upgraders of that format.
 */
final class UnknownDataFormatException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    UnknownDataFormatException(LogPosition position, Table table, int format, int known) {
        super("the event at " + position + " is a merge patch of " + table.wireName() + " in data format " + format
                + ", newer than this node knows (" + known + "): run this node with the upgraders up to format " + format
                + " (upgrade every node before any writes the new format)");
    }
}
