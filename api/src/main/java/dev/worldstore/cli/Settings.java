package dev.worldstore.cli;

import dev.worldstore.ConfigException;
import dev.worldstore.ConfigKey;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.http.HttpConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The configuration of one command run, merged from its sources with the precedence
 * <b>command line &gt; environment &gt; properties file &gt; default</b>, then split and validated:
 * {@code http.*} keys become an {@link HttpConfig}, every other key a {@link WorldStoreConfig}.
 *
 * <p>Every key of {@link WorldStoreConfig#KEYS} and {@link HttpConfig#KEYS} is known. {@code kafka.*}
 * keys that are not worldstore's own pass through to the Kafka clients (from the command line, from
 * {@code WORLDSTORE_KAFKA_*} variables and from the file). Any other unknown key on the command
 * line or in the file is an error; unknown {@code WORLDSTORE_*} variables are ignored with a warning
 * (a platform may set variables of that prefix, e.g. Kubernetes service links).
 *
 * <p>Immutable; built by {@link #resolve}.
 */
final class Settings {

    /** Where a value came from. */
    enum Source { COMMAND_LINE, ENVIRONMENT, FILE, DEFAULT }

    /** Every key the CLI knows, in documentation order: the store's, then the HTTP server's. */
    public static final List<ConfigKey> ALL_KEYS = Stream.concat(WorldStoreConfig.KEYS.stream(), HttpConfig.KEYS.stream()).toList();

    static final String ENV_PREFIX = "WORLDSTORE_";
    static final String KAFKA_PREFIX = "kafka.";
    private static final String KAFKA_ENV_PREFIX = ConfigKey.envName(KAFKA_PREFIX); // WORLDSTORE_KAFKA_
    private static final String HTTP_PREFIX = "http.";
    /** Variables Kubernetes injects for a Service named worldstore or worldstore-kafka (service links). */
    private static final Pattern SERVICE_LINK = Pattern.compile(
            "WORLDSTORE(_[A-Z0-9]+)*_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT(_\\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?)");

    private final Map<String, String> explicit;
    private final Map<String, Source> sources;
    private final Map<String, String> origins;
    private final List<String> warnings;
    private final WorldStoreConfig storeConfig;
    private final HttpConfig httpConfig;

    private Settings(Map<String, String> explicit, Map<String, Source> sources, Map<String, String> origins, List<String> warnings) {
        this.explicit = Collections.unmodifiableMap(new TreeMap<>(explicit));
        this.sources = Map.copyOf(sources);
        this.origins = Map.copyOf(origins);
        this.warnings = List.copyOf(warnings);
        Map<String, String> store = new LinkedHashMap<>();
        Map<String, String> http = new LinkedHashMap<>();
        explicit.forEach((k, v) -> (k.startsWith(HTTP_PREFIX) ? http : store).put(k, v));
        this.storeConfig = validate(() -> WorldStoreConfig.of(store));
        this.httpConfig = validate(() -> HttpConfig.of(http));
    }

    /**
     * Merges the sources and validates the result.
     *
     * @param commandLine settings given as options, by key name without the leading dashes
     * @param env the process environment (injected so tests need not touch the real one)
     * @param configFile a Java properties file, or {@code null}
     * @throws ConfigException naming the key, the rule and where the bad value came from
     */
    public static Settings resolve(Map<String, String> commandLine, Map<String, String> env, Path configFile) {
        Properties file = configFile == null ? null : readFile(configFile);
        return resolve(commandLine, env, file, configFile == null ? null : configFile.toString());
    }

    /** As {@link #resolve(Map, Map, Path)} with the file already read. */
    public static Settings resolve(Map<String, String> commandLine, Map<String, String> env, Properties file, String fileName) {
        Map<String, String> known = new LinkedHashMap<>();
        ALL_KEYS.forEach(k -> known.put(k.name(), k.envName()));
        Map<String, String> explicit = new LinkedHashMap<>();
        Map<String, Source> sources = new LinkedHashMap<>();
        Map<String, String> origins = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();

        // Lowest precedence first; later sources overwrite.
        if (file != null) {
            for (String name : new TreeMap<>(toMap(file)).keySet()) {
                String key = name.trim();
                if (!known.containsKey(key) && !passThrough(key)) {
                    throw new ConfigException(key, "is not a configuration key (in config file " + fileName
                            + "; run `worldstore config` for the list)");
                }
                put(explicit, sources, origins, key, file.getProperty(name).trim(), Source.FILE, "config file " + fileName);
            }
        }
        Map<String, String> envToKey = new LinkedHashMap<>();
        known.forEach((key, envName) -> envToKey.put(envName, key));
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(ENV_PREFIX)) {
                continue;
            }
            String key = envToKey.get(name);
            if (key == null) {
                if (SERVICE_LINK.matcher(name).matches()) {
                    continue;
                }
                if (name.startsWith(KAFKA_ENV_PREFIX) && name.length() > KAFKA_ENV_PREFIX.length()) {
                    key = KAFKA_PREFIX + name.substring(KAFKA_ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
                } else {
                    warnings.add("ignored environment variable " + name + ": not a configuration variable"
                            + suggestion(envToKey.keySet(), name));
                    continue;
                }
            }
            put(explicit, sources, origins, key, e.getValue(), Source.ENVIRONMENT, "environment variable " + name);
        }
        for (Map.Entry<String, String> e : commandLine.entrySet()) {
            String key = e.getKey();
            if (!known.containsKey(key) && !passThrough(key)) {
                throw new ConfigException("--" + key, "unknown option" + suggestion(known.keySet().stream().map(k -> "--" + k).toList(), "--" + key)
                        + "; only other kafka.* options pass through to the Kafka clients; see --help");
            }
            put(explicit, sources, origins, key, e.getValue(), Source.COMMAND_LINE, "--" + key);
        }
        return new Settings(explicit, sources, origins, warnings);
    }

    private static void put(Map<String, String> explicit, Map<String, Source> sources, Map<String, String> origins, String key,
            String value, Source source, String origin) {
        explicit.put(key, value);
        sources.put(key, source);
        origins.put(key, origin);
    }

    private static boolean passThrough(String key) {
        return key.startsWith(KAFKA_PREFIX) && key.length() > KAFKA_PREFIX.length();
    }

    private static Map<String, String> toMap(Properties p) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String name : p.stringPropertyNames()) {
            m.put(name, p.getProperty(name));
        }
        return m;
    }

    private static Properties readFile(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (NoSuchFileException e) {
            throw new ConfigException("--config", "file " + file + " does not exist");
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("--config", "cannot read " + file + " as a Java properties file: " + e.getMessage());
        }
        return p;
    }

    private <T> T validate(java.util.function.Supplier<T> build) {
        try {
            return build.get();
        } catch (ConfigException e) {
            String origin = origins.get(e.key());
            if (origin == null || origin.equals("--" + e.key())) {
                throw e;
            }
            String rule = e.getMessage().startsWith(e.key() + ": ") ? e.getMessage().substring(e.key().length() + 2) : e.getMessage();
            throw new ConfigException(e.key(), rule + " (from " + origin + ")");
        }
    }

    /** " (did you mean X?)" when one name is close to {@code wrong}, else "". */
    static String suggestion(Iterable<String> names, String wrong) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String n : names) {
            int d = distance(n, wrong);
            if (d < bestDistance) {
                bestDistance = d;
                best = n;
            }
        }
        return best != null && bestDistance <= Math.max(2, wrong.length() / 5) ? " (did you mean " + best + "?)" : "";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * A copy where {@code key} is {@code value} unless a source set it (e.g. the demo's temp
     * data.dir). Validated again.
     */
    public Settings withDefault(String key, String value) {
        if (explicit.containsKey(key)) {
            return this;
        }
        return with(key, value, Source.DEFAULT, "the command's default");
    }

    /** A copy with {@code key} set to {@code value} whatever the sources said. Validated again. */
    public Settings with(String key, String value) {
        return with(key, value, Source.COMMAND_LINE, "the command");
    }

    private Settings with(String key, String value, Source source, String origin) {
        Map<String, String> e = new LinkedHashMap<>(explicit);
        Map<String, Source> s = new LinkedHashMap<>(sources);
        Map<String, String> o = new LinkedHashMap<>(origins);
        put(e, s, o, key, value, source, origin);
        return new Settings(e, s, o, warnings);
    }

    public WorldStoreConfig storeConfig() {
        return storeConfig;
    }

    public HttpConfig httpConfig() {
        return httpConfig;
    }

    /** True if a source (not the key's default) set {@code key}. */
    public boolean isSet(String key) {
        return explicit.containsKey(key);
    }

    /** The value set by a source, or {@code null}. */
    public String explicit(String key) {
        return explicit.get(key);
    }

    /** Every value a source set, by key, sorted. Defaults are not included. */
    public Map<String, String> explicitValues() {
        return explicit;
    }

    /**
     * The values of {@link #explicitValues()} that configure the store (every key but the
     * {@code http.*} ones), by key, sorted: what a command passes on to a run that derives its
     * nodes' settings from the user's, e.g. the loadgen module's benchmarks and demo.
     */
    public Map<String, String> explicitStoreValues() {
        Map<String, String> store = new TreeMap<>();
        explicit.forEach((k, v) -> {
            if (!k.startsWith(HTTP_PREFIX)) {
                store.put(k, v);
            }
        });
        return Collections.unmodifiableMap(store);
    }

    public Source source(String key) {
        return sources.getOrDefault(key, Source.DEFAULT);
    }

    /** Things the user should know (ignored variables); print them, they are not errors. */
    public List<String> warnings() {
        return warnings;
    }
}
