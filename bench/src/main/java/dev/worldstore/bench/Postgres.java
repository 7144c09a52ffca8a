package dev.worldstore.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The PostgreSQL peer (what Hyperfy's development branch and Nakama keep worlds in): a throw-away
 * cluster of the machine's own PostgreSQL binaries ({@code initdb} into a temporary directory,
 * {@code pg_ctl start} on a free loopback port, {@code pg_ctl stop} and the directory deleted on
 * {@link #close()}), a {@code player_states} table keyed by (world, player) with the state as
 * {@code JSONB}, upserted one transaction per save ({@code synchronous_commit} on or off) or
 * {@link Options#SQLITE_BATCH} per transaction, and read by primary key through the PostgreSQL JDBC
 * driver. Where no binaries are found, {@link #start} says why instead; the run goes on without it.
 *
 * <p>As root (PostgreSQL refuses to run as root) the cluster runs as the {@code postgres} user the
 * Debian package creates, through {@code runuser}.
 */
final class Postgres implements AutoCloseable {
    private static final String UPSERT = "INSERT INTO player_states (world_id, player_id, state, updated_at) VALUES (?, ?, CAST(? AS jsonb), ?) "
            + "ON CONFLICT (world_id, player_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at";
    private static final String LOAD = "SELECT state::text FROM player_states WHERE world_id = ? AND player_id = ?";
    private static final long START_TIMEOUT_S = 60;

    private final Path bin;
    private final Path dir;
    private final List<String> runAs;
    private final String url;
    private final Workload workload;
    final String version;

    private Postgres(Path bin, Path dir, List<String> runAs, int port, Workload workload, String version) {
        this.bin = bin;
        this.dir = dir;
        this.runAs = runAs;
        this.url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=bench";
        this.workload = workload;
        this.version = version;
    }

    /** The outcome of looking for PostgreSQL: a running cluster, or why there is none. */
    record Started(Postgres postgres, String skipped) {
    }

    /**
     * Starts a cluster, or says why not: no binaries ({@code initdb}, {@code pg_ctl} under
     * {@code /usr/lib/postgresql/<version>/bin} or on the PATH), or root without a {@code postgres}
     * user. Failures after the binaries were found (initdb or start failing) are thrown.
     */
    static Started start(Workload workload) throws Exception {
        return start(workload, findBin());
    }

    /** As {@link #start(Workload)} with the binaries in {@code bin} (empty: none found). */
    static Started start(Workload workload, Optional<Path> bin) throws Exception {
        if (bin.isEmpty()) {
            return new Started(null, "PostgreSQL's binaries (initdb, pg_ctl) were not found under /usr/lib/postgresql/*/bin or on "
                    + "the PATH; install them (Debian: apt-get install postgresql) to add these rows");
        }
        List<String> runAs = List.of();
        Path dir = Files.createTempDirectory("worldstore-compare-pg-");
        if ("root".equals(System.getProperty("user.name"))) {
            UserPrincipal postgresUser;
            try {
                postgresUser = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
            } catch (IOException e) {
                delete(dir);
                return new Started(null, "running as root and there is no postgres user to run PostgreSQL as (PostgreSQL refuses root)");
            }
            Files.setOwner(dir, postgresUser);
            runAs = List.of("runuser", "-u", "postgres", "--");
        }
        String version = run(runAs, bin.get().resolve("postgres").toString(), "--version").trim();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Postgres pg = new Postgres(bin.get(), dir, runAs, port, workload, version);
        try {
            run(runAs, bin.get().resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "bench", "--auth=trust",
                    "-E", "UTF8", "--locale=C", "--no-sync");
            run(runAs, bin.get().resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l", dir.resolve("log").toString(),
                    "-w", "-t", Long.toString(START_TIMEOUT_S), "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 "
                            + "-c shared_buffers=256MB -c max_wal_size=1GB", "start");
            try (Connection c = pg.connect(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE player_states (world_id TEXT NOT NULL, player_id TEXT NOT NULL, state JSONB NOT NULL, "
                        + "updated_at BIGINT NOT NULL, PRIMARY KEY (world_id, player_id))");
            }
        } catch (Exception e) {
            pg.close();
            throw e;
        }
        return new Started(pg, null);
    }

    /** Where initdb and pg_ctl are: the newest /usr/lib/postgresql/N/bin, else the PATH; empty if nowhere. */
    static Optional<Path> findBin() {
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                Optional<Path> newest = versions.map(v -> v.resolve("bin"))
                        .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
                        .max(Comparator.comparingInt(b -> versionOf(b.getParent().getFileName().toString())));
                if (newest.isPresent()) {
                    return newest;
                }
            } catch (IOException e) {
                // look on the PATH
            }
        }
        for (String p : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path b = Path.of(p.isEmpty() ? "." : p);
            if (Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl"))) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    private static int versionOf(String name) {
        try {
            return Integer.parseInt(name.replaceAll("\\D.*", ""));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Runs a command (as {@code runAs}), returns its output; fails naming it and its output when it fails. */
    private static String run(List<String> runAs, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(runAs);
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(START_TIMEOUT_S + 30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " did not finish");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + out.strip());
        }
        return out;
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(url);
    }

    /**
     * Upserts on one connection, committing every {@code perTransaction} saves (1: autocommit, each
     * upsert its own transaction), with {@code synchronous_commit} on (a commit waits for its WAL
     * flush) or off (it does not; a crash may lose the last moments, never consistency).
     */
    Writer writer(int perTransaction, boolean synchronousCommit) throws SQLException {
        Connection c = connect();
        try (Statement s = c.createStatement()) {
            s.execute("SET synchronous_commit = " + (synchronousCommit ? "on" : "off"));
        }
        return JdbcUpserts.writer(c, UPSERT, perTransaction, (upsert, key, variant) -> {
            upsert.setString(1, Workload.worldId(key));
            upsert.setString(2, Workload.playerId(key));
            upsert.setString(3, workload.text(variant));
        }, "a PostgreSQL connection");
    }

    /** Primary-key loads, each load thread on its own connection; the JSONB comes back as text, as a server sends it on. */
    Reader.Source loads() {
        return () -> JdbcUpserts.loader(connect(), LOAD, "PostgreSQL");
    }

    /** Stops the cluster (fast shutdown) and deletes its directory. */
    @Override
    public void close() throws IOException {
        try {
            if (Files.exists(dir.resolve("data").resolve("postmaster.pid"))) {
                run(runAs, bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping PostgreSQL", e);
        } finally {
            delete(dir);
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
