package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.ChangeFeed;
import dev.worldstore.ChangeRecord;
import dev.worldstore.ErrorCode;
import dev.worldstore.Json;
import dev.worldstore.LogPosition;
import dev.worldstore.ValidationException;
import dev.worldstore.World;
import dev.worldstore.WorldStore;
import dev.worldstore.testing.TestKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * A change feed never skips changes the log no longer holds: resuming from a position that
 * retention (here: Kafka's deleteRecords, which moves the log's start the same way) took away is
 * {@link ErrorCode#POSITION_EXPIRED}, at open or when a feed behind the tail reaches the deleted
 * records — never a silent jump to the log's new start. What the node still holds in memory is
 * served as before.
 */
class FeedRetentionIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static StoreFixture fixture() {
        return new StoreFixture().with("kafka.topic.partitions", "1");
    }

    /** Saves {@code n} changes to {@code world}; returns their positions. */
    private static List<LogPosition> save(World world, int n) {
        List<LogPosition> positions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            positions.add(world.savePlayerState("p", Json.object().put("n", i)).position());
        }
        return positions;
    }

    /** Moves the start of partition 0 of {@code topic} to {@code offset}, as retention would. */
    private static void deleteBefore(String topic, long offset) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
            admin.deleteRecords(Map.of(new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(offset))).all().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aResumeFromBeforeTheLogsStartIsPositionExpiredAndOneFromItsStartDeliversTheRest() throws Exception {
        try (StoreFixture f = fixture()) {
            // given ten changes of a world, the first five deleted from the log, and a node that did not see them in memory
            WorldStore first = f.open();
            World world = first.world(TestKafka.uniqueName("expired"));
            List<LogPosition> saved = save(world, 10);
            deleteBefore(f.topic(), saved.get(5).offset());
            WorldStore fresh = f.open();
            fresh.awaitPosition(saved.get(9), WAIT);

            // when a feed resumes after the second change, or from the partition's start
            ValidationException e = assertThrows(ValidationException.class, () -> fresh.changes(world.id(), saved.get(1)));
            ValidationException fromStart = assertThrows(ValidationException.class,
                    () -> fresh.changesFrom(world.id(), new LogPosition(saved.get(0).partition(), 0)));

            // then both are refused, naming the log's start; a resume from there delivers the rest, in order
            assertEquals(ErrorCode.POSITION_EXPIRED, e.code());
            assertEquals(ErrorCode.POSITION_EXPIRED, fromStart.code());
            assertTrue(e.getMessage().contains("now starts at " + saved.get(5)), e.getMessage());
            try (ChangeFeed feed = fresh.changesFrom(world.id(), saved.get(5))) {
                assertEquals(saved.subList(5, 10), FeedPolls.pollUntil(feed, 5, WAIT).stream().map(ChangeRecord::position).toList());
            }
        }
    }

    @Test
    void aFeedBehindTheTailThatReachesDeletedRecordsFailsWithPositionExpired() throws Exception {
        try (StoreFixture f = fixture()) {
            // given a node restarted after ten changes (its in-memory tail starts after them) and a feed opened at the third
            java.nio.file.Path dir = StoreFixture.newDataDir();
            World world;
            List<LogPosition> saved;
            try (WorldStore before = WorldStores.open(f.config(dir))) {
                world = before.world(TestKafka.uniqueName("behind"));
                saved = save(world, 10);
            }
            WorldStore node = f.open(dir);
            try (ChangeFeed feed = node.changesFrom(world.id(), saved.get(2))) {
                // when retention deletes the records the feed has still to read
                deleteBefore(f.topic(), saved.get(6).offset());

                // then its next poll fails with POSITION_EXPIRED instead of jumping to the log's start
                long deadline = System.nanoTime() + WAIT.toNanos();
                ValidationException e = null;
                while (e == null) {
                    assertTrue(System.nanoTime() < deadline, "the feed neither failed nor delivered");
                    try {
                        List<ChangeRecord> got = feed.poll(Duration.ofMillis(500));
                        assertEquals(List.of(), got, "no change past the gap is delivered");
                    } catch (ValidationException ex) {
                        e = ex;
                    }
                }
                assertEquals(ErrorCode.POSITION_EXPIRED, e.code());
                assertTrue(e.getMessage().contains(saved.get(6).toString()), e.getMessage());
            }
        }
    }
}
