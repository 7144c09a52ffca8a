package dev.worldstore.projector;

import org.rocksdb.Env;
import org.rocksdb.Priority;

/**
 * {@code rocksdb.background.priority=low}: RocksDB's flush (high) and compaction (low) thread pools
 * at the lowest CPU priority (nice 19 on Linux), so saves, loads and the projector come first and
 * the projection's files are written when the CPU has time. Process-wide: RocksDB's default
 * environment is shared by every database in the JVM, and a pool's priority is only ever lowered,
 * never raised again. Each pool thread takes it on before its next job. Thread-safe.
 */
final class BackgroundPriority {
    private BackgroundPriority() {
    }

    /** Lowers both pools' priority if {@code low}; else leaves them as they are. */
    static synchronized void lowerIf(boolean low) {
        if (!low) {
            return;
        }
        Env env = Env.getDefault();
        env.lowerThreadPoolCPUPriority(Priority.HIGH);
        env.lowerThreadPoolCPUPriority(Priority.LOW);
    }
}
