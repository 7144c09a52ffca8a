package dev.worldstore;

import java.nio.file.Path;
import java.util.List;

/**
 * What operators and tools need of a running node beyond the guide's calls: where its log is, how
 * far its projection has got, and the housekeeping it otherwise runs on a timer. Obtained from
 * {@link WorldStore#operations()}. Thread-safe.
 */
public interface NodeOperations {

    /** The node's configuration, as validated at start. */
    WorldStoreConfig config();

    /** The Kafka bootstrap address in use: the embedded broker's when one runs, else {@code kafka.bootstrap.servers}. */
    String bootstrapServers();

    /** The change-log topic. */
    String topic();

    /** The change-log topic's partition count (fixed for the topic's life). */
    int partitions();

    /**
     * The partition holding every change of {@code worldId} (Kafka's default murmur2 partitioning of
     * the world id, so any producer agrees).
     *
     * @throws ValidationException if the world id breaks the id rule
     */
    int partitionOf(String worldId);

    /** The partition holding every player registration. */
    int playersPartition();

    /** Per partition, the next offset the projection will apply, as the projector has got so far (index = partition). */
    long[] appliedOffsets();

    /**
     * What the projection has stored with its state, per partition that has any, in partition
     * order: read from disk, so it is what a restart would resume from.
     */
    List<Checkpoint> checkpoints();

    /**
     * Writes a consistent checkpoint of the whole projection (state, history and offsets) to
     * {@code data.dir/snapshots} now, as the projector also does every
     * {@code projector.snapshot.interval.ms}.
     *
     * @return the snapshot's directory
     * @throws StorageException if it cannot be written
     */
    Path takeSnapshot();

    /**
     * Writes a consistent checkpoint of the whole projection (state, history and the offsets they
     * reflect) into {@code target}, which must not exist: what a new node copies to start from
     * ({@code bootstrap.from}). Its files are hard links where the file system allows; the caller
     * deletes the folder when done.
     *
     * @throws StorageException if it cannot be written
     */
    void writeCheckpoint(Path target);

    /**
     * Runs expiry and history pruning now (they also run every {@code retention.check.interval.ms}).
     *
     * @return the number of expiry deletes sent
     */
    int sweepRetention();

    /**
     * How many records of the log this node's projection holds as dead letters (records it could not
     * decode or apply; {@link WorldStore#deadLetters} lists them). Counted from the projection, so
     * it does not start again at 0 after a restart; every node that applied the same log holds the
     * same number. Also published as the metric {@code worldstore.projector.deadlettered}.
     */
    long deadLetterCount();

    /**
     * A partition's projection checkpoint, stored in the same atomic write as the state it produced.
     *
     * @param nextOffset the next offset to apply
     * @param appliedEvents records of the log applied so far (each counts once, applied or refused)
     */
    record Checkpoint(int partition, long nextOffset, long appliedEvents) {
    }
}
