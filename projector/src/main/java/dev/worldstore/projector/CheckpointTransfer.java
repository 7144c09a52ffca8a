package dev.worldstore.projector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.ConfigException;
import dev.worldstore.InterruptedWaitException;
import dev.worldstore.Json;
import dev.worldstore.NodeOperations;
import dev.worldstore.StorageException;
import dev.worldstore.WorldStoreConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's projection copied to a new node over the HTTP API, so that the new node catches up only
 * the log's tail instead of replaying all of it.
 *
 * <p>The peer ({@link #export}) takes a consistent RocksDB checkpoint of its projection (state,
 * history and the offsets they reflect, as a snapshot does) and streams it as a tar: every file under
 * {@code projection/}, then {@code MANIFEST.json} with the format, topic, partition count and each
 * file's size and SHA-256. The new node ({@link #fetch}) writes the files into
 * {@code <projection>.partial}, hashing as it goes, checks everything against the manifest, and only
 * then renames the folder into place, atomically: a transfer cut short at any instant (a crash, a
 * kill -9, a dropped connection) leaves no projection, and the next start begins again. A checkpoint
 * of another format or topic is refused with a message that says which.
 */
final class CheckpointTransfer {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointTransfer.class);
    /** Version of the transfer (tar layout and manifest). */
    static final int TRANSFER_VERSION = 1;
    /** Version of the projection's layout (tables, keys, values); a node refuses a checkpoint of another. */
    static final int PROJECTION_FORMAT = 1;
    static final String MANIFEST = "MANIFEST.json";
    static final String FILES = "projection/";
    static final String PATH = "/v1/admin/checkpoint";

    private CheckpointTransfer() {
    }

    /** What a fetch brought. */
    record Fetched(long bytes, int files, long millis, String peerNode) {
    }

    // ---- the peer ---------------------------------------------------------------------------------

    /**
     * Streams a consistent checkpoint of the node's projection to {@code out} as a tar, then deletes
     * the checkpoint. The checkpoint's files are hard links to the projection's (no copy on disk).
     *
     * @throws StorageException if the checkpoint cannot be taken or read
     * @throws IOException if {@code out} fails (the client went away)
     */
    static void export(NodeOperations node, String nodeId, OutputStream out) throws IOException {
        Path work = node.config().dataDir().resolve("transfers");
        Path dir = work.resolve("checkpoint-" + UUID.randomUUID());
        Files.createDirectories(work);
        try {
            node.writeCheckpoint(dir);
            List<Path> files;
            try (Stream<Path> s = Files.list(dir)) {
                files = s.filter(Files::isRegularFile).sorted().toList();
            }
            ObjectNode manifest = Json.object().put("transfer", TRANSFER_VERSION).put("projectionFormat", PROJECTION_FORMAT)
                    .put("topic", node.topic()).put("partitions", node.partitions()).put("node", nodeId)
                    .put("createdAt", Instant.now().toString());
            ArrayNode list = manifest.putArray("files");
            TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Path f : files) {
                long size = Files.size(f);
                TarArchiveEntry e = new TarArchiveEntry(FILES + f.getFileName());
                e.setSize(size);
                tar.putArchiveEntry(e);
                MessageDigest sha = sha256();
                try (InputStream in = new DigestInputStream(Files.newInputStream(f), sha)) {
                    in.transferTo(tar);
                }
                tar.closeArchiveEntry();
                list.addObject().put("name", f.getFileName().toString()).put("size", size).put("sha256", HexFormat.of().formatHex(sha.digest()));
            }
            byte[] m = Json.bytes(manifest);
            TarArchiveEntry e = new TarArchiveEntry(MANIFEST);
            e.setSize(m.length);
            tar.putArchiveEntry(e);
            tar.write(m);
            tar.closeArchiveEntry();
            tar.finish();
            tar.flush();
            LOG.info("projection checkpoint sent: {} files", files.size());
        } finally {
            Snapshots.deleteRecursively(dir);
        }
    }

    // ---- the new node -------------------------------------------------------------------------------

    /**
     * With {@code bootstrap.from} set and no projection in {@code projectionDir} yet, fetches the
     * peer's checkpoint into it; otherwise does nothing (a node that already has a projection, e.g.
     * after a restart, catches up from its own).
     *
     * @return what was fetched, or {@code null} when nothing was
     */
    static Fetched bootstrapIfEmpty(WorldStoreConfig config, Path projectionDir, String topic) {
        String from = config.get(WorldStoreConfig.BOOTSTRAP_FROM);
        if (from.isBlank()) {
            return null;
        }
        if (Files.isRegularFile(projectionDir.resolve("CURRENT"))) {
            LOG.info("{} already holds a projection: not bootstrapping from {} (it catches up from its own offsets)", projectionDir, from);
            return null;
        }
        return fetch(URI.create(from), config.get(WorldStoreConfig.BOOTSTRAP_API_KEY), projectionDir, topic, bytes -> { });
    }

    /**
     * Fetches a peer's checkpoint into {@code target} (absent or empty), verified and renamed into
     * place as a whole.
     *
     * @param peer the peer's API base, e.g. {@code http://peer:8080}
     * @param apiKey an admin key of the peer, or empty when its auth is off
     * @param progress called with the bytes received so far
     * @throws ConfigException on {@code bootstrap.from} if the peer cannot be reached or refuses, or its
     *     checkpoint is of another format or topic, or fails verification
     * @throws StorageException if the files cannot be written
     */
    static Fetched fetch(URI peer, String apiKey, Path target, String topic, LongConsumer progress) {
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        try {
            return fetchInto(peer, apiKey, target, partial, topic, progress);
        } catch (RuntimeException e) {
            try {
                Snapshots.deleteRecursively(partial);
            } catch (IOException ignored) {
                // the next attempt deletes it
            }
            throw e;
        }
    }

    private static Fetched fetchInto(URI peer, String apiKey, Path target, Path partial, String topic, LongConsumer progress) {
        long start = System.nanoTime();
        try {
            if (Files.exists(partial)) {
                LOG.info("removing {}, left by a transfer cut short, before bootstrapping again", partial);
                Snapshots.deleteRecursively(partial);
            }
            if (Files.isDirectory(target)) {
                try (Stream<Path> s = Files.list(target)) {
                    if (s.findAny().isPresent()) {
                        throw new ConfigException(WorldStoreConfig.BOOTSTRAP_FROM.name(), target + " is not empty: bootstrap only into a new node");
                    }
                }
                Files.delete(target);
            }
            Files.createDirectories(partial);
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).followRedirects(HttpClient.Redirect.NEVER)
                    .build();
            HttpRequest.Builder req = HttpRequest.newBuilder(peer.resolve(PATH)).GET();
            if (!apiKey.isBlank()) {
                req.header("Authorization", "Bearer " + apiKey);
            }
            LOG.info("bootstrapping the projection from {}", peer);
            HttpResponse<InputStream> response;
            try {
                response = client.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw refused(peer, "cannot be reached: " + e);
            }
            Map<String, long[]> sizes = new HashMap<>();
            Map<String, String> hashes = new HashMap<>();
            JsonNode manifest = null;
            long received = 0;
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    String text = new String(body.readNBytes(2000), StandardCharsets.UTF_8);
                    throw refused(peer, "answered HTTP " + response.statusCode() + (response.statusCode() == 401 || response.statusCode() == 403
                            ? " (bootstrap.api.key must be an admin key of the peer)" : "") + ": " + text);
                }
                TarArchiveInputStream tar = new TarArchiveInputStream(body);
                for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                    String name = e.getName();
                    if (name.equals(MANIFEST)) {
                        manifest = Json.parse(new String(tar.readAllBytes(), StandardCharsets.UTF_8));
                        continue;
                    }
                    String file = name.startsWith(FILES) ? name.substring(FILES.length()) : "";
                    if (file.isEmpty() || file.contains("/") || file.contains("\\") || file.startsWith(".")) {
                        throw refused(peer, "sent an unexpected entry " + name);
                    }
                    MessageDigest sha = sha256();
                    Path out = partial.resolve(file);
                    try (OutputStream o = Files.newOutputStream(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                        long n = new DigestInputStream(tar, sha).transferTo(o);
                        received += n;
                        sizes.put(file, new long[] {n});
                    }
                    try (FileChannel ch = FileChannel.open(out, StandardOpenOption.WRITE)) {
                        ch.force(true);
                    }
                    hashes.put(file, HexFormat.of().formatHex(sha.digest()));
                    progress.accept(received);
                }
            } catch (IOException e) {
                throw refused(peer, "broke off the transfer after " + received + " bytes: " + e);
            }
            verify(peer, manifest, topic, sizes, hashes);
            Files.createDirectories(target.getParent());
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            long millis = (System.nanoTime() - start) / 1_000_000;
            LOG.info("bootstrapped the projection from {} (node {}): {} files, {} bytes in {} ms", peer, manifest.path("node").asText(),
                    sizes.size(), received, millis);
            return new Fetched(received, sizes.size(), millis, manifest.path("node").asText());
        } catch (IOException e) {
            throw new StorageException("bootstrap into " + target + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedWaitException("the checkpoint of " + peer, e);
        }
    }

    /** The manifest says what must have arrived: this format and topic, these files, these sizes and hashes. */
    static void verify(URI peer, JsonNode manifest, String topic, Map<String, long[]> sizes, Map<String, String> hashes) {
        if (manifest == null) {
            throw refused(peer, "ended the transfer before its manifest (cut short?)");
        }
        if (manifest.path("transfer").asInt() != TRANSFER_VERSION || manifest.path("projectionFormat").asInt() != PROJECTION_FORMAT) {
            throw refused(peer, "sent a checkpoint of an incompatible version (transfer " + manifest.path("transfer") + ", projection format "
                    + manifest.path("projectionFormat") + "; this worldstore reads transfer " + TRANSFER_VERSION + ", projection format "
                    + PROJECTION_FORMAT + "): bootstrap from a peer of the same release");
        }
        if (!topic.equals(manifest.path("topic").asText())) {
            throw refused(peer, "holds a projection of topic " + manifest.path("topic").asText() + ", not " + topic
                    + " (check kafka.topic on both nodes)");
        }
        int listed = 0;
        for (JsonNode f : manifest.path("files")) {
            listed++;
            String name = f.path("name").asText();
            long[] size = sizes.get(name);
            if (size == null || size[0] != f.path("size").asLong() || !f.path("sha256").asText().equals(hashes.get(name))) {
                throw refused(peer, "sent file " + name + " " + (size == null ? "not at all" : "with another size or SHA-256 than its manifest says")
                        + ": not verified, nothing kept");
            }
        }
        if (listed != sizes.size()) {
            throw refused(peer, "sent " + sizes.size() + " files, its manifest lists " + listed);
        }
    }

    private static ConfigException refused(URI peer, String what) {
        return new ConfigException(WorldStoreConfig.BOOTSTRAP_FROM.name(), "the peer " + peer + " " + what);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }
}
