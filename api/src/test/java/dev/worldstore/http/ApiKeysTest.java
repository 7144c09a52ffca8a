package dev.worldstore.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {
    @TempDir
    Path dir;

    private ConfigException rejected(String json) throws IOException {
        Path f = dir.resolve("keys.json");
        Files.writeString(f, json);
        ConfigException e = assertThrows(ConfigException.class, () -> ApiKeys.load(f, "http.auth.keys.file"));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        return e;
    }

    @Test
    void keysAreRandomAndHashed() {
        String a = ApiKeys.newKey();
        assertNotEquals(a, ApiKeys.newKey());
        assertTrue(a.length() > 40);
        assertTrue(ApiKeys.hash(a).matches("sha256:[0-9a-f]{64}"));
    }

    @Test
    void scopesAreRead() throws IOException {
        String k = ApiKeys.newKey();
        Path f = dir.resolve("ok.json");
        Files.writeString(f, "{\"keys\":[{\"name\":\"s\",\"hash\":\"" + ApiKeys.hash(k) + "\",\"worlds\":[\"w1\"],\"apps\":[\"a\"]}]}");
        ApiKeys keys = ApiKeys.load(f, "x");
        ApiKeys.Principal p = keys.authenticate(k).orElseThrow();
        assertEquals("s", p.name());
        assertTrue(p.mayWorld("w1") && !p.mayWorld("w2") && p.mayApp("a") && !p.mayApp("b") && !p.mayPlayers());
        assertTrue(keys.authenticate(k + "x").isEmpty());
    }

    @Test
    void malformedFilesAreRejectedNamingTheProblem() throws IOException {
        String h = ApiKeys.hash("k");
        assertTrue(rejected("[]").getMessage().contains("keys"));
        assertTrue(rejected("{\"keys\":[{\"name\":\"a\",\"hash\":\"md5:00\"}]}").getMessage().contains("keys[0].hash"));
        assertTrue(rejected("{\"keys\":[{\"name\":\"a b\",\"hash\":\"" + h + "\"}]}").getMessage().contains("keys[0].name"));
        assertTrue(rejected("{\"keys\":[{\"name\":\"a\",\"hash\":\"" + h + "\",\"world\":[\"w\"]}]}").getMessage().contains("keys[0].world"));
        assertTrue(rejected("{\"keys\":[{\"name\":\"a\",\"hash\":\"" + h + "\",\"admin\":\"yes\"}]}").getMessage().contains("admin"));
        assertTrue(rejected("{\"keys\":[{\"name\":\"a\",\"hash\":\"" + h + "\"},{\"name\":\"a\",\"hash\":\"" + h + "\"}]}").getMessage()
                .contains("twice"));
        assertTrue(rejected("{\"keys\":[{\"name\":\"a\",\"hash\":\"" + h + "\",\"worlds\":\"w1\"}]}").getMessage().contains("worlds"));
    }
}
