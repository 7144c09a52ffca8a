package dev.worldstore.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AccessLogTest {

    @ParameterizedTest
    @ValueSource(ints = {200, 201, 204, 301, 304, 399})
    void errorsModeLeavesOutAnswersBelow400(int status) {
        assertFalse(new AccessLog("errors", 0, System::currentTimeMillis).wants(status));
        assertTrue(new AccessLog("all", 0, System::currentTimeMillis).wants(status));
        assertFalse(new AccessLog("off", 0, System::currentTimeMillis).wants(status));
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 404, 405, 409, 412, 413, 415, 422, 500, 503})
    void errorsModeLogsEveryAnswerFrom400(int status) {
        assertTrue(new AccessLog("errors", 0, System::currentTimeMillis).wants(status));
        assertTrue(new AccessLog("all", 0, System::currentTimeMillis).wants(status));
        assertFalse(new AccessLog("off", 0, System::currentTimeMillis).wants(status));
    }

    @Test
    void linesOverTheRateAreCountedAndTheCountGoesWithTheNextLineWritten() {
        // given at most 3 lines per second, on a clock the test moves
        AtomicLong now = new AtomicLong(10_000);
        AccessLog log = new AccessLog("all", 3, now::get);
        // when 5 lines want out within one second
        long[] got = new long[5];
        for (int i = 0; i < 5; i++) {
            now.addAndGet(100);
            got[i] = log.admit();
        }
        // then 3 are written and 2 are not
        assertEquals(0, got[0]);
        assertEquals(0, got[1]);
        assertEquals(0, got[2]);
        assertEquals(-1, got[3]);
        assertEquals(-1, got[4]);
        // when the next second begins, its first line carries the 2 not written
        now.set(11_000);
        assertEquals(2, log.admit());
        assertEquals(0, log.admit());
    }

    @Test
    void zeroMeansNoLimit() {
        AccessLog log = new AccessLog("all", 0, () -> 5_000);
        for (int i = 0; i < 10_000; i++) {
            assertEquals(0, log.admit());
        }
    }
}
