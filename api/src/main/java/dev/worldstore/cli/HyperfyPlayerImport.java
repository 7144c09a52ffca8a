package dev.worldstore.cli;

import dev.worldstore.Usernames;
import dev.worldstore.cli.HyperfyMapping.Registration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** The players of a Hyperfy import ({@link HyperfyImport}): who is registered already, then the registrations by the clash rule. */
final class HyperfyPlayerImport {
    /** Threads that register (and look up) players where the access waits for each answer (HTTP). */
    private static final int REGISTRATION_THREADS = 32;
    /** Registrations sent and not answered yet: each waits for its verdict (the name is free) from the projector. */
    private static final int REGISTRATIONS_IN_FLIGHT = 1024;

    private final WorldAccess access;
    private final ProgressLine progress;

    HyperfyPlayerImport(WorldAccess access, ProgressLine progress) {
        this.access = access;
        this.progress = progress;
    }

    /**
     * Who is registered already, looked up before anything is written: a node of this process
     * answers a lookup only once its own writes are projected, so lookups among the import's writes
     * would each wait for them. Empty when none of the users is registered; a lookup the access
     * refuses (authorisation) is noted in {@code forbidden} and ends the lookups.
     */
    Map<String, String> lookUpPlayers(List<Registration> regs, AtomicReference<String> forbidden) {
        Map<String, String> found = new java.util.concurrent.ConcurrentHashMap<>();
        if (regs.isEmpty()) {
            return found;
        }
        ConcurrentLinkedQueue<Registration> queue = new ConcurrentLinkedQueue<>(regs);
        runWorkers(Math.min(REGISTRATION_THREADS, regs.size()), "import-hyperfy-lookup", () -> {
            Registration r;
            while (forbidden.get() == null && (r = queue.poll()) != null) {
                try {
                    String id = r.playerId();
                    access.player(id).ifPresent(name -> found.put(id, name));
                } catch (CliFailure e) {
                    forbidden.compareAndSet(null, "players were not registered: " + e.getMessage());
                }
            }
        });
        return found;
    }

