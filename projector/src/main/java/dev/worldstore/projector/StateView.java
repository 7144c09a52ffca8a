package dev.worldstore.projector;

/** Point reads of the projection's state, as the projection rules see it. */
@FunctionalInterface
interface StateView {
    /** The value at {@code key} in {@code cf}, or {@code null}. */
    byte[] get(Cf cf, byte[] key);
}
