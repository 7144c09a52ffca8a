package dev.worldstore.projector;

import dev.worldstore.Key;
import dev.worldstore.Scan;
import dev.worldstore.Table;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Projection key layout: a key's {@link Key#ids()} in UTF-8 joined by a 0x00 byte (ids never
 * contain it), so all keys of one world, or one app, are contiguous and sorted by id. The player of
 * world-wide app data is empty.
 *
 * <pre>
 * player_states  world 0 player
 * entity_states  world 0 entity
 * world_state    world
 * app_storage    world 0 app 0 player-or-empty 0 key
 * players        player
 * </pre>
 *
 * Stateless.
 */
final class KeyCodec {
    private static final byte SEP = 0;

    private KeyCodec() {
    }

    static byte[] encode(Key key) {
        int n = key.table().idFields().size();
        int size = n - 1;
        for (int i = 0; i < n; i++) {
            String id = key.id(i);
            size += id == null ? 0 : id.length();
        }
        // Ids are ASCII by the id rules, so one byte per char; anything else goes through UTF-8.
        byte[] out = new byte[size];
        int at = 0;
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                out[at++] = SEP;
            }
            String id = key.id(i);
            for (int c = 0; id != null && c < id.length(); c++) {
                char ch = id.charAt(c);
                if (ch >= 0x80) {
                    return encodeUtf8(key);
                }
                out[at++] = (byte) ch;
            }
        }
        return out;
    }

    private static byte[] encodeUtf8(Key key) {
        List<String> ids = key.ids();
        String[] parts = new String[ids.size()];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = ids.get(i) == null ? "" : ids.get(i);
        }
        return join(parts);
    }

    /** The bytes every key of {@code prefix} starts with (the app key prefix included). */
    static byte[] prefix(Scan.Prefix prefix) {
        if (prefix instanceof Scan.AppData p) {
            return join(p.worldId(), p.appId(), p.playerId() == null ? "" : p.playerId(), p.keyPrefix());
        }
        return join(prefix.worldId(), "");
    }

    /** The bytes every key of {@code prefix} starts with, without the app key prefix: where a cursor's id is appended. */
    static byte[] scope(Scan.Prefix prefix) {
        return prefix instanceof Scan.AppData a ? prefix(new Scan.AppData(a.worldId(), a.appId(), a.playerId(), "")) : prefix(prefix);
    }

    /** The key of {@code table} whose encoding is {@code bytes}. */
    static Key decode(Table table, byte[] bytes) {
        List<String> p = parts(bytes);
        String[] ids = p.toArray(new String[0]);
        if (table == Table.APP_STORAGE && ids.length == 4 && ids[2].isEmpty()) {
            ids[2] = null;
        }
        return table.key(ids);
    }

    /** The last part of an encoded key. */
    static String lastPart(byte[] key) {
        int i = key.length - 1;
        while (i >= 0 && key[i] != SEP) {
            i--;
        }
        return new String(key, i + 1, key.length - i - 1, StandardCharsets.UTF_8);
    }

    static List<String> parts(byte[] key) {
        List<String> parts = new ArrayList<>(4);
        int start = 0;
        for (int i = 0; i <= key.length; i++) {
            if (i == key.length || key[i] == SEP) {
                parts.add(new String(key, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return parts;
    }

    static byte[] join(String... parts) {
        int size = parts.length - 1;
        List<byte[]> bytes = new ArrayList<>(parts.length);
        for (String p : parts) {
            byte[] b = p.getBytes(StandardCharsets.UTF_8);
            bytes.add(b);
            size += b.length;
        }
        byte[] out = new byte[size];
        int at = 0;
        for (int i = 0; i < bytes.size(); i++) {
            if (i > 0) {
                out[at++] = SEP;
            }
            byte[] b = bytes.get(i);
            System.arraycopy(b, 0, out, at, b.length);
            at += b.length;
        }
        return out;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    static boolean startsWith(byte[] key, byte[] prefix) {
        if (key.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (key[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
