package dev.worldstore.projector;

import dev.worldstore.Key;
import dev.worldstore.NodeOperations;
import dev.worldstore.WorldStoreConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * A node's {@link NodeOperations}: its log, its projection's progress, housekeeping on demand.
 * Calls that touch RocksDB go through the node's gate ({@code use}). Thread-safe.
 */
final class Operations implements NodeOperations {
    private final NodeParts parts;
    private final UseGateCall use;

    /** Runs a call inside the node's gate. */
    interface UseGateCall {
        <T> T apply(Supplier<T> call);
    }

    Operations(NodeParts parts, UseGateCall use) {
        this.parts = parts;
        this.use = use;
    }

    @Override
    public WorldStoreConfig config() {
        return parts.config();
    }

    @Override
    public String bootstrapServers() {
        return parts.clients().settings().bootstrapServers();
    }

    @Override
    public String topic() {
        return parts.clients().topic();
    }

    @Override
    public int partitions() {
        return parts.partitioning().partitions();
    }

    @Override
    public int partitionOf(String worldId) {
        Key.checkWorldId(worldId);
        return parts.partitioning().of(worldId);
    }

    @Override
    public int playersPartition() {
        return parts.partitioning().of((String) null);
    }

    @Override
    public long[] appliedOffsets() {
        long[] r = new long[partitions()];
        for (int p = 0; p < r.length; p++) {
            r[p] = parts.progress().next(p);
        }
        return r;
    }

    @Override
    public List<Checkpoint> checkpoints() {
        return use.apply(() -> parts.projection().checkpoints());
    }

    @Override
    public Path takeSnapshot() {
        return use.apply(() -> parts.projector().snapshotNow());
    }

    @Override
    public void writeCheckpoint(Path target) {
        use.apply(() -> {
            parts.projection().checkpoint(target);
            return null;
        });
    }

    @Override
    public int sweepRetention() {
        return use.apply(() -> parts.retention().sweep());
    }

    @Override
    public long deadLetterCount() {
        return parts.projection().deadLetterCount();
    }

}
