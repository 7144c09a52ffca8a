package dev.worldstore.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.LoggerFactory;

/** Adjusts logback levels for the report-printing commands, and restores them afterwards. */
final class Logging implements AutoCloseable {
    private final Map<ch.qos.logback.classic.Logger, ch.qos.logback.classic.Level> previous = new LinkedHashMap<>();

    private Logging() {
    }

    /**
     * Unless verbose: worldstore's own INFO lines off (WARN), and Kafka's to ERROR (the embedded
     * broker warns about benign things on a fresh start and at shutdown). The demo and bench print
     * their own report.
     */
    static Logging quiet(boolean verbose) {
        Logging l = new Logging();
        if (!verbose) {
            l.set("dev.worldstore", ch.qos.logback.classic.Level.WARN);
            l.set("org.apache.kafka", ch.qos.logback.classic.Level.ERROR);
            l.set("kafka", ch.qos.logback.classic.Level.ERROR);
        }
        return l;
    }

    /** Sets one logger's level until {@link #close()} (a no-op when Logback is not the backend). */
    Logging set(String name, ch.qos.logback.classic.Level level) {
        if (LoggerFactory.getLogger(name) instanceof ch.qos.logback.classic.Logger logger) {
            previous.putIfAbsent(logger, logger.getLevel());
            logger.setLevel(level);
        }
        return this;
    }

    @Override
    public void close() {
        previous.forEach(ch.qos.logback.classic.Logger::setLevel);
        previous.clear();
    }
}
