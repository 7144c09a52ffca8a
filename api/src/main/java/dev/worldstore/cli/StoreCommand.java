package dev.worldstore.cli;

import dev.worldstore.ConfigKey;
import dev.worldstore.WorldStoreConfig;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * A subcommand that works with the store only (no HTTP keys): demo, bench and the offline tools.
 * Quiet by default so their reports stay readable; {@code --verbose} shows worldstore's log lines.
 */
abstract class StoreCommand extends ConfiguredCommand {

    @Option(names = "--verbose", description = "Show worldstore's INFO log lines.")
    boolean verbose;

    @Override
    List<ConfigKey> keys() {
        return WorldStoreConfig.KEYS;
    }
}
