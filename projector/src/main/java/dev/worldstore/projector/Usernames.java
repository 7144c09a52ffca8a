package dev.worldstore.projector;

import dev.worldstore.ErrorCode;
import dev.worldstore.ValidationException;
import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The username rule of the player registry: which names are valid, and the form two names are
 * compared in (RFC 8265, UsernameCaseMapped profile), the key of their uniqueness. Pure.
 */
final class Usernames {
    static final int MAX_USERNAME_LENGTH = 64;

    static final String USERNAME_RULE = "1 to " + MAX_USERNAME_LENGTH
            + " letters, digits, _ - . or inner spaces";

    private static final Pattern USERNAME = Pattern.compile("[\\p{L}\\p{N}_.-](?:[\\p{L}\\p{N}_. -]{0,62}[\\p{L}\\p{N}_.-])?");

    private Usernames() {
    }

    /**
     * Checks a username and returns its comparison form, the uniqueness key, as RFC 8265's
     * UsernameCaseMapped profile prepares and enforces it: width-mapped, case-folded, NFC.
     */
    static String normalizeUsername(String username) {
        String composed = username == null ? null : Normalizer.normalize(widthMapped(username), Normalizer.Form.NFC);
        if (composed == null || !USERNAME.matcher(composed).matches()) {
            throw new ValidationException(ErrorCode.INVALID_SHAPE, "username", "must be " + USERNAME_RULE + describe(username));
        }
        // Upper then lower folds case variants that lower-casing alone keeps apart (final sigma).
        return Normalizer.normalize(composed.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT), Normalizer.Form.NFC);
    }

    /**
     * RFC 8265 §3.3.2 (UsernameCaseMapped), width mapping: fullwidth and halfwidth characters
     * (U+FF00 to U+FFEF) are mapped to their decomposition, so {@code ｂｏｂ} and {@code bob} are one
     * name. Other characters are left as they are (case mapping and NFC follow).
     */
    static String widthMapped(String s) {
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
