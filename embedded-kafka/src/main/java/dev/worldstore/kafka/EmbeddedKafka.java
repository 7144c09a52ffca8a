package dev.worldstore.kafka;

import dev.worldstore.LogUnavailableException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Kafka (KRaft, broker and controller in one process) running inside this JVM,
 * listening on 127.0.0.1 only, with its data under one directory.
 *
 * <p>Contract: {@link #start} formats {@code logDir} the first time (when it holds no
 * {@code meta.properties}) and reuses it afterwards, so the cluster id and all topic data survive
 * restarts. It returns only once the broker answers requests on {@link #bootstrapServers()}. The
 * PLAINTEXT listener uses the given port (0 picks a free one, see {@link #port()}); the internal
 * controller listener takes a free port on every start. Topic auto-creation is off and the
 * broker-wide message limit is 64 MiB, so callers create their topics with their own limits.
 *
 * <p>Durability: by default writes are acknowledged once in the OS page cache, so a crash of this
 * process loses nothing acknowledged, but a power loss or kernel crash can lose the last writes.
 * With {@code flushEveryMessage} the broker fsyncs every message before acknowledging (slower).
 *
 * <p>Thread-safety: instances are safe to share; {@link #close()} may be called from any thread,
 * any number of times. Two instances must not use the same {@code logDir} at the same time.
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** The broker-wide message limit: 64 MiB. */
    public static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final int BIND_ATTEMPTS = 3;

    private final KafkaRaftServer server;
    private final int port;
    private final Path logDir;
    private boolean closed;

    private EmbeddedKafka(KafkaRaftServer server, int port, Path logDir) {
        this.server = server;
        this.port = port;
        this.logDir = logDir;
    }

    /**
     * Starts a broker on {@code 127.0.0.1:port} with its data in {@code logDir} and waits (up to
     * 60 s) until it accepts requests.
     *
     * @param logDir the data directory; created and formatted if needed
     * @param port the PLAINTEXT port, or 0 for any free port
     * @param flushEveryMessage fsync each message before acknowledging it
     * @throws LogUnavailableException if the port is in use, the directory is unusable, or the
     *     broker does not become ready in time; the message names the port and directory
     */
    public static EmbeddedKafka start(Path logDir, int port, boolean flushEveryMessage) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535: " + port);
        }
        Path dir = logDir.toAbsolutePath();
        long started = System.nanoTime();
        if (port != 0 && !isFree(port)) {
            throw portInUse(port, null);
        }
        try {
            Files.createDirectories(dir);
            for (int attempt = 1; ; attempt++) {
                // Free ports are picked before the broker binds them; another process may win the
                // race, so retry with fresh ports (the fixed port was checked above).
                int brokerPort = port != 0 ? port : freePort();
                int controllerPort = freePort();
                try {
                    EmbeddedKafka kafka = startOnce(dir, brokerPort, controllerPort, flushEveryMessage);
                    log.info("embedded Kafka ready on {} in {} ms (data in {}, fsync each message: {})",
                            kafka.bootstrapServers(), (System.nanoTime() - started) / 1_000_000, dir, flushEveryMessage);
                    return kafka;
                } catch (RuntimeException e) {
                    if (!causedBy(e, BindException.class) || attempt >= BIND_ATTEMPTS) {
                        throw e;
                    }
                }
            }
        } catch (LogUnavailableException e) {
            throw e;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (causedBy(e, BindException.class) && port != 0 && !isFree(port)) {
                throw portInUse(port, e);
            }
            throw new LogUnavailableException("embedded Kafka failed to start on 127.0.0.1:" + port
                    + " with data in " + dir + ": " + e, e);
        }
    }

    private static EmbeddedKafka startOnce(Path dir, int port, int controllerPort, boolean flush) throws Exception {
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", dir.toString());
        props.put("auto.create.topics.enable", "false");
        props.put("num.partitions", "1");
        props.put("offsets.topic.replication.factor", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("message.max.bytes", Integer.toString(MAX_MESSAGE_BYTES));
        props.put("replica.fetch.max.bytes", Integer.toString(MAX_MESSAGE_BYTES));
        if (flush) {
            props.put("log.flush.interval.messages", "1");
        }
        KafkaConfig config = KafkaConfig.fromProps(props, false);

        if (!Files.exists(dir.resolve("meta.properties"))) {
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(1)
                    .setClusterId(Uuid.randomUuid().toString())
                    .addDirectory(dir.toString())
                    .setControllerListenerName("CONTROLLER")
                    .run();
        }

        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        EmbeddedKafka kafka = new EmbeddedKafka(server, port, dir);
        try {
            server.startup();
            kafka.awaitReady();
            return kafka;
        } catch (Exception | Error e) {
            try {
                kafka.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private void awaitReady() throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        Map<String, Object> conf = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        try (Admin admin = Admin.create(conf)) {
            Exception last = null;
            while (System.nanoTime() < deadline) {
                try {
                    // Only unfenced (ready) brokers are listed.
                    if (!admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
            TimeoutException timeout = new TimeoutException("broker not ready after " + START_TIMEOUT.toSeconds() + " s");
            if (last != null) {
                timeout.initCause(last);
            }
            throw timeout;
        }
    }

    /** {@code 127.0.0.1:<port>}, for the clients' {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The PLAINTEXT port actually bound (never 0). */
    public int port() {
        return port;
    }

    /** Shuts the broker down and waits until it has stopped. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            throw new LogUnavailableException("embedded Kafka on port " + port + " (" + logDir
                    + ") did not shut down cleanly: " + e, e);
        }
    }

    private static LogUnavailableException portInUse(int port, Throwable cause) {
        return new LogUnavailableException("port " + port
                + " is in use; set kafka.embedded.port or kafka.bootstrap.servers", cause);
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(loopback(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static InetAddress loopback() throws IOException {
        return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, loopback())) {
            return socket.getLocalPort();
        }
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