    /**
     * Registers the users not registered yet ({@code existing}: who is, by id): every first attempt is
     * sent without waiting for the one before (at most {@link #REGISTRATIONS_IN_FLIGHT} at once,
     * from {@link #REGISTRATION_THREADS} threads where the access waits), then each that did not
     * simply succeed is settled one by one as {@link #registerOne} does.
     */
    void register(HyperfyMapping.Plan plan, Map<String, String> existing, AtomicReference<String> forbidden, HyperfyImport.Result result,
            AtomicLong done) {
        List<Registration> regs = plan.registrations();
        if (regs.isEmpty()) {
            return;
        }
        ConcurrentLinkedQueue<Registration> queue = new ConcurrentLinkedQueue<>();
        for (Registration r : regs) {
            String has = existing.get(r.playerId());
            if (has != null) {
                alreadyRegistered(r, has, result);
                progress.update(done.incrementAndGet());
            } else if (forbidden.get() == null) {
                queue.add(r);
            }
        }
        Semaphore window = new Semaphore(REGISTRATIONS_IN_FLIGHT);
        ConcurrentLinkedQueue<Map.Entry<Registration, WorldAccess.Registered>> unsettled = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<java.util.concurrent.CompletableFuture<?>> sent = new ConcurrentLinkedQueue<>();
        runWorkers(Math.max(1, Math.min(REGISTRATION_THREADS, queue.size())), "import-hyperfy-player", () -> {
            Registration r;
            while (forbidden.get() == null && (r = queue.poll()) != null) {
                Registration reg = r;
                window.acquireUninterruptibly();
                java.util.concurrent.CompletableFuture<WorldAccess.Registered> f;
                try {
                    f = access.registerAsync(reg.playerId(), reg.username());
                } catch (RuntimeException e) {
                    window.release();
                    throw e;
                }
                sent.add(f.whenComplete((outcome, error) -> {
                    window.release();
                    if (error != null) {
                        return; // thrown on by the join below
                    }
                    if (outcome == WorldAccess.Registered.REGISTERED) {
                        registered(reg, reg.username(), reg.why(), result);
                        progress.update(done.incrementAndGet());
                    } else {
                        unsettled.add(Map.entry(reg, outcome));
                    }
                }));
            }
        });
        try {
            java.util.concurrent.CompletableFuture.allOf(sent.toArray(java.util.concurrent.CompletableFuture[]::new)).join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
        runWorkers(Math.max(1, Math.min(REGISTRATION_THREADS, unsettled.size())), "import-hyperfy-player", () -> {
            Map.Entry<Registration, WorldAccess.Registered> u;
            while ((u = unsettled.poll()) != null) {
                if (forbidden.get() == null) {
                    registerOne(u.getKey(), u.getValue(), result, forbidden);
                }
                progress.update(done.incrementAndGet());
            }
        });
        if (forbidden.get() != null) {
            long left = regs.size() - result.registered.get() - result.alreadyRegistered.get() - result.notRegistered.get();
            result.notRegistered.addAndGet(left);
            result.playerNotes.add(forbidden.get());
        }
    }

    private static void registered(Registration r, String name, String why, HyperfyImport.Result result) {
        result.registered.incrementAndGet();
        if (why != null) {
            result.renamed.add("user " + r.playerId() + " '" + r.hyperfyName() + "' is player '" + name + "': " + why);
        }
    }

    private static void alreadyRegistered(Registration r, String has, HyperfyImport.Result result) {
        result.alreadyRegistered.incrementAndGet();
        String name = r.username();
        if (!Usernames.comparisonForm(has).equals(Usernames.comparisonForm(name))
                && !Usernames.comparisonForm(has).equals(Usernames.comparisonForm(HyperfyUsernames.suffixed(name, r.playerId())))) {
            result.playerNotes.add("user " + r.playerId() + " ('" + r.hyperfyName() + "') is registered as '" + has
                    + "' already; kept");
        } else if (!has.equals(r.hyperfyName())) {
            result.renamed.add("user " + r.playerId() + " '" + r.hyperfyName() + "' is player '" + has + "'"
                    + (r.why() == null ? ": the name is held by another worldstore player" : ": " + r.why()));
        }
    }

    /**
     * Settles one registration whose first attempt, under its own name, had {@code first} for an
     * outcome: looks the player up and registers again (under {@code <name>-<id>} when the name is
     * taken) until it is registered, found registered, or cannot be.
     */
    private void registerOne(Registration r, WorldAccess.Registered first, HyperfyImport.Result result, AtomicReference<String> forbidden) {
        String name = r.username();
        String why = r.why();
        WorldAccess.Registered outcome = first;
        for (int attempt = 0; ; attempt++) {
            if (outcome == null) {
                java.util.Optional<String> existing;
                try {
                    existing = access.player(r.playerId());
                } catch (CliFailure e) {
                    forbidden.compareAndSet(null, "players were not registered: " + e.getMessage());
                    return;
                }
                if (existing.isPresent()) {
                    alreadyRegistered(r, existing.get(), result);
                    return;
                }
                outcome = access.register(r.playerId(), name);
            }
            switch (outcome) {
                case REGISTERED -> {
                    registered(r, name, why, result);
                    return;
                }
                case USERNAME_TAKEN -> {
                    String suffixed = HyperfyUsernames.suffixed(r.username(), r.playerId());
                    if (name.equals(suffixed)) {
                        result.notRegistered.incrementAndGet();
                        result.playerNotes.add("user " + r.playerId() + " ('" + r.hyperfyName() + "') was not registered: '" + name
                                + "' is taken too");
                        return;
                    }
                    name = suffixed;
                    why = "'" + r.username() + "' is held by another worldstore player";
                }
                case ID_TAKEN -> {
                    if (attempt > 2) {
                        result.notRegistered.incrementAndGet();
                        return;
                    }
                }
                case INVALID -> {
                    result.notRegistered.incrementAndGet();
                    result.playerNotes.add("user " + r.playerId() + " ('" + r.hyperfyName() + "') was not registered: '" + name
                            + "' is not a valid username");
                    return;
                }
                case FORBIDDEN -> {
                    forbidden.compareAndSet(null, "players were not registered: the API key may not register players (it needs "
                            + "\"players\": true or admin); the users' rows were imported");
                    return;
                }
                case UNAVAILABLE -> {
                    if (attempt >= HyperfyImport.MAX_RETRIES) {
                        result.notRegistered.incrementAndGet();
                        result.playerNotes.add("user " + r.playerId() + " was not registered: the store did not answer (run the "
                                + "import again)");
                        return;
                    }
                    HyperfyImport.backoff(attempt + 1);
                }
            }
            outcome = null;
        }
    }

    /** Runs {@code task} on {@code workers} threads of its own and waits for all of them. */
    private static void runWorkers(int workers, String name, Runnable task) {
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                running.add(pool.submit(task));
            }
            HyperfyImport.await(running);
        } finally {
            pool.shutdownNow();
        }
    }
}
