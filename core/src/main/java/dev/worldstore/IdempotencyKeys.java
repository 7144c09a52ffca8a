package dev.worldstore;

/**
 * The rule for idempotency keys ({@link Change#withIdempotencyKey}, the HTTP
 * {@code Idempotency-Key} header): 1 to {@value #MAX_LENGTH} printable ASCII characters
 * ({@code 0x20}-{@code 0x7E}), the characters an RFC 8941 sf-string can carry, as the IETF httpapi
 * draft "The Idempotency-Key HTTP Header Field" defines the header. A UUID is a good key.
 * Stateless and thread-safe.
 */
public final class IdempotencyKeys {
    /** The longest key, in characters. */
    public static final int MAX_LENGTH = 255;

    private IdempotencyKeys() {
    }

    /**
     * Checks {@code key} (null is allowed: no key).
     *
     * @param field the name errors give the key (e.g. {@code idempotencyKey}, {@code Idempotency-Key})
     * @return {@code key}
     * @throws ValidationException {@link ErrorCode#INVALID_ARGUMENT} naming {@code field} and the rule
     */
    public static String check(String key, String field) {
        if (key == null) {
            return null;
        }
        if (key.isEmpty() || key.length() > MAX_LENGTH) {
            throw new ValidationException(ErrorCode.INVALID_ARGUMENT, field, "must be 1 to " + MAX_LENGTH
                    + " printable ASCII characters, was " + key.length() + " characters");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                throw new ValidationException(ErrorCode.INVALID_ARGUMENT, field, "must be printable ASCII (0x20-0x7E); character "
                        + i + " is U+" + String.format("%04X", (int) c));
            }
        }
        return key;
    }
}
