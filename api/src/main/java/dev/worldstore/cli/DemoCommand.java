package dev.worldstore.cli;

import dev.worldstore.ConfigException;
import dev.worldstore.loadgen.Demo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code worldstore demo}: its options and their checks, the log levels and the exit code. The demo
 * itself is the loadgen module's {@link Demo}: two nodes, two simulated world servers writing one
 * world, then a short report of what each sees of the other.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        description = "Start two nodes (A with the embedded broker, B with its own projection on A's Kafka), run a simulated "
                + "world server on each for a few seconds on one world, and show what each sees of the other's changes. "
                + "Uses a fresh temp data dir and a free broker port unless --data.dir / --kafka.* options say otherwise.")
final class DemoCommand extends StoreCommand {

    @Option(names = "--seconds", paramLabel = "N", defaultValue = "5", description = "How long the servers run. Default: ${DEFAULT-VALUE}.")
    int seconds;

    @Override
    public Integer call() throws Exception {
        if (seconds < 1 || seconds > 3600) {
            throw new ConfigException("--seconds", "must be between 1 and 3600, was " + seconds);
        }
        Settings settings = settings();
        Logging quiet = Logging.quiet(verbose);
        try {
            int errors = new Demo(seconds, out()).run(settings.explicitStoreValues());
            return errors > 0 ? Main.EXIT_FAILURE : Main.EXIT_OK;
        } finally {
            quiet.close();
        }
    }
}
