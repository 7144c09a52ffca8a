package dev.worldstore.projector;

import dev.worldstore.Upgraders;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;

/** Opens worldstore nodes. The entry point of the Java API. */
public final class WorldStores {
    private WorldStores() {
    }

    /**
     * Opens a node: starts the embedded broker if no cluster is configured, creates the change-log
     * topic if absent, opens the projection under {@code data.dir} and starts projecting every
     * partition. Returns while the projector may still be catching up; loads wait for what they
     * must see.
     *
     * @return the node, thread-safe; close it when done
     * @throws dev.worldstore.WorldStoreException if Kafka or the data directory cannot be used
     */
    public static WorldStore open(WorldStoreConfig config) {
        return open(config, new SimpleMeterRegistry(), Clock.systemUTC());
    }

    /** As {@link #open(WorldStoreConfig)}, with the registry for metrics and the clock that stamps events. */
    public static WorldStore open(WorldStoreConfig config, MeterRegistry metrics, Clock clock) {
        return open(config, metrics, clock, Upgraders.none());
    }

    /**
     * As {@link #open(WorldStoreConfig, MeterRegistry, Clock)}, with data-format upgraders: values
     * written in an older format load in the current one.
     */
    public static WorldStore open(WorldStoreConfig config, MeterRegistry metrics, Clock clock, Upgraders upgraders) {
        return new MeteredWorldStore(NodeStarter.open(config, metrics, clock, upgraders), metrics);
    }
}
