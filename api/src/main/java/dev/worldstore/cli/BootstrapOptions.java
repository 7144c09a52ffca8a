package dev.worldstore.cli;

import dev.worldstore.WorldStoreConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The {@code --bootstrap-from} / {@code --bootstrap-api-key} options of {@code serve} and
 * {@code rebuild} (a picocli mixin): aliases of the configuration keys {@code bootstrap.from} and
 * {@code bootstrap.api.key}.
 */
final class BootstrapOptions {
    @Option(names = "--bootstrap-from", paramLabel = "URL",
            description = "Same as --bootstrap.from: start from this peer's projection checkpoint (e.g. http://peer:8080), then catch up the log's tail.")
    String from;

    @Option(names = "--bootstrap-api-key", paramLabel = "KEY",
            description = "Same as --bootstrap.api.key: an admin key of the peer (prefer WORLDSTORE_BOOTSTRAP_API_KEY).")
    String apiKey;

    /** The configuration keys these options set (only those given), for {@link ConfiguredCommand#aliases()}. */
    Map<String, String> aliases() {
        Map<String, String> m = new LinkedHashMap<>();
        if (from != null) {
            m.put(WorldStoreConfig.BOOTSTRAP_FROM.name(), from);
        }
        if (apiKey != null) {
            m.put(WorldStoreConfig.BOOTSTRAP_API_KEY.name(), apiKey);
        }
        return m;
    }
}
