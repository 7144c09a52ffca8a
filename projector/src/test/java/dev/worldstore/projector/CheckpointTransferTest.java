package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.ConfigException;
import dev.worldstore.Json;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a fetched checkpoint must be before a node opens it: this release's format, its topic, every file as listed. */
class CheckpointTransferTest {
    private static final URI PEER = URI.create("http://peer:8080");

    private static ObjectNode manifest(int format, String topic) {
        ObjectNode m = Json.object().put("transfer", CheckpointTransfer.TRANSFER_VERSION).put("projectionFormat", format).put("topic", topic);
        m.putArray("files").addObject().put("name", "000001.sst").put("size", 3).put("sha256", "abc");
        return m;
    }

    @Test
    void aCheckpointOfAnotherProjectionFormatIsRefusedSayingWhichFormats() {
        // given a manifest of a newer projection format, when verified, then refused naming both formats
        ConfigException e = assertThrows(ConfigException.class, () -> CheckpointTransfer.verify(PEER,
                manifest(CheckpointTransfer.PROJECTION_FORMAT + 1, "t"), "t", Map.of("000001.sst", new long[] {3}), Map.of("000001.sst", "abc")));
        assertEquals("bootstrap.from", e.key());
        assertTrue(e.getMessage().contains("incompatible version"), e.getMessage());
        assertTrue(e.getMessage().contains("projection format " + (CheckpointTransfer.PROJECTION_FORMAT + 1)), e.getMessage());
    }

    @Test
    void aFileThatDiffersFromTheManifestOrAMissingManifestIsRefused() {
        Map<String, long[]> sizes = Map.of("000001.sst", new long[] {3});
        // given the right manifest: accepted
        CheckpointTransfer.verify(PEER, manifest(CheckpointTransfer.PROJECTION_FORMAT, "t"), "t", sizes, Map.of("000001.sst", "abc"));
        // when a hash differs, a file is extra, or the manifest never came: refused
        assertThrows(ConfigException.class, () -> CheckpointTransfer.verify(PEER, manifest(CheckpointTransfer.PROJECTION_FORMAT, "t"), "t",
                sizes, Map.of("000001.sst", "abd")));
        assertThrows(ConfigException.class, () -> CheckpointTransfer.verify(PEER, manifest(CheckpointTransfer.PROJECTION_FORMAT, "t"), "t",
                Map.of("000001.sst", new long[] {3}, "000002.sst", new long[] {1}), Map.of("000001.sst", "abc", "000002.sst", "x")));
        ConfigException cut = assertThrows(ConfigException.class, () -> CheckpointTransfer.verify(PEER, null, "t", sizes, Map.of()));
        assertTrue(cut.getMessage().contains("before its manifest"), cut.getMessage());
        // and a checkpoint of another topic
        assertThrows(ConfigException.class, () -> CheckpointTransfer.verify(PEER, manifest(CheckpointTransfer.PROJECTION_FORMAT, "u"), "t",
                sizes, Map.of("000001.sst", "abc")));
    }
}
