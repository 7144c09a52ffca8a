package dev.worldstore.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.status.Status;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** deploy/logback-file.xml, the sized access-log file the operator docs offer, loads and writes where it says. */
class LogbackFileConfigTest {
    private static final Path CONFIG = Path.of("..", "deploy", "logback-file.xml");

    @Test
    void theAccessLogGoesToARollingFileOfBoundedSizeAndEverythingElseStaysOnStderr(@TempDir Path dir) throws Exception {
        // given the shipped file, loaded into a logging context of its own with worldstore.log.dir set
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter()); // as the real context has
        context.putProperty("worldstore.log.dir", dir.toString());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(CONFIG.toFile());
        try {
            List<Status> errors = context.getStatusManager().getCopyOfStatusList().stream().filter(s -> s.getLevel() >= Status.WARN)
                    .toList();
            assertEquals(List.of(), errors);

            // then the access logger writes only to a size- and time-rolled file with a total cap
            Logger access = context.getLogger("dev.worldstore.http.access");
            assertFalse(access.isAdditive(), "access lines must not also go to stderr");
            AsyncAppender async = (AsyncAppender) access.getAppender("ACCESS");
            assertTrue(async.isNeverBlock(), "a full queue must not slow requests");
            @SuppressWarnings("unchecked")
            RollingFileAppender<ILoggingEvent> file = (RollingFileAppender<ILoggingEvent>) async.getAppender("ACCESS_FILE");
            SizeAndTimeBasedRollingPolicy<?> policy = (SizeAndTimeBasedRollingPolicy<?>) file.getRollingPolicy();
            assertEquals(7, policy.getMaxHistory());
            assertTrue(Files.readString(CONFIG).matches("(?s).*<totalSizeCap>\\d+MB</totalSizeCap>.*"), "a total size cap");
            assertTrue(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("CONSOLE") != null);

            // when a line is logged, it lands in the file under worldstore.log.dir
            access.info("GET /v1/worlds/w/state 404 0.3 ms actor=test");
            context.stop(); // drains the queue and closes the file
            assertEquals(List.of(), context.getStatusManager().getCopyOfStatusList().stream().filter(s -> s.getLevel() >= Status.WARN)
                    .toList());
            String written = Files.readString(dir.resolve("access.log"), StandardCharsets.UTF_8);
            assertTrue(written.contains("GET /v1/worlds/w/state 404 0.3 ms actor=test"), written);
        } finally {
            context.stop();
        }
    }
}
