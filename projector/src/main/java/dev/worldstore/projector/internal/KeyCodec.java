package dev.worldstore.projector.internal;

import dev.worldstore.Key;
import dev.worldstore.Scan;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Projection key layout: the key's parts in UTF-8 joined by a 0x00 byte (ids never contain it), so
 * all keys of one world, or one app, are contiguous and sorted by id. World-wide app data has an
 * empty player part.
 *
 * <pre>
 * player_states  world 0 player
 * entity_states  world 0 entity
 * world_state    world
 * app_storage    world 0 app 0 player-or-empty 0 key
 * players        player
 * </pre>
 */
final class KeyCodec {
    private static final byte SEP = 0;

    private KeyCodec() {
    }

    static byte[] encode(Key key) {
        if (key instanceof Key.Player k) {
            return join(k.playerId());
        } else if (key instanceof Key.PlayerState k) {
            return join(k.worldId(), k.playerId());
        } else if (key instanceof Key.Entity k) {
            return join(k.worldId(), k.entityId());
        } else if (key instanceof Key.WorldState k) {
            return join(k.worldId());
        }
        Key.AppData k = (Key.AppData) key;
        return join(k.worldId(), k.appId(), k.playerId() == null ? "" : k.playerId(), k.key());
    }

    /** The bytes every key of {@code prefix} starts with (the app key prefix included). */
    static byte[] prefix(Scan.Prefix prefix) {
        if (prefix instanceof Scan.Entities p) {
            return join(p.worldId(), "");
        } else if (prefix instanceof Scan.PlayerStates p) {
            return join(p.worldId(), "");
        }
        Scan.AppData p = (Scan.AppData) prefix;
        return join(p.worldId(), p.appId(), p.playerId() == null ? "" : p.playerId(), p.keyPrefix());
    }

    /** The key of {@code prefix}'s table whose last part is {@code id}. */
    static Key keyOf(Scan.Prefix prefix, String id) {
        if (prefix instanceof Scan.Entities p) {
            return new Key.Entity(p.worldId(), id);
        } else if (prefix instanceof Scan.PlayerStates p) {
            return new Key.PlayerState(p.worldId(), id);
        }
        Scan.AppData p = (Scan.AppData) prefix;
        return new Key.AppData(p.worldId(), p.appId(), p.playerId(), id);
    }

    /** The key of {@code table} whose encoding is {@code bytes}. */
    static Key decode(dev.worldstore.Table table, byte[] bytes) {
        List<String> p = parts(bytes);
        return switch (table) {
            case PLAYERS -> new Key.Player(p.get(0));
            case PLAYER_STATES -> new Key.PlayerState(p.get(0), p.get(1));
            case ENTITY_STATES -> new Key.Entity(p.get(0), p.get(1));
            case WORLD_STATE -> new Key.WorldState(p.get(0));
            case APP_STORAGE -> new Key.AppData(p.get(0), p.get(1), p.get(2).isEmpty() ? null : p.get(2), p.get(3));
        };
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

    private static byte[] join(String... parts) {
        // Ids are ASCII by the validation rules, so one byte per char; anything else goes through UTF-8.
        int size = parts.length - 1;
        for (String p : parts) {
            size += p.length();
        }
        byte[] out = new byte[size];
        int at = 0;
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                out[at++] = SEP;
            }
            String p = parts[i];
            for (int c = 0; c < p.length(); c++) {
                char ch = p.charAt(c);
                if (ch >= 0x80) {
                    return joinUtf8(parts);
                }
                out[at++] = (byte) ch;
            }
        }
        return out;
    }

    private static byte[] joinUtf8(String... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                out.write(SEP);
            }
            out.writeBytes(parts[i].getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
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
