package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.ConfigException;
import dev.worldstore.WorldStoreConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code kafka.*} keys that pass through to the Kafka clients: only settings that do something. */
class KafkaSettingsTest {

    private static KafkaSettings settings(String key, String value) {
        return KafkaSettings.from(WorldStoreConfig.of("kafka.bootstrap.servers", "k1:9092", key, value), "k1:9092");
    }

    @ParameterizedTest
    @ValueSource(strings = {"kafka.min.insync.replicas", "kafka.replication.factor", "kafka.retention.ms", "kafka.securityprotocol",
            "kafka.sasl.mechansim", "kafka.producer.acks", "kafka.consumer.max.poll.records", "kafka.no.such.setting"})
    void aKeyNoKafkaClientKnowsIsAnError(String key) {
        // given a kafka.* key that is neither worldstore's nor a producer, consumer or admin client setting
        // when the node's Kafka settings are built
        ConfigException e = assertThrows(ConfigException.class, () -> settings(key, "2"));
        // then it is refused naming the key: it would have done nothing
        assertEquals(key, e.key());
        assertTrue(e.getMessage().contains("would do nothing"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"kafka.acks,1,", "kafka.enable.idempotence,false,", "kafka.client.id,me,", "kafka.key.serializer,x,",
            "kafka.linger.ms,20,producer.linger.ms", "kafka.batch.size,1,producer.batch.bytes",
            "kafka.compression.type,zstd,producer.compression", "kafka.delivery.timeout.ms,1,write.timeout.ms",
            "kafka.max.block.ms,1,write.timeout.ms", "kafka.max.poll.records,1,projector.poll.max.records",
            "kafka.enable.auto.commit,true,", "kafka.auto.offset.reset,latest,", "kafka.max.request.size,1,value.max.bytes",
            "kafka.buffer.memory,1048576,write.max.inflight.bytes"})
    void aSettingWorldstoreFixesInEveryClientThatReadsItIsAnErrorNamingTheKeyToUse(String key, String value, String instead) {
        // given a Kafka client setting worldstore sets itself wherever it applies
        // when it is passed through
        ConfigException e = assertThrows(ConfigException.class, () -> settings(key, value));
        // then it is refused, naming worldstore's own key where there is one
        assertEquals(key, e.key());
        assertTrue(e.getMessage().contains("set by worldstore"), e.getMessage());
        if (instead != null) {
            assertTrue(e.getMessage().contains(instead), e.getMessage());
        }
    }

    @ParameterizedTest
    @CsvSource({"kafka.security.protocol,SASL_SSL", "kafka.sasl.mechanism,SCRAM-SHA-512", "kafka.ssl.truststore.location,/t.p12",
            "kafka.request.timeout.ms,20000", "kafka.client.dns.lookup,use_all_dns_ips", "kafka.fetch.min.bytes,1",
            "kafka.max.in.flight.requests.per.connection,1",
            "kafka.config.providers,file", "kafka.config.providers.file.class,org.apache.kafka.common.config.provider.FileConfigProvider"})
    void aSettingAClientUsesPassesThroughWithoutItsPrefix(String key, String value) {
        // given a setting at least one Kafka client reads and worldstore leaves to the user
        // when the settings are built, then it reaches the clients without the kafka. prefix
        KafkaSettings s = settings(key, value);
        String name = key.substring("kafka.".length());
        assertEquals(value, s.clientOverrides().getProperty(name));
        assertEquals(value, KafkaClients.adminProperties(s).getProperty(name, value));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "2", "3"})
    void minInsyncReplicasReachesTheTopicSettings(String n) {
        // given kafka.topic.min.insync.replicas on a cluster of three
        KafkaSettings s = KafkaSettings.from(WorldStoreConfig.of("kafka.bootstrap.servers", "k1:9092", "kafka.topic.replication.factor",
                "3", "kafka.topic.min.insync.replicas", n), "k1:9092");
        // then it is a topic setting and not a client one
        assertEquals(Integer.parseInt(n), s.minInsyncReplicas());
        assertTrue(s.clientOverrides().isEmpty());
    }
}
