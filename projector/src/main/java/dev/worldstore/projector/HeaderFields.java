package dev.worldstore.projector;

import static dev.worldstore.projector.EventCodec.H_ACTOR;
import static dev.worldstore.projector.EventCodec.H_APP;
import static dev.worldstore.projector.EventCodec.H_COND;
import static dev.worldstore.projector.EventCodec.H_FMT;
import static dev.worldstore.projector.EventCodec.H_ID;
import static dev.worldstore.projector.EventCodec.H_IDEM;
import static dev.worldstore.projector.EventCodec.H_IDEM_WINDOW;
import static dev.worldstore.projector.EventCodec.H_KEY;
import static dev.worldstore.projector.EventCodec.H_LIMIT;
import static dev.worldstore.projector.EventCodec.H_OP;
import static dev.worldstore.projector.EventCodec.H_ORIGIN;
import static dev.worldstore.projector.EventCodec.H_PLAYER;
import static dev.worldstore.projector.EventCodec.H_TABLE;
import static dev.worldstore.projector.EventCodec.H_TS;
import static dev.worldstore.projector.EventCodec.H_WORLD;

import dev.worldstore.projector.EventCodec.Decoder;
import dev.worldstore.projector.EventCodec.Slot;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The worldstore headers of one record, read in a single pass; a name seen twice is remembered
 * in {@link #repeated} (the record is then malformed: which of the two would count is anyone's guess).
 */
final class HeaderFields {
    /** One bit per header name (the order of {@link #NAMES}) seen so far. */
    private static final String[] NAMES = {H_ID, H_TABLE, H_WORLD, H_KEY, H_APP, H_PLAYER, H_OP, H_COND, H_FMT, H_ORIGIN,
        H_ACTOR, H_TS, H_LIMIT, H_IDEM, H_IDEM_WINDOW};
    private int seen;
    String repeated;
    int idBytes;
    String id;
    String table;
    String world;
    String key;
    String app;
    String player;
    String op;
    String cond;
    String fmt;
    String origin;
    String actor;
    String ts;
    String limit;
    String idem;
    String idemWindow;

    HeaderFields(Headers headers, Decoder d) {
        for (Header h : headers) {
            String name = h.key();
            byte[] v = h.value();
            if (name.length() < 4 || !name.startsWith("ws.") || v == null) {
                continue;
            }
            // Matched by length and letters: Kafka hands over a new String per header name, whose
            // hash a switch would compute every time.
            switch (name.length()) {
                case 5 -> {
                    if (name.charAt(3) == 'i' && name.charAt(4) == 'd') {
                        id = utf8(v);
                        idBytes = v.length;
                        see(0, name);
                    } else if (name.charAt(3) == 'o' && name.charAt(4) == 'p') {
                        op = d.text(Slot.OP, v);
                        see(6, name);
                    } else if (name.charAt(3) == 't' && name.charAt(4) == 's') {
                        ts = utf8(v);
                        see(11, name);
                    }
                }
                case 6 -> {
                    if (name.equals(H_KEY)) {
                        key = utf8(v);
                        see(3, name);
                    } else if (name.equals(H_APP)) {
                        app = d.text(Slot.APP, v);
                        see(4, name);
                    } else if (name.equals(H_FMT)) {
                        fmt = d.text(Slot.FMT, v);
                        see(8, name);
                    }
                }
                case 7 -> {
                    if (name.equals(H_COND)) {
                        cond = d.text(Slot.COND, v);
                        see(7, name);
                    } else if (name.equals(H_IDEM)) {
                        idem = utf8(v);
                        see(13, name);
                    }
                }
                case 8 -> {
                    if (name.equals(H_TABLE)) {
                        table = d.text(Slot.TABLE, v);
                        see(1, name);
                    } else if (name.equals(H_WORLD)) {
                        world = d.text(Slot.WORLD, v);
                        see(2, name);
                    } else if (name.equals(H_ACTOR)) {
                        actor = d.text(Slot.ACTOR, v);
                        see(10, name);
                    } else if (name.equals(H_LIMIT)) {
                        limit = utf8(v);
                        see(12, name);
                    } else if (name.equals(H_IDEM_WINDOW)) {
                        idemWindow = utf8(v);
                        see(14, name);
                    }
                }
                case 9 -> {
                    if (name.equals(H_PLAYER)) {
                        player = utf8(v);
                        see(5, name);
                    } else if (name.equals(H_ORIGIN)) {
                        origin = d.text(Slot.ORIGIN, v);
                        see(9, name);
                    }
                }
                default -> {
                    // another tool's header: ignored
                }
            }
        }
    }

    private void see(int bit, String name) {
        if ((seen & (1 << bit)) != 0 && repeated == null) {
            repeated = name;
        }
        seen |= 1 << bit;
    }

    boolean present(String name) {
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equals(name)) {
                return (seen & (1 << i)) != 0;
            }
        }
        throw new IllegalArgumentException(name);
    }

    private static String utf8(byte[] v) {
        return new String(v, StandardCharsets.UTF_8);
    }

    String required(String name, String value) throws MalformedEventException {
        if (value == null) {
            throw new MalformedEventException("missing header " + name);
        }
        return value;
    }
}
