package dev.worldstore.projector;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * A catch-up's bulk-load mode: compactions wait while it writes, and resume when it ends or when a
 * family gathered {@link BulkLoad#MAX_L0_FILES} flushed files.
 */
class BulkLoadTest {
    @TempDir
    Path dir;

    private RocksProjection open() {
        return RocksProjection.open(dir.resolve("projection"), new ProjectionSettings(dir, 8L * 1024 * 1024, "lz4", 5_000, 3_600_000, 2, false, false));
    }

    private static void putAndFlush(RocksProjection p, int i) throws RocksDBException {
        try (WriteBatch b = new WriteBatch()) {
            b.put(p.handle(Cf.ENTITY_STATES), key(i), value(i));
            p.write(b);
        }
        p.flush();
    }

    private static byte[] key(int i) {
        return ("k" + i).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] value(int i) {
        return ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void flushesPileUpWithoutCompactionUntilTheLimitThenCompactionsResume() throws Exception {
        try (RocksProjection p = open()) {
            // given a projection in bulk-load mode
            p.bulkLoad().begin();
            assertTrue(p.bulkLoad().active());
            // when more flushes than L0's usual compaction and write-stop triggers happen
            for (int i = 0; i < BulkLoad.MAX_L0_FILES - 1; i++) {
                putAndFlush(p, i);
                p.bulkLoad().check();
            }
            // then nothing was compacted and writes never stalled
            assertEquals(BulkLoad.MAX_L0_FILES - 1, p.bulkLoad().level0Files());
            assertTrue(p.bulkLoad().active());
            // when one more flush reaches the limit
            putAndFlush(p, BulkLoad.MAX_L0_FILES);
            p.bulkLoad().check();
            // then bulk loading ends and the background compactions work the files down
            assertFalse(p.bulkLoad().active());
            await().atMost(Duration.ofSeconds(60)).until(() -> p.bulkLoad().level0Files() < BulkLoad.MAX_L0_FILES);
            // and every value reads back
            for (int i = 0; i < BulkLoad.MAX_L0_FILES - 1; i++) {
                assertArrayEquals(value(i), p.get(Cf.ENTITY_STATES, key(i)));
            }
        }
    }

    @Test
    void endingBulkLoadIsIdempotentAndACheckOutsideItDoesNothing() throws Exception {
        try (RocksProjection p = open()) {
            // given a projection that is not bulk loading
            assertFalse(p.bulkLoad().active());
            // when it is checked, or ended twice after a begin
            p.bulkLoad().check();
            p.bulkLoad().begin();
            putAndFlush(p, 1);
            p.bulkLoad().end();
            p.bulkLoad().end();
            // then it is not bulk loading and what it wrote reads back
            assertFalse(p.bulkLoad().active());
            assertArrayEquals(value(1), p.get(Cf.ENTITY_STATES, key(1)));
        }
    }
}
