package dev.worldstore.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class JitActivityTest {
    @Test
    void theJitsShareIsCompilationTimeOverWallTime() {
        // 1,000 ms compiled within 1 s of wall time: a whole compiler thread; within 1,000 s: a tenth of a percent
        assertEquals(1.0, JitActivity.share(1_000, 1_000_000_000L), 1e-9);
        assertEquals(0.001, JitActivity.share(1_000, 1_000_000_000_000L), 1e-12);
        assertEquals(0, JitActivity.share(1_000, 0));
    }

    @Test
    void hotSpotReportsCompilationTime() {
        assertTrue(JitActivity.compiledMillis() >= 0);
    }

    @Test
    void aWarmUpThatHasNothingToWarmRunsOnce() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        assertNull(JitActivity.warmUp(() -> runs.incrementAndGet() < 0, 60_000_000_000L));
        assertEquals(1, runs.get());
    }

    @Test
    void aWarmUpStopsAtItsCap() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        // a cap of 0 allows no repeat, however busy the JIT is
        assertNull(JitActivity.warmUp(() -> runs.incrementAndGet() > 0, 0));
        assertEquals(1, runs.get());
    }
}
