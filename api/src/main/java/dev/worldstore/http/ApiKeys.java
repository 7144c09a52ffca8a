package dev.worldstore.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.ConfigException;
import dev.worldstore.Json;
import dev.worldstore.ValidationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API keys a server accepts, loaded once at start. Keys are never stored in plain text: the
 * file holds the SHA-256 of each key (keys are 256-bit random values, so an unsalted hash is
 * enough), and a presented key is hashed and compared with every entry in constant time.
 *
 * <p>Keys file ({@code http.auth.keys.file}), JSON:
 * <pre>
 * {"keys": [
 *   {"name": "admin",    "hash": "sha256:&lt;64 hex&gt;", "admin": true},
 *   {"name": "server-a", "hash": "sha256:&lt;64 hex&gt;", "worlds": ["w1", "w2"], "apps": ["*"], "players": true},
 *   {"name": "rpg-app",  "hash": "sha256:&lt;64 hex&gt;", "worlds": ["w1"], "apps": ["my-rpg-app"]}
 * ]}
 * </pre>
 * <ul>
 *   <li>{@code name} (required, unique, 1 to 64 of {@code A-Z a-z 0-9 _ - . : @}): recorded as the
 *       {@code actor} of every change the key makes, and in the access log.</li>
 *   <li>{@code hash} (required): {@code sha256:} and the hex SHA-256 of the UTF-8 key.
 *       {@link #newKey()} and {@link #hash(String)} make both.</li>
 *   <li>{@code admin} (default false): every route of every world, app and player.</li>
 *   <li>{@code worlds} (default none): worlds whose player states, entities, world state and change
 *       feed the key may read and write; {@code "*"} is every world.</li>
 *   <li>{@code apps} (default none): apps whose storage the key may read and write, inside the
 *       worlds it holds; {@code "*"} is every app. The change feed leaves out other apps' changes.</li>
 *   <li>{@code players} (default false): the global player registry ({@code /v1/players}: register
 *       and look up players).</li>
 * </ul>
 * Unknown fields are errors, so a typo never silently widens or narrows a key.
 *
 * <p>With auth enabled and no keys file configured, the server uses {@code <data.dir>/api-keys.json};
 * if that does not exist it generates one admin key, stores its hash there and prints the key once
 * on standard output. Thread-safe (immutable).
 */
final class ApiKeys {
    private static final Logger LOG = LoggerFactory.getLogger(ApiKeys.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:@-]{1,64}");
    private static final Pattern HASH = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Set<String> FIELDS = Set.of("name", "hash", "admin", "worlds", "apps", "players");
    static final String GENERATED_FILE = "api-keys.json";
    private static final String PREFIX = "wsk_";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What a key may do. {@code name} is the actor recorded with its changes ({@code null} when auth is off). */
    record Principal(String name, boolean admin, Set<String> worlds, Set<String> apps, boolean players) {
        static final Principal ANONYMOUS = new Principal(null, true, Set.of("*"), Set.of("*"), true);

        boolean mayWorld(String worldId) {
            return admin || worlds.contains("*") || worlds.contains(worldId);
        }

        boolean mayApp(String appId) {
            return admin || apps.contains("*") || apps.contains(appId);
        }

        /** Every app's storage (in the worlds it holds): admin, or {@code "apps": ["*"]}. */
        boolean mayEveryApp() {
            return admin || apps.contains("*");
        }

        boolean mayPlayers() {
            return admin || players;
        }
    }

    private record Entry(byte[] hash, Principal principal) {
    }

    private final List<Entry> entries;
    private final Path source;

    private ApiKeys(List<Entry> entries, Path source) {
        this.entries = List.copyOf(entries);
        this.source = source;
    }

    /** A new random key (256 bits, URL-safe text with a {@code wsk_} prefix). */
    public static String newKey() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** The keys file's {@code hash} value of {@code key}: {@code sha256:<hex>}. */
    public static String hash(String key) {
        return "sha256:" + HexFormat.of().formatHex(sha256(key));
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    int size() {
        return entries.size();
    }

    Path source() {
        return source;
    }

    /** The principal of a presented key, compared with every entry in constant time. */
    Optional<Principal> authenticate(String presentedKey) {
        byte[] h = sha256(presentedKey);
        Principal found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.hash(), h)) {
                found = e.principal();
            }
        }
        return Optional.ofNullable(found);
    }

    /** Result of {@link #loadOrGenerate}: the keys and, only when just generated, the plaintext admin key. */
    record Loaded(ApiKeys keys, String generatedAdminKey) {
    }

    /**
     * Loads {@code configuredFile}; when it is empty, loads {@code <dataDir>/api-keys.json}, generating
     * it with one admin key on first start.
     *
     * @throws ConfigException if the file is unreadable or breaks the format, naming the file and entry
     */
    static Loaded loadOrGenerate(String configuredFile, Path dataDir) {
        if (configuredFile != null && !configuredFile.isBlank()) {
            return new Loaded(load(Path.of(configuredFile), HttpConfig.HTTP_AUTH_KEYS_FILE.name()), null);
        }
        Path file = dataDir.resolve(GENERATED_FILE);
        if (Files.exists(file)) {
            return new Loaded(load(file, HttpConfig.HTTP_AUTH_KEYS_FILE.name()), null);
        }
        String key = newKey();
        ObjectNode root = Json.object();
        ArrayNode keys = root.putArray("keys");
        keys.addObject().put("name", "admin").put("hash", hash(key)).put("admin", true);
        try {
            Files.createDirectories(dataDir);
            Path tmp = Files.createTempFile(dataDir, GENERATED_FILE, ".tmp");
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system; the directory's permissions apply
            }
            Files.write(tmp, Json.prettyBytes(root));
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file);
            }
        } catch (IOException e) {
            throw new ConfigException(HttpConfig.HTTP_AUTH_KEYS_FILE.name(), "cannot write the generated keys file " + file + ": "
                    + e.getMessage());
        }
        LOG.info("generated an admin API key; its hash is kept in {} and the key itself is printed once on standard output", file);
        return new Loaded(load(file, HttpConfig.HTTP_AUTH_KEYS_FILE.name()), key);
    }

    static ApiKeys load(Path file, String configKey) {
        JsonNode root;
        try {
            root = Json.parse(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new ConfigException(configKey, "cannot read keys file " + file + ": " + e.getMessage());
        } catch (ValidationException e) {
            throw new ConfigException(configKey, "keys file " + file + " is not JSON: " + e.rule());
        }
        JsonNode keys = root == null ? null : root.get("keys");
        if (keys == null || !keys.isArray()) {
            throw new ConfigException(configKey, file + " must be a JSON object {\"keys\": [...]} (see the README)");
        }
        List<Entry> entries = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < keys.size(); i++) {
            JsonNode k = keys.get(i);
            String where = file + ": keys[" + i + "]";
            if (!k.isObject()) {
                throw new ConfigException(configKey, where + " must be an object");
            }
            k.fieldNames().forEachRemaining(f -> {
                if (!FIELDS.contains(f)) {
                    throw new ConfigException(configKey, where + "." + f + " is not a key field (one of " + String.join(", ",
                            new java.util.TreeSet<>(FIELDS)) + ")");
                }
            });
            String name = k.path("name").asText("");
            if (!NAME.matcher(name).matches()) {
                throw new ConfigException(configKey, where + ".name must be 1 to 64 characters of A-Z a-z 0-9 _ - . : @");
            }
            if (!names.add(name)) {
                throw new ConfigException(configKey, where + ".name '" + name + "' is used twice");
            }
            String hash = k.path("hash").asText("");
            if (!HASH.matcher(hash).matches()) {
                throw new ConfigException(configKey, where + ".hash must be sha256: and 64 lower-case hex digits");
            }
            boolean admin = bool(k, "admin", where, configKey);
            boolean players = bool(k, "players", where, configKey);
            Principal p = new Principal(name, admin, strings(k, "worlds", where, configKey), strings(k, "apps", where, configKey),
                    players);
            entries.add(new Entry(HexFormat.of().parseHex(hash.substring("sha256:".length())), p));
        }
        return new ApiKeys(entries, file);
    }

    private static boolean bool(JsonNode k, String field, String where, String configKey) {
        JsonNode v = k.get(field);
        if (v == null) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new ConfigException(configKey, where + "." + field + " must be true or false");
        }
        return v.booleanValue();
    }

    private static Set<String> strings(JsonNode k, String field, String where, String configKey) {
        JsonNode v = k.get(field);
        if (v == null) {
            return Set.of();
        }
        if (!v.isArray()) {
            throw new ConfigException(configKey, where + "." + field + " must be an array of ids or \"*\"");
        }
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode s : v) {
            if (!s.isTextual() || s.asText().isEmpty()) {
                throw new ConfigException(configKey, where + "." + field + " must hold only non-empty strings");
            }
            out.add(s.asText());
        }
        return Set.copyOf(out);
    }
}
