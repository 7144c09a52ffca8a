package dev.worldstore.loadgen;

import dev.worldstore.WorldStoreConfig;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** Removes the topic a bench run created for itself on an external cluster. */
final class Topics {
    private Topics() {
    }

    /** Deletes {@code config}'s topic; a failure is a warning on stderr, not an error (the results are already out). */
    static void delete(String bootstrap, WorldStoreConfig config) {
        Properties p = new Properties();
        p.putAll(config.kafkaClientOverrides());
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        String topic = config.get(WorldStoreConfig.KAFKA_TOPIC);
        try (Admin admin = Admin.create(p)) {
            admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("warning: could not delete the bench topic " + topic + ": " + e.getMessage());
        }
    }
}
