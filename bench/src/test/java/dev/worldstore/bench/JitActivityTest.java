package dev.worldstore.bench;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class JitActivityTest {
    @Test
    void compilingForMoreThanAFifthOfTheTimeIsBusy() {
        long now = JitActivity.compiledMillis();
        assertTrue(now >= 0, "HotSpot reports compilation time");
        // 1,000 ms compiled within 1 s of wall time: busy; within 1,000 s: a tenth of a percent, quiet
        assertTrue(JitActivity.busySince(now - 1_000, 1_000_000_000L));
        assertFalse(JitActivity.busySince(now - 1_000, 1_000_000_000_000L));
    }

    @Test
    void aJvmThatDoesNotReportCompilationTimeIsNeverBusy() {
        assertFalse(JitActivity.busySince(-1, 1_000_000_000L));
    }
}
