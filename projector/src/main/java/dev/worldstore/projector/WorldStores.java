package dev.worldstore.projector;

import dev.worldstore.Upgraders;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
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
     * <p>Records no metrics: its meters are registered in an empty {@link CompositeMeterRegistry}
     * of its own, whose meters Micrometer makes no-ops (nothing would read them, and a load's timer
     * with histogram buckets costs about as much as a tenth of a local load on two cores). Pass a
     * registry to {@link #open(WorldStoreConfig, MeterRegistry, Clock)} for metrics, as {@code serve}
     * does with Prometheus.
     *
     * @return the node, thread-safe; close it when done
     * @throws dev.worldstore.WorldStoreException if Kafka or the data directory cannot be used
     */
    public static WorldStore open(WorldStoreConfig config) {
        return open(config, new CompositeMeterRegistry(), Clock.systemUTC());
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
