package dev.worldstore.projector;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * The history's blob files are garbage-collected only where history pruning makes garbage: without
 * pruning, compactions leave every blob file as it was written.
 */
class HistoryBlobGarbageTest {
    /** Flushes before L0 compaction starts on its own (RocksDB's level0_file_num_compaction_trigger). */
    private static final int FLUSHES = 4;
    private static final int ENTRIES_PER_FLUSH = 20;

    @TempDir
    Path dir;

    private RocksProjection open(boolean historyPruned) {
        return RocksProjection.open(dir.resolve("projection"),
                new ProjectionSettings(dir, 8L * 1024 * 1024, "lz4", 5_000, 3_600_000, 2, false, historyPruned));
    }

    @Test
    void compactionsLeaveTheHistorysBlobFilesAloneWhenNothingIsPruned() throws Exception {
        try (RocksProjection p = open(false)) {
            // given history values in blob files written by four flushes
            Set<String> written = writeHistoryInFlushes(p);
            assertEquals(FLUSHES, written.size(), "one blob file per flush: " + written);
            // when the history is compacted
            p.bulkLoad().compactAll();
            // then every blob file is still the one written: no live value was copied
            assertEquals(written, blobFiles());
            assertHistoryReadsBack(p);
        }
    }

    @Test
    void compactionsCollectTheHistorysGarbageWhenPruningIsOn() throws Exception {
        try (RocksProjection p = open(true)) {
            // given history values in blob files written by four flushes, half the first flush's entries pruned
            Set<String> written = writeHistoryInFlushes(p);
            String oldest = written.iterator().next();
            try (WriteBatch b = new WriteBatch()) {
                for (int i = 0; i < ENTRIES_PER_FLUSH; i += 2) {
                    b.delete(p.handle(Cf.HISTORY), key(i));
                }
                p.write(b);
            }
            p.flush();
            // when the history is compacted
            p.bulkLoad().compactAll();
            // then the oldest blob file, half garbage, was collected: its live values moved, the pruned ones gone
            await().atMost(Duration.ofSeconds(30)).until(() -> !blobFiles().contains(oldest));
            for (int i = 0; i < FLUSHES * ENTRIES_PER_FLUSH; i++) {
                if (i < ENTRIES_PER_FLUSH && i % 2 == 0) {
                    assertNull(p.get(Cf.HISTORY, key(i)), "pruned history entry " + i);
                } else {
                    assertArrayEquals(value(i), p.get(Cf.HISTORY, key(i)), "history entry " + i);
                }
            }
        }
    }

    /**
     * Writes {@link #FLUSHES} groups of history entries, flushing after each, with background
     * compactions paused (so the test decides when compactions run); returns the blob files, oldest first.
     */
    private Set<String> writeHistoryInFlushes(RocksProjection p) throws RocksDBException {
        p.bulkLoad().begin();
        for (int f = 0; f < FLUSHES; f++) {
            try (WriteBatch b = new WriteBatch()) {
                for (int i = f * ENTRIES_PER_FLUSH; i < (f + 1) * ENTRIES_PER_FLUSH; i++) {
                    b.put(p.handle(Cf.HISTORY), key(i), value(i));
                }
                p.write(b);
            }
            p.flush();
        }
        return blobFiles();
    }

    private static void assertHistoryReadsBack(RocksProjection p) {
        for (int i = 0; i < FLUSHES * ENTRIES_PER_FLUSH; i++) {
            assertArrayEquals(value(i), p.get(Cf.HISTORY, key(i)), "history entry " + i);
        }
    }

    /** The projection's blob files by name; their numbers grow, so the order is the order of writing. */
    private Set<String> blobFiles() {
        try (Stream<Path> files = Files.list(dir.resolve("projection"))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".blob")).collect(TreeSet::new, Set::add, Set::addAll);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] key(int i) {
        return ByteBuffer.allocate(4).putInt(i).array();
    }

    /** Larger than the history's minimum blob size, so it goes to a blob file. */
    private static byte[] value(int i) {
        byte[] v = new byte[(int) RocksProjection.HISTORY_MIN_BLOB_BYTES + 64];
        Arrays.fill(v, (byte) ('a' + i % 26));
        ByteBuffer.wrap(v).putInt(i);
        return v;
    }
}
