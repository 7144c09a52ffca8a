package dev.worldstore;

import java.util.Objects;

/**
 * What a load must see before it answers. Loads are local RocksDB reads; these say how long they
 * wait for the projection first.
 */
public sealed interface ReadConsistency permits ReadConsistency.OwnWrites, ReadConsistency.AtLeast, ReadConsistency.Local {

    /** Default: everything this node wrote before the load was called (read-your-writes). */
    record OwnWrites() implements ReadConsistency {
    }

    /** Everything up to and including {@code position} (read a write made on another node). */
    record AtLeast(LogPosition position) implements ReadConsistency {
        public AtLeast {
            Objects.requireNonNull(position, "position");
        }
    }

    /** Whatever the projection holds now, without waiting. */
    record Local() implements ReadConsistency {
    }

    ReadConsistency OWN_WRITES = new OwnWrites();
    ReadConsistency LOCAL = new Local();

    static ReadConsistency atLeast(LogPosition position) {
        return new AtLeast(position);
    }
}
