package dev.worldstore;

/** What a change event does to its key. */
public enum Op {
    /** Replace the whole value. */
    PUT("put"),
    /** Apply an RFC 7396 JSON Merge Patch to the current value ({@code {}} when absent). */
    MERGE("merge-patch"),
    /** Remove the value. */
    DELETE("delete");

    private final String wireName;

    Op(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** @throws IllegalArgumentException if {@code name} is no operation's wire name */
    public static Op fromWireName(String name) {
        for (Op op : values()) {
            if (op.wireName.equals(name)) {
                return op;
            }
        }
        throw new IllegalArgumentException("unknown operation: " + name);
    }
}
