package dev.worldstore;

/**
 * When a write applies. Decided by the projector in log order, so every node reaches the same
 * verdict.
 */
public sealed interface Condition permits Condition.Any, Condition.Absent, Condition.Present, Condition.ExpectedVersion,
        Condition.OneOfVersions {

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

    /** Applies only if the key holds a value, whatever its version ({@code If-Match: *}, RFC 9110 §13.1.1). */
    record Present() implements Condition {
        @Override
        public String toString() {
            return "present";
        }
    }

    /**
     * Applies only if the key's current version is one of {@code versions} ({@code If-Match} with a
     * list of entity tags: any one matching is enough, RFC 9110 §13.1.1).
     *
     * @param versions 2 or more distinct versions, each >= 0, in the order given
     */
    record OneOfVersions(java.util.List<Long> versions) implements Condition {
        public OneOfVersions {
            versions = java.util.List.copyOf(versions);
            if (versions.size() < 2 || versions.stream().anyMatch(v -> v < 0) || versions.stream().distinct().count() != versions.size()) {
                throw new IllegalArgumentException("2 or more distinct versions >= 0 expected, was " + versions);
            }
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("versions=");
            for (int i = 0; i < versions.size(); i++) {
                b.append(i == 0 ? "" : ",").append(versions.get(i));
            }
            return b.toString();
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
    Condition PRESENT = new Present();

    static Condition any() {
        return ANY;
    }

    static Condition absent() {
        return ABSENT;
    }

    static Condition version(long version) {
        return new ExpectedVersion(version);
    }

    /** Applies only if the key holds a value. */
    static Condition present() {
        return PRESENT;
    }

    /**
     * Applies only if the key is at one of {@code versions}: one version is {@link #version}, more a
     * {@link OneOfVersions}.
     *
     * @throws IllegalArgumentException if empty, negative or repeated
     */
    static Condition versionIn(java.util.List<Long> versions) {
        return versions.size() == 1 ? version(versions.get(0)) : new OneOfVersions(versions);
    }

    /**
     * True if the condition holds for a key at {@code currentVersion} ({@code null}: absent). The
     * one definition of each condition, the projector's and everyone's.
     */
    default boolean holds(Long currentVersion) {
        if (this instanceof Absent) {
            return currentVersion == null;
        } else if (this instanceof Present) {
            return currentVersion != null;
        } else if (this instanceof ExpectedVersion v) {
            return currentVersion != null && currentVersion == v.version();
        } else if (this instanceof OneOfVersions o) {
            return currentVersion != null && o.versions().contains(currentVersion);
        }
        return true;
    }

    /** True when the write must wait for the projector's verdict. */
    default boolean isConditional() {
        return !(this instanceof Any);
    }
}
