package dev.worldstore;

import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The username rule of the player registry, as the projector applies it: which names are valid
 * ({@link #RULE}), and the form two names are compared in, the key of their uniqueness (RFC 8265,
 * UsernameCaseMapped profile: width-mapped, case-folded, NFC). Clients that must predict a clash
 * (an import of users with clashing names) use the same form. Pure, thread-safe.
 */
public final class Usernames {
    /** Most characters (code points after width mapping and NFC) of a username. */
    public static final int MAX_LENGTH = 64;

    /** The rule in words, as errors state it. */
    public static final String RULE = "1 to " + MAX_LENGTH
            + " letters, digits, _ - . or inner spaces";

    private static final Pattern USERNAME = Pattern.compile("[\\p{L}\\p{N}_.-](?:[\\p{L}\\p{N}_. -]{0,62}[\\p{L}\\p{N}_.-])?");

    private Usernames() {
    }

    /**
     * Checks a username and returns its comparison form, the uniqueness key, as RFC 8265's
     * UsernameCaseMapped profile prepares and enforces it: width-mapped, case-folded, NFC.
     *
     * @throws ValidationException {@link ErrorCode#INVALID_SHAPE} naming {@code username} when it is
     *     {@code null} or breaks {@link #RULE}
     */
    public static String normalize(String username) {
        if (!isValid(username)) {
            throw new ValidationException(ErrorCode.INVALID_SHAPE, "username", "must be " + RULE + describe(username));
        }
        return comparisonForm(username);
    }

    /** True when {@code username} (width-mapped, NFC) keeps {@link #RULE}; false for {@code null}. */
    public static boolean isValid(String username) {
        return username != null && USERNAME.matcher(Normalizer.normalize(widthMapped(username), Normalizer.Form.NFC)).matches();
    }

    /**
     * The form {@code username} is compared in (RFC 8265 UsernameCaseMapped: width-mapped, case
     * folded, NFC), whether or not it keeps the rule.
     */
    public static String comparisonForm(String username) {
        String composed = Normalizer.normalize(widthMapped(username), Normalizer.Form.NFC);
        // Upper then lower folds case variants that lower-casing alone keeps apart (final sigma).
        return Normalizer.normalize(composed.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT), Normalizer.Form.NFC);
    }

    /**
     * RFC 8265 §3.3.2 (UsernameCaseMapped), width mapping: fullwidth and halfwidth characters
     * (U+FF00 to U+FFEF) are mapped to their decomposition, so {@code ｂｏｂ} and {@code bob} are one
     * name. Other characters are left as they are (case mapping and NFC follow).
     */
    public static String widthMapped(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= '\uFF00' && c <= '\uFFEF') {
                if (out == null) {
                    out = new StringBuilder(s.length()).append(s, 0, i);
                }
                out.append(Normalizer.normalize(String.valueOf(c), Normalizer.Form.NFKC));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? s : out.toString();
    }

    private static String describe(String value) {
        if (value == null) {
            return ", was missing";
        }
        if (value.isEmpty()) {
            return ", was empty";
        }
        return value.length() > 40 ? ", was " + value.length() + " characters" : ", was '" + value + "'";
    }
}
