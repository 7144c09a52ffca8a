package dev.worldstore;

/**
 * The character and length rules of ids, without a regex (they run on every load and save).
 * Stateless; package-private: callers use {@link Key#check()} and {@link Scan.Prefix#check()}.
 *
 * <p>Every id character is one a URL path segment carries as itself (RFC 3986 {@code pchar}:
 * unreserved, and of the sub-delimiters only {@code $}, with {@code :} and {@code @}), so each id
 * has one spelling in a URL and no id needs escaping. {@code $} is there because Hyperfy names its
 * scene blueprint {@code $scene}: ids Hyperfy writes are kept as they are (a client may also send
 * it percent-encoded, {@code %24scene}, which the server decodes to the same id, as for any
 * character). The other sub-delimiters stay out: {@code & + = ; ,} mean something to form and
 * query parsers and to some proxies.
 */
final class Ids {
    static final int MAX_ID_LENGTH = 128;
    static final int MAX_APP_KEY_LENGTH = 256;
    static final String ID_RULE = "1 to " + MAX_ID_LENGTH + " characters of A-Z a-z 0-9 _ - . : @ $, not . or .. alone";
    static final String APP_KEY_RULE = "1 to " + MAX_APP_KEY_LENGTH + " characters of A-Z a-z 0-9 _ - . : @ $ /, in segments "
            + "between slashes that are neither empty nor . or ..";

    private Ids() {
    }

    /**
     * An id is one URL path segment. {@code .} and {@code ..} are refused: URL parsers (WHATWG, so
     * Node's fetch and browsers) remove such segments, so no client could ever address the key.
     *
     * @throws ValidationException {@link ErrorCode#INVALID_ID} naming {@code field}
     */
    static void checkId(String field, String id) {
        if (id == null || !chars(id, 1, MAX_ID_LENGTH, false) || dotSegment(id, 0, id.length())) {
            throw new ValidationException(ErrorCode.INVALID_ID, field, "must be " + ID_RULE + describe(id));
        }
    }

    /**
     * An app's key: the id characters and {@code /}, up to 256, in segments that are neither empty
     * nor {@code .} or {@code ..}: a key is part of a URL path, where an empty segment (a leading,
     * trailing or doubled slash) or a dot segment would be collapsed into another key's spelling.
     */
    static void checkAppKey(String field, String key) {
        if (key == null || !chars(key, 1, MAX_APP_KEY_LENGTH, true) || !segmentsAddressable(key)) {
            throw new ValidationException(ErrorCode.INVALID_ID, field, "must be " + APP_KEY_RULE + describe(key));
        }
    }

    private static boolean segmentsAddressable(String key) {
        int start = 0;
        for (int i = 0; i <= key.length(); i++) {
            if (i == key.length() || key.charAt(i) == '/') {
                if (i == start || dotSegment(key, start, i)) {
                    return false;
                }
                start = i + 1;
            }
        }
        return true;
    }

    /** True for the segment {@code .} or {@code ..}. */
    private static boolean dotSegment(String s, int from, int to) {
        int n = to - from;
        return (n == 1 && s.charAt(from) == '.') || (n == 2 && s.charAt(from) == '.' && s.charAt(from + 1) == '.');
    }

    /** A prefix of app keys: the characters of {@link #checkAppKey}, possibly empty (any prefix of a valid key). */
    static void checkAppKeyPrefix(String field, String prefix) {
        if (prefix == null || !chars(prefix, 0, MAX_APP_KEY_LENGTH, true)) {
            throw new ValidationException(ErrorCode.INVALID_ID, field, "must be up to " + MAX_APP_KEY_LENGTH
                    + " characters of A-Z a-z 0-9 _ - . : @ $ /" + describe(prefix));
        }
    }

    private static boolean chars(String s, int min, int max, boolean slash) {
        int n = s.length();
        if (n < min || n > max) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
                    || c == '.' || c == ':' || c == '@' || c == '$' || (slash && c == '/');
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** ", was 'x'" (or its length, or "missing"/"empty") for error messages. */
    static String describe(String value) {
        if (value == null) {
            return ", was missing";
        }
        if (value.isEmpty()) {
            return ", was empty";
        }
        return value.length() > 40 ? ", was " + value.length() + " characters" : ", was '" + value + "'";
    }
}
