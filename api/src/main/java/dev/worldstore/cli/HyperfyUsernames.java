package dev.worldstore.cli;

import dev.worldstore.Usernames;
import java.text.Normalizer;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** The clash rule that turns Hyperfy user names (not unique) into worldstore usernames (unique per RFC 8265). Pure. */
final class HyperfyUsernames {
    private static final Pattern NOT_USERNAME_CHAR = Pattern.compile("[^\\p{L}\\p{N}_. -]");
    private static final DateTimeFormatter SQL_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss[.SSS]", Locale.ROOT);

    private HyperfyUsernames() {
    }

    /**
     * The players to register, one per user, by the clash rule: Hyperfy names are not unique, and
     * worldstore's are, compared as RFC 8265 prescribes (width-mapped, case-folded, NFC; see
     * {@link Usernames#comparisonForm}). Of the users whose names compare equal, the one created first (earliest
     * {@code createdAt}, then smallest id) keeps the name; every other one gets
     * {@code <name>-<its id>}. A name that breaks worldstore's username rule is first spelt with
     * {@code _} for each character the rule does not allow ({@code user} when nothing is left).
     * The rule depends only on the users, not on the order of rows.
     */
    static List<HyperfyMapping.Registration> registrations(List<HyperfyDb.UserRow> users) {
        record Created(HyperfyDb.UserRow user, long millis) {
        }
        List<Created> ordered = new ArrayList<>(users.size());
        users.forEach(u -> ordered.add(new Created(u, millis(u.columns().get("createdAt")))));
        ordered.sort(Comparator.comparingLong(Created::millis).thenComparing(c -> c.user().id()));
        Map<String, HyperfyDb.UserRow> first = new HashMap<>();
        List<HyperfyMapping.Registration> out = new ArrayList<>(ordered.size());
        for (Created c : ordered) {
            HyperfyDb.UserRow u = c.user();
            String name = (String) u.columns().get("name");
            String usable = usableName(name);
            String canonical = Usernames.comparisonForm(usable);
            HyperfyDb.UserRow holder = first.putIfAbsent(canonical, u);
            if (holder == null) {
                out.add(new HyperfyMapping.Registration(u.id(), name, usable, usable.equals(name) ? null
                        : "the name breaks worldstore's username rule (" + Usernames.RULE + ")"));
            } else {
                out.add(new HyperfyMapping.Registration(u.id(), name, suffixed(usable, u.id()), "'" + holder.columns().get("name")
                        + "' (user " + holder.id() + ", created first) holds the name"));
            }
        }
        out.sort(Comparator.comparing(HyperfyMapping.Registration::playerId));
        return out;
    }

    /** The name, or the name with {@code _} for each character worldstore's username rule does not allow. */
    static String usableName(String name) {
        if (Usernames.isValid(name)) {
            return name;
        }
        String n = Normalizer.normalize(Usernames.widthMapped(name), Normalizer.Form.NFC);
        String s = NOT_USERNAME_CHAR.matcher(n).replaceAll("_").strip();
        s = cut(s, Usernames.MAX_LENGTH).strip();
        return s.isEmpty() ? "user" : s;
    }

    /** {@code <name>-<id>}, the name shortened so the whole fits 64 characters; the id spelt with the username's characters. */
    static String suffixed(String name, String id) {
        String idPart = cut(NOT_USERNAME_CHAR.matcher(id).replaceAll("_").replace(' ', '_'), 40);
        String base = cut(name, Usernames.MAX_LENGTH - 1 - idPart.codePointCount(0, idPart.length())).strip();
        return (base.isEmpty() ? "user" : base) + "-" + idPart;
    }

    private static String cut(String s, int codePoints) {
        return s.codePointCount(0, s.length()) <= codePoints ? s : s.substring(0, s.offsetByCodePoints(0, codePoints));
    }

    /** A row time in epoch millis for ordering: ISO-8601 text, {@code yyyy-MM-dd HH:mm:ss} text or a number; unknown last. */
    static long millis(Object t) {
        if (t instanceof Long l) {
            return l;
        }
        if (t instanceof Double d) {
            return d.longValue();
        }
        if (t instanceof String s) {
            try {
                return Instant.parse(s).toEpochMilli();
            } catch (DateTimeParseException e) {
                try {
                    return LocalDateTime.parse(s, SQL_TIME).toInstant(ZoneOffset.UTC).toEpochMilli();
                } catch (DateTimeParseException e2) {
                    return Long.MAX_VALUE;
                }
            }
        }
        return Long.MAX_VALUE;
    }
}
