package dev.worldstore.projector;

import java.nio.ByteBuffer;
import java.util.BitSet;

/**
 * The {@link Cf#REJECTED} marks the projector writes at a log position: an event that changed
 * nothing (refused, or every change of it a no-op), or an applied batch some of whose changes
 * changed nothing. Pure.
 */
final class RejectedMarks {
    private RejectedMarks() {
    }

    /** The {@link Cf#REJECTED} mark of an event that changed nothing (refused, or every change of it a no-op). */
    static final byte[] REFUSED_MARK = {1};
    private static final byte SKIPPED_CHANGES = 2;

    /** The {@link Cf#REJECTED} mark of a batch that was applied but whose changes at {@code skipped} changed nothing. */
    static byte[] skippedMark(BitSet skipped) {
        byte[] bits = skipped.toByteArray();
        byte[] mark = new byte[bits.length + 1];
        mark[0] = SKIPPED_CHANGES;
        System.arraycopy(bits, 0, mark, 1, bits.length);
        return mark;
    }

    /** True if a {@link Cf#REJECTED} mark ({@code null}: none) says its event changed nothing. */
    static boolean refused(byte[] mark) {
        return mark != null && mark[0] != SKIPPED_CHANGES;
    }

    /** The changes a {@link Cf#REJECTED} mark ({@code null}: none) says changed nothing in an applied batch. */
    static BitSet skipped(byte[] mark) {
        return mark == null || mark[0] != SKIPPED_CHANGES ? new BitSet() : BitSet.valueOf(ByteBuffer.wrap(mark, 1, mark.length - 1));
    }
}
