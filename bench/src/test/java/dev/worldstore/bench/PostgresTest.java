package dev.worldstore.bench;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The PostgreSQL peer where PostgreSQL is not installed: skipped with a reason, never a failure. */
class PostgresTest {

    @Test
    void withoutBinariesThePeerIsSkippedSayingHowToInstallIt() throws Exception {
        // given no PostgreSQL binaries
        // when the compare run looks for a PostgreSQL to start
        Postgres.Started started = Postgres.start(new Workload(10, 1024), Optional.empty());

        // then nothing started, and the reason names what is missing and how to get it
        assertNull(started.postgres());
        assertTrue(started.skipped().contains("initdb") && started.skipped().contains("apt-get install postgresql"), started.skipped());
    }
}
