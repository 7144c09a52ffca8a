package dev.worldstore.bench;

import java.util.Map;

/**
 * The producer batching settings the save sweep compares, applied alike to worldstore's producer
 * ({@code producer.linger.ms}, {@code kafka.max.in.flight.requests.per.connection}) and to the
 * bare producer, so each ratio compares the same Kafka settings.
 *
 * @param label how the report names the setting
 * @param lingerMs {@code linger.ms}
 * @param maxInFlightRequests {@code max.in.flight.requests.per.connection}
 */
record Linger(String label, int lingerMs, int maxInFlightRequests) {

    /**
     * worldstore's defaults: {@code producer.linger.ms} and the requests in flight KafkaClients
     * sets when {@code kafka.max.in.flight.requests.per.connection} is not given (keep in step).
     */
    static final Linger DEFAULT = new Linger("default", dev.worldstore.WorldStoreConfig.defaults()
            .getInt(dev.worldstore.WorldStoreConfig.PRODUCER_LINGER_MS), 5);

    /** linger.ms 0, 1 and 5 (5 requests in flight), and the adaptive choice: no linger, one request in flight. */
    static final java.util.List<Linger> SWEEP = java.util.List.of(
            new Linger("linger.ms=0", 0, 5),
            new Linger("linger.ms=1", 1, 5),
            new Linger("linger.ms=5", 5, 5),
            new Linger("adaptive: linger.ms=0, 1 request in flight", 0, 1));

    /** worldstore's settings for this producer. */
    Map<String, String> worldstoreSettings() {
        return Map.of("producer.linger.ms", Integer.toString(lingerMs),
                "kafka.max.in.flight.requests.per.connection", Integer.toString(maxInFlightRequests));
    }

    /** True if worldstore's defaults are these settings. */
    boolean isDefault() {
        return lingerMs == DEFAULT.lingerMs && maxInFlightRequests == DEFAULT.maxInFlightRequests;
    }

    /** A short name for topic names. */
    String slug() {
        return "l" + lingerMs + "-f" + maxInFlightRequests;
    }
}
