package dev.worldstore.http;

import dev.worldstore.ConfigException;
import dev.worldstore.ConfigKey;
import java.util.List;
import java.util.Map;

/**
 * The HTTP server's configuration: every {@code http.*} key, validated at start, then frozen.
 * Immutable and thread-safe.
 */
public final class HttpConfig {
    public static final ConfigKey HTTP_HOST = ConfigKey.string("http.host", "127.0.0.1",
            "Address the HTTP API binds to (0.0.0.0 for all interfaces, e.g. in a container).");
    public static final ConfigKey HTTP_PORT = ConfigKey.integer("http.port", 8080, 0, 65535,
            "Port of the HTTP API (0 = any free port).");
    public static final ConfigKey HTTP_AUTH_ENABLED = ConfigKey.bool("http.auth.enabled", true,
            "Require `Authorization: Bearer <key>` on every /v1 route.");
    public static final ConfigKey HTTP_AUTH_KEYS_FILE = ConfigKey.string("http.auth.keys.file", "",
            "API keys file (see README). Empty: an admin key is generated on first start and kept in data.dir.");
    public static final ConfigKey HTTP_MAX_BODY_BYTES = ConfigKey.integer("http.max.body.bytes", 5 * 1024 * 1024, 1024,
            64 * 1024 * 1024, "Largest request body accepted (413 above it).");

    public static final ConfigKey HTTP_TLS_KEYSTORE_PATH = ConfigKey.string("http.tls.keystore.path", "",
            "PKCS12 keystore with the server's TLS certificate and key. Set: the API serves HTTPS only. Empty: plain HTTP.");
    public static final ConfigKey HTTP_TLS_KEYSTORE_PASSWORD = ConfigKey.string("http.tls.keystore.password", "",
            "Password of http.tls.keystore.path (prefer the environment variable over the command line).");
    public static final ConfigKey HTTP_THREADS_MAX = ConfigKey.integer("http.threads.max", 200, 8, 10_000,
            "Most request-handling threads (saves wait for Kafka without holding one).");
    public static final ConfigKey HTTP_IDLE_TIMEOUT_MS = ConfigKey.integer("http.idle.timeout.ms", 60_000, 1_000, 3_600_000,
            "A connection with no traffic for this long is closed (must exceed http.sse.heartbeat.ms).");
    public static final ConfigKey HTTP_SSE_HEARTBEAT_MS = ConfigKey.integer("http.sse.heartbeat.ms", 15_000, 100, 600_000,
            "A change feed with nothing to send writes a comment line this often, so proxies keep it open and gone clients are noticed.");
    public static final ConfigKey HTTP_SSE_MAX_CLIENTS = ConfigKey.integer("http.sse.max.clients", 10_000, 1, 100_000,
            "Most change-feed (SSE) clients and audit-log reads at once (each a connection and a few KB; no thread). Above it: 503.");
    public static final ConfigKey HTTP_ACCESS_LOG = ConfigKey.choice("http.access.log", "errors", List.of("off", "errors", "all"),
            "Which requests get a line in the access log (logger dev.worldstore.http.access, to stderr with the rest): errors = "
            + "answers with status 400 or more; all = every request (metrics count every request either way).");
    public static final ConfigKey HTTP_ACCESS_LOG_MAX_LINES_PER_SECOND = ConfigKey.integer("http.access.log.max.lines.per.second",
            50, 0, 1_000_000, "Most access-log lines per second (0 = no limit); lines over it are counted and the count is logged "
            + "with the next line, so an error flood cannot fill a disk.");

    /** Every key of the HTTP server, in documentation order. */
    public static final List<ConfigKey> KEYS = List.of(HTTP_HOST, HTTP_PORT, HTTP_AUTH_ENABLED, HTTP_AUTH_KEYS_FILE,
            HTTP_MAX_BODY_BYTES, HTTP_TLS_KEYSTORE_PATH, HTTP_TLS_KEYSTORE_PASSWORD, HTTP_THREADS_MAX, HTTP_IDLE_TIMEOUT_MS,
            HTTP_SSE_HEARTBEAT_MS, HTTP_SSE_MAX_CLIENTS, HTTP_ACCESS_LOG, HTTP_ACCESS_LOG_MAX_LINES_PER_SECOND);

    private final Map<String, String> values;

    private HttpConfig(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    public static HttpConfig defaults() {
        return of(Map.of());
    }

    /**
     * Validates {@code settings} (only {@code http.*} keys) and freezes them.
     *
     * @throws ConfigException for an unknown key or a value that breaks its rule
     */
    public static HttpConfig of(Map<String, String> settings) {
        HttpConfig c = new HttpConfig(ConfigKey.resolve(KEYS, settings, (name, value) -> {
            throw new ConfigException(name, "is not an HTTP configuration key (see the README's configuration table)");
        }));
        if (c.getInt(HTTP_SSE_HEARTBEAT_MS) >= c.getInt(HTTP_IDLE_TIMEOUT_MS)) {
            throw new ConfigException(HTTP_SSE_HEARTBEAT_MS.name(), "must be less than " + HTTP_IDLE_TIMEOUT_MS.name() + " ("
                    + c.getInt(HTTP_IDLE_TIMEOUT_MS) + "), was " + c.getInt(HTTP_SSE_HEARTBEAT_MS));
        }
        if (!c.get(HTTP_TLS_KEYSTORE_PATH).isBlank() && c.get(HTTP_TLS_KEYSTORE_PASSWORD).isEmpty()) {
            throw new ConfigException(HTTP_TLS_KEYSTORE_PASSWORD.name(), "must be set when " + HTTP_TLS_KEYSTORE_PATH.name() + " is set");
        }
        return c;
    }

    /** Convenience for tests and embedding: {@code of(Map.of(...))} from key/value pairs. */
    public static HttpConfig of(String... keyValuePairs) {
        if (keyValuePairs.length % 2 != 0) {
            throw new IllegalArgumentException("key/value pairs expected");
        }
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keyValuePairs.length; i += 2) {
            m.put(keyValuePairs[i], keyValuePairs[i + 1]);
        }
        return of(m);
    }

    public String get(ConfigKey key) {
        String v = values.get(key.name());
        if (v == null) {
            throw new IllegalArgumentException(key.name() + " is not an HTTP key");
        }
        return v;
    }

    public int getInt(ConfigKey key) {
        return Integer.parseInt(get(key).trim());
    }

    public boolean getBoolean(ConfigKey key) {
        return Boolean.parseBoolean(get(key));
    }

    /** The settings with secrets masked, for logs. */
    @Override
    public String toString() {
        Map<String, String> shown = new java.util.TreeMap<>(values);
        if (!shown.getOrDefault(HTTP_TLS_KEYSTORE_PASSWORD.name(), "").isEmpty()) {
            shown.put(HTTP_TLS_KEYSTORE_PASSWORD.name(), "****");
        }
        return "HttpConfig" + shown;
    }
}
