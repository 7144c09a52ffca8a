package dev.worldstore;

/** A configuration value breaks its rule. Names the key and the rule; raised at start, never later. */
public final class ConfigException extends WorldStoreException.RejectedException {
    private static final long serialVersionUID = 1L;

    private final String key;

    public ConfigException(String key, String rule) {
        super(ErrorCode.INVALID_CONFIG, key + ": " + rule, null);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
