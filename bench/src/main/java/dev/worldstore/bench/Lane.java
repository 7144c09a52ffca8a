package dev.worldstore.bench;

/**
 * A writer and the sequence number its next round-robin save continues from (so rounds cover
 * every key), rounded up to a multiple of {@code align} after a run: batch lanes start each run
 * on a batch boundary, where a world's batch of keys begins.
 */
final class Lane {
    final Writer writer;
    private final int align;
    long next;

    Lane(Writer writer) {
        this(writer, 1);
    }

    Lane(Writer writer, int align) {
        this.writer = writer;
        this.align = align;
    }

    Sample save(SaveDriver driver, Budget budget, int inFlight) throws Exception {
        Sample s = driver.concurrent(writer, next, budget, inFlight);
        next = (next + s.ops() + align - 1) / align * align;
        return s;
    }
}
