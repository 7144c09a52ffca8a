package dev.worldstore.projector;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.WriteBatch;

/**
 * {@code rocksdb.background.priority=low}: RocksDB's flush and compaction threads run at nice 19
 * (Linux: read from {@code /proc/self/task}). Process-wide and one-way, so only the lowering is
 * tested here; the default leaves the pools alone (no call is made).
 */
class BackgroundPriorityTest {
    @TempDir
    Path dir;

    /** Name (as the kernel shows it) and nice value of every thread of this process. */
    private record Task(String name, int nice) {
    }

    private static List<Task> tasks() throws IOException {
        List<Task> out = new ArrayList<>();
        try (Stream<Path> ts = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : ts.toList()) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    // fields after "(comm) ": state is field 3, nice is field 19
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    out.add(new Task(Files.readString(t.resolve("comm")).strip(), Integer.parseInt(f[16])));
                } catch (IOException gone) {
                    // the thread ended meanwhile
                }
            }
        }
        return out;
    }

    private static boolean niced(String pool) throws IOException {
        return tasks().stream().anyMatch(t -> t.name().startsWith("rocksdb:" + pool) && t.nice() == 19);
    }

    @Test
    void lowPriorityRunsFlushesAndCompactionsAtNiceNineteen() throws Exception {
        ProjectionSettings low = new ProjectionSettings(dir, 8L * 1024 * 1024, "lz4", 5_000, 3_600_000, 2, true, false);
        try (RocksProjection p = RocksProjection.open(dir.resolve("projection"), low)) {
            // when the projection flushes often enough for a compaction to follow
            for (int i = 0; i < 6; i++) {
                try (WriteBatch b = new WriteBatch()) {
                    b.put(p.handle(Cf.ENTITY_STATES), ("k" + i).getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8));
                    p.write(b);
                }
                p.flush();
            }
            // then the threads of both pools that ran those jobs are at the lowest priority
            await().atMost(Duration.ofSeconds(30)).until(() -> niced("high") && niced("low"));
            assertTrue(tasks().stream().anyMatch(t -> t.name().startsWith("rocksdb:")), "RocksDB's threads are visible in /proc");
        }
    }
}
