package dev.worldstore;

/**
 * When a write applies. Decided by the projector in log order, so every node reaches the same
 * verdict.
 */
public sealed interface Condition permits Condition.Any, Condition.Absent, Condition.ExpectedVersion {

    /** Applies whatever the key holds. */
    record Any() implements Condition {
        @Override
        public String toString() {
            return "any";
        }
    }

    /** Applies only if the key holds no value (create-only). */
    record Absent() implements Condition {
        @Override
        public String toString() {
            return "absent";
        }
    }

    /** Applies only if the key's current version equals {@code version}. */
    record ExpectedVersion(long version) implements Condition {
        public ExpectedVersion {
            if (version < 0) {
                throw new IllegalArgumentException("version must be >= 0, was " + version);
            }
        }

        @Override
        public String toString() {
            return "version=" + version;
        }
    }

    Condition ANY = new Any();
    Condition ABSENT = new Absent();

    static Condition any() {
        return ANY;
    }

    static Condition absent() {
        return ABSENT;
    }

    static Condition version(long version) {
        return new ExpectedVersion(version);
    }

    /** True when the write must wait for the projector's verdict. */
    default boolean isConditional() {
        return !(this instanceof Any);
    }
}
