package dev.worldstore.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.worldstore.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Server-Sent Events framing (WHATWG HTML, "Server-sent events", §9.2.5/9.2.6): each event is
 * {@code id:}, {@code event:} and one {@code data:} line of JSON, then a blank line. Events collect
 * in a buffer and go out together with {@link #sendTo}, one write and flush per batch.
 *
 * <p>JSON written as the stored bytes may hold line breaks, which would end the {@code data:} line;
 * outside strings they are whitespace and inside strings JSON forbids them raw, so each CR or LF of
 * the data is written as a space, which changes no JSON value. Not thread-safe.
 */
final class SseWriter {
    /** Writes one JSON value. */
    @FunctionalInterface
    interface Data {
        void write(JsonGenerator gen) throws IOException;
    }

    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(4096);
    private final ByteArrayOutputStream json = new ByteArrayOutputStream(1024);

    /** The reconnection time a client's EventSource waits after a drop. */
    void retry(long ms) {
        ascii("retry: " + ms + "\n");
    }

    /**
     * Adds one event.
     *
     * @param id the event's id (the client's Last-Event-ID from then on), or {@code null} for none
     */
    void event(String id, String event, Data data) {
        json.reset();
        try (JsonGenerator gen = Json.generator(json)) {
            data.write(gen);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (id != null) {
            ascii("id: " + id + "\n");
        }
        ascii("event: " + event + "\ndata: ");
        byte[] b = json.toByteArray();
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\n' || b[i] == '\r') {
                b[i] = ' ';
            }
        }
        buffer.writeBytes(b);
        ascii("\n\n");
    }

    /** Adds a comment line (ignored by clients; keeps proxies from closing an idle stream). */
    void comment(String text) {
        ascii(": " + text + "\n\n");
    }

    boolean pending() {
        return buffer.size() > 0;
    }

    /** Writes and flushes what was added, and empties the buffer. */
    void sendTo(OutputStream out) throws IOException {
        buffer.writeTo(out);
        out.flush();
        buffer.reset();
    }

    /** What was added, as bytes; empties the buffer. */
    byte[] take() {
        byte[] b = buffer.toByteArray();
        buffer.reset();
        return b;
    }

    private void ascii(String s) {
        buffer.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }
}
