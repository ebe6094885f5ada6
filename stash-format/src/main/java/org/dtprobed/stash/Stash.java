package org.dtprobed.stash;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.wire.Wires;
import net.openhft.posix.PosixAPI;
import org.dtprobed.dof.DofFormatException;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.dof.wire.EncodedParsedDof;
import org.dtprobed.protocol.RegistrationKey;
import org.dtprobed.stash.negative.NegativeCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stash: every registration the daemon acknowledged, durably, in Chronicle Map files under
 * one state directory ({@link StashConfig#stateDir()}).
 *
 * <p>The specification — files, keys, values, versions, sizing, commit order, recovery and what
 * each failure does — is written once, in {@code docs/STASH-FORMAT.md}; every byte offset is a
 * named constant in {@link StashLayout}, checked against a real stash by {@code StashLayoutTest}.
 * What this class guarantees, in short:
 * <ul>
 * <li>Atomic registrations: a registration with all its probes is one value, and a value's slot
 *   is its commit point ({@link ChunkedMap}): after {@code kill -9} it is wholly there or wholly
 *   gone. {@link #commit} writes the pid record, the raw DOF and the parse-cache entry first and the
 *   registration last, and returns only then; removals go the other way.</li>
 * <li>Bounded files: every file is preallocated at creation and never grows; a commit beyond
 *   what a file was sized for is refused with {@link StashException.Kind#FULL} (ENOSPC) before
 *   any write. A mapped write that faults (a full file system) fails that request only.</li>
 * <li>Checked opens: a clean close seals every file; the next open checks the seals, recovers
 *   after a crash, repairs the invariants ({@link StashRepair}), migrates an older layout
 *   ({@link LayoutOneMigration}), sets damaged files aside, and ends within its deadline.</li>
 * <li>One writer: the daemon owns the stash through this object (mutations are serialised on it);
 *   {@code stash-dump} reads beside it ({@link StashFiles#openShared}).</li>
 * </ul>
 */
public final class Stash implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Stash.class);

    private final StashConfig config;
    private final StashLock lock;
    private final StashFiles files;
    private final StashIndex index;
    private final NegativeCache negative;
    private final RecoveryReport report;
    private boolean closed;
    /** A map operation faulted (see {@link #mappedFault}): the close must not call the stash clean. */
    private volatile boolean faulted;
    /** A fault may have left a file sparse: {@link #reallocateAfterFault} before the next write. */
    private boolean allocationSuspect;

    /**
     * The pids that registered most recently: each one's record as stored and the next generation
     * it hands out. The stash's only writer holds the monitor for every write and delete, so the
     * record here is the stored one, and a pid that registers again reads neither of its two slots.
     */
    private final Map<Integer, RecentPid> recentPids = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, RecentPid> eldest) {
            return size() > RECENT_PID_RECORDS;
        }
    };

    /**
     * @param stored    the pid's record in the file: its next generation is at or above {@code next}
     * @param next      the generation the pid's next registration gets
     * @param bothSlots whether both of the record's slots are in the file (a next write takes no entry)
     */
    private record RecentPid(PidRecord stored, long next, boolean bothSlots) {
    }

    /**
     * Generations a pid record reserves beyond the one it is written for: a pid that registers again
     * (an object registered again, its older generation replaced) writes its record once in this
     * many registrations, not on each. A generation is still never handed out twice: the stored
     * record is above every generation handed out; after a restart or crash the pid's generations
     * go on from the stored one (a gap of at most this many).
     */
    static final long GENERATIONS_RESERVED = 64;
    private static final int RECENT_PID_RECORDS = 256;
    /**
     * The raw DOF and parse-cache entries this stash has put or found stored since its open, each
     * dropped as the stash deletes it: a DOF registered again asks neither map whether it is
     * stored. Not "some registration refers to it": an open keeps a registration whose raw DOF was
     * lost to damage (its next commit stores it again) and drops parse-cache entries of another
     * version that registrations still name (the next commit refills the cache).
     */
    private final Set<ContentHash> dofStored = new HashSet<>();
    private final Set<ParseKey> parsedStored = new HashSet<>();
    private final StashMeta.Counter commits = new StashMeta.Counter(StashMeta.COMMITS);
    private final StashMeta.Counter removes = new StashMeta.Counter(StashMeta.REMOVES);
    private final StashMeta.Counter rebuilds = new StashMeta.Counter(StashMeta.REBUILDS);

    private Stash(StashConfig config, StashLock lock, StashFiles files, StashIndex index, RecoveryReport report) {
        this.config = config;
        this.lock = lock;
        this.files = files;
        this.index = index;
        this.report = report;
        this.negative = new NegativeCache(files.negative, config.negativeTtl(), config.negativeBound(), config.clock());
    }

    /**
     * Creates the stash, or opens it (recovering every file first after an unclean shutdown),
     * within {@link StashConfig#openDeadline()}. Damaged files (see {@link StashIntegrity}) are set
     * aside under {@code NAME.damaged-MILLIS}, never deleted: the registrations, the raw DOF and
     * the chunks are recovered from what is intact in a copy, the derived files (pid records, parse cache,
     * negative cache, meta) are created afresh; a damaged registrations file with nothing to
     * recover refuses the open. Every damaged file gets an ERROR line naming it and what was done.
     *
     * @throws StashException LOCKED when another process owns it, IO, CORRUPT for a newer layout,
     *                        DAMAGED when the stash cannot be opened as it is (the message names
     *                        the file and the fix) or the open did not finish within its deadline
     */
    public static Stash open(StashConfig config) throws StashException {
        return open(config, r -> {
        });
    }

    /**
     * As {@link #open(StashConfig)}, handing {@code opened} each registration the open keeps, as
     * its repair pass decodes it (on the opening thread, before this returns; no probes for a
     * stale one): what the daemon builds its index from, so that no registration is read and
     * decoded twice at start-up. Pruning may drop some of them after the open.
     */
    public static Stash open(StashConfig config, Consumer<Registration> opened) throws StashException {
        Path dir = config.stateDir();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StashException(StashException.Kind.IO, dir + ": cannot create the state directory: " + e, e);
        }
        StashLock lock = StashLock.acquire(dir);
        AtomicReference<String> phase = new AtomicReference<>("starting");
        FutureTask<Stash> task = new FutureTask<>(() -> openLocked(config, lock, phase::set, opened));
        // a thread of its own so that the open has a deadline: a damaged file can make Chronicle
        // loop in its segment iteration or wait for a header that never becomes ready, and
        // neither can be interrupted
        Thread t = new Thread(task, "stash-open");
        t.setDaemon(true);
        t.start();
        try {
            return task.get(config.openDeadline().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // the stuck thread keeps the lock and its mappings until the process exits, which is
            // what the caller does with this error
            String msg = dir + ": the stash did not open within " + config.openDeadline().toSeconds() + " s (still "
                    + phase.get() + "): a damaged file makes Chronicle Map loop or wait (or this machine is slower than"
                    + " the deadline allows for: then give the open more time). " + fixMoveAside(dir);
            LOG.error("stash {}", msg);
            throw new StashException(StashException.Kind.DAMAGED, msg);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StashException(StashException.Kind.IO, dir + ": interrupted while the stash opened", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof StashException se) {
                throw se;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error er) {
                throw er;
            }
            throw new StashException(StashException.Kind.IO, dir + ": " + c, c);
        }
    }

    /**
     * Initializes what an open of this JVM starts with (Chronicle's own start-up, the text format
     * of its file headers, its libc binding): each once per JVM, and an open initializes them on
     * its thread while the start waits for it. A daemon calls this on a spare thread before the
     * open (a start with a full stash: ~0.1 s of one core the open then skips). Harmless to skip,
     * or to fail: the open initializes what is left and reports what fails.
     */
    public static void prepare() {
        ChronicleMap.of(byte[].class, byte[].class);
        try {
            MethodHandles.lookup().ensureInitialized(Wires.class);
        } catch (IllegalAccessException e) {
            // not ours to initialize after all: the open does it
        }
        PosixAPI.posix();
    }

    /** What an operator does about a stash that cannot be opened as it is. */
    static String fixMoveAside(Path dir) {
        return "Fix: keep the files for inspection by moving the stash aside (mv " + dir + " " + dir
                + ".damaged) and start again: dtprobed then creates an empty stash, and programs that registered"
                + " before must be restarted to register again.";
    }

    private static Stash openLocked(StashConfig requested, StashLock lock, Consumer<String> phase,
                                    Consumer<Registration> opened) throws StashException {
        StashConfig config = requested;
        Path dir = config.stateDir();
        StashFiles files = null;
        boolean createdNow = false;
        try {
            LayoutOneMigration.migrateIfPresent(config, phase);
            boolean fresh = StashFiles.ALL.stream().noneMatch(n -> Files.exists(dir.resolve(n)));
            Map<String, String> damage = fresh ? Map.of() : StashIntegrity.inspect(dir, lock.seals());
            if (!fresh && interruptedCreation(dir, lock)) {
                LOG.warn("stash {}: only empty files from a creation that did not finish; creating the stash afresh", dir);
                fresh = true;
                damage = Map.of();
            }
            boolean unclean = !fresh && !lock.previousWasClean();
            if (unclean) {
                LOG.warn("stash {} was not shut down cleanly ({}); recovering every file", dir, lock.previousSummary());
            }
            refuseUnrecoverable(dir, damage);
            createdNow = fresh;
            Map<String, StashIntegrity.Seal> seals = lock.seals();
            lock.markOpen();
            Set<String> recover = new HashSet<>(unclean ? StashFiles.ALL : List.of());
            List<String> damaged = new ArrayList<>();
            for (Map.Entry<String, String> d : damage.entrySet()) {
                damaged.add(setAside(dir, d.getKey(), d.getValue(), seals.get(d.getKey()), recover));
            }
            List<String> events = new ArrayList<>();
            files = StashFiles.openOwned(config, recover, events, phase);
            phase.accept("checking the layout version");
            checkLayout(files, dir, fresh, config);
            config = sizedAsCreated(files, dir, config);
            StashIndex index = new StashIndex();
            StashRepair repair = new StashRepair(files, index, unclean || !damage.isEmpty(), opened);
            RecoveryReport report = repair.run(unclean, events, damaged, phase);
            StashMeta.increment(files.meta, StashMeta.OPENS);
            if (unclean) {
                StashMeta.increment(files.meta, StashMeta.UNCLEAN_OPENS);
            }
            StashMeta.put(files.meta, StashMeta.CLEAN_SHUTDOWN, 0);
            if (damage.containsKey(StashFiles.REGISTRATIONS)) {
                StashIntegrity.Seal was = seals.get(StashFiles.REGISTRATIONS);
                LOG.error("stash {}: DAMAGED {}: {} registrations recovered from what was intact{}", dir, StashFiles.REGISTRATIONS,
                        index.size(), was == null ? "" : " of " + was.entries() + " at the last clean close ("
                                + Math.max(0, was.entries() - index.size()) + " lost)");
            }
            LOG.info("stash {} open: {} registrations, {} stale, unclean={}, damaged files={}", dir, index.size(),
                    report.staleRegistrations(), unclean, damage.keySet());
            return new Stash(config, lock, files, index, report);
        } catch (StashException | RuntimeException e) {
            if (files != null) {
                files.close();
            }
            if (createdNow) {
                // a creation that failed (a full disk) holds nothing: what it left, possibly sparse,
                // must not be taken for a stash at the next start
                for (String n : StashFiles.ALL) {
                    try {
                        Files.deleteIfExists(dir.resolve(n));
                    } catch (IOException ignored) {
                        // the next open finds it and checks it like any other file
                    }
                }
            }
            lock.close();
            throw e;
        }
    }

    /** Every file is missing or empty and nothing was sealed: a first creation died before it wrote anything. */
    private static boolean interruptedCreation(Path dir, StashLock lock) {
        if (!lock.seals().isEmpty()) {
            return false;
        }
        for (String n : StashFiles.ALL) {
            Path p = dir.resolve(n);
            try {
                if (Files.exists(p) && Files.size(p) > 0) {
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    /** A damaged registrations file with nothing to recover: refused before anything is changed. */
    private static void refuseUnrecoverable(Path dir, Map<String, String> damage) throws StashException {
        String why = damage.get(StashFiles.REGISTRATIONS);
        if (why != null && !recoverable(dir.resolve(StashFiles.REGISTRATIONS))) {
            String msg = dir.resolve(StashFiles.REGISTRATIONS) + " is damaged (" + why + "): its registrations cannot"
                    + " be recovered, so the stash is not opened and nothing in it was changed. " + fixMoveAside(dir);
            LOG.error("stash {}", msg);
            throw new StashException(StashException.Kind.DAMAGED, msg);
        }
    }

    /** Whether Chronicle's recovery has anything to work from: its header at least. */
    private static boolean recoverable(Path p) {
        try {
            return Files.exists(p) && Files.size(p) >= StashIntegrity.MIN_FILE_BYTES && StashIntegrity.headerIntact(p);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Renames a damaged file aside (never deletes it). The registrations, the raw DOF and the chunks are
     * recovered from a copy (extended with zeros to the sealed size when cut short: Chronicle's
     * recovery refuses a file of another length, and what lay in the lost part reads as empty
     * segments); the other files are derived or caches and are created afresh.
     * Returns the line for the report, which is also logged at ERROR.
     */
    private static String setAside(Path dir, String name, String why, StashIntegrity.Seal seal, Set<String> recover)
            throws StashException {
        Path p = dir.resolve(name);
        String done;
        try {
            if (Files.exists(p)) {
                Path aside = dir.resolve(name + ".damaged-" + System.currentTimeMillis());
                Files.move(p, aside, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                boolean primary = name.equals(StashFiles.REGISTRATIONS) || name.equals(StashFiles.RAW_DOF)
                        || name.equals(StashFiles.CHUNKS);
                if (primary && recoverable(aside)) {
                    Files.copy(aside, p);
                    if (seal != null && Files.size(p) < seal.size()) {
                        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(p,
                                java.nio.file.StandardOpenOption.WRITE)) {
                            ch.write(java.nio.ByteBuffer.allocate(1), seal.size() - 1);
                        }
                    }
                    recover.add(name);
                    done = "kept as " + aside.getFileName() + "; recovering what is intact from a copy";
                } else {
                    recover.remove(name);
                    done = "kept as " + aside.getFileName() + "; created afresh"
                            + (primary ? " (nothing to recover)" : " (derived data, rebuilt from the registrations)");
                }
            } else {
                recover.remove(name);
                done = "created afresh";
            }
        } catch (IOException e) {
            throw new StashException(StashException.Kind.IO, p + ": damaged (" + why + ") and cannot be set aside: " + e, e);
        }
        String line = name + " DAMAGED (" + why + "): " + done;
        LOG.error("stash {}: {}", dir, line);
        return line;
    }

    private static void checkLayout(StashFiles files, Path dir, boolean fresh, StashConfig c) throws StashException {
        Long layout = StashMeta.get(files.meta, StashMeta.LAYOUT_VERSION);
        if (layout != null && layout > StashLayout.LAYOUT_VERSION) {
            throw new StashException(StashException.Kind.CORRUPT, dir + ": stash layout version " + layout
                    + " is newer than this build's " + StashLayout.LAYOUT_VERSION);
        }
        StashMeta.put(files.meta, StashMeta.LAYOUT_VERSION, StashLayout.LAYOUT_VERSION);
        StashMeta.put(files.meta, StashMeta.PARSED_VERSION, StashLayout.PARSED_VERSION);
        StashMeta.put(files.meta, StashMeta.NEGATIVE_TTL, c.negativeTtl().toMillis());
        StashMeta.put(files.meta, StashMeta.NEGATIVE_BOUND, c.negativeBound());
        if (fresh) {
            StashMeta.put(files.meta, StashMeta.CREATED_AT, c.clock().millis());
        }
    }

    /**
     * The entry counts the files were created with, which admission must use: a stash created for
     * 8,192 registrations and opened with a larger {@code --max-registrations} would otherwise
     * admit more than its files hold, and Chronicle would chain extra tiers onto them (the growth
     * layout 2 exists to prevent). Kept in meta from the creation on; a stash without them (made
     * before they were kept, or whose meta file was damaged and created afresh) is taken to be
     * sized as requested, as before.
     */
    private static StashConfig sizedAsCreated(StashFiles files, Path dir, StashConfig c) {
        Long reg = StashMeta.get(files.meta, StashMeta.SIZED_REGISTRATIONS);
        Long raw = StashMeta.get(files.meta, StashMeta.SIZED_RAW_DOF);
        Long parsed = StashMeta.get(files.meta, StashMeta.SIZED_PARSED);
        Long chunks = StashMeta.get(files.meta, StashMeta.SIZED_CHUNKS);
        Long pids = StashMeta.get(files.meta, StashMeta.SIZED_PIDS);
        if (reg == null || raw == null || parsed == null || chunks == null || pids == null) {
            StashMeta.put(files.meta, StashMeta.SIZED_REGISTRATIONS, c.registrations());
            StashMeta.put(files.meta, StashMeta.SIZED_RAW_DOF, c.rawDof());
            StashMeta.put(files.meta, StashMeta.SIZED_PARSED, c.parsed());
            StashMeta.put(files.meta, StashMeta.SIZED_CHUNKS, c.chunks());
            StashMeta.put(files.meta, StashMeta.SIZED_PIDS, c.pids().entries());
            return c;
        }
        StashConfig sized = c.withSizing(reg, raw, parsed, chunks, pids);
        if (!sized.equals(c)) {
            LOG.warn("stash {} was created for {} registrations, {} raw DOF and {} chunks; asked for {}, {} and {}: the"
                    + " sizing of an existing stash does not change (move it aside to create one of the new size)",
                    dir, reg, raw, chunks, c.registrations(), c.rawDof(), c.chunks());
        }
        return sized;
    }

    /** What the open found and repaired; {@link RecoveryReport#unclean()} says whether it recovered. */
    public RecoveryReport recovery() {
        return report;
    }

    public boolean recovered() {
        return report.unclean();
    }

    public StashConfig config() {
        return config;
    }

    /**
     * Commits one registration with its raw DOF and its probes as one unit and returns it (its key's
     * generation is the ADDDOF ioctl's return value) with what the commit dropped. A pid whose start
     * time changed (reused) loses its old registrations and starts again at generation 0; a pid
     * whose executable changed (exec) loses its old registrations and keeps counting. An older
     * registration of the same pid at the same mapping and DOF address (its REMOVE was lost) is
     * replaced.
     *
     * @throws StashException REFUSED (record cannot be stored as given), FULL (ENOSPC); its
     *                        {@link StashException#dropped()} holds what a reuse or exec dropped before the refusal
     */
    public CommitResult commit(RegistrationRecord reg, byte[] rawDof, ParsedDof parsed) throws StashException {
        return commit(reg, rawDof, parsed, ContentHash.of(rawDof));
    }

    /**
     * As {@link #commit(RegistrationRecord, byte[], ParsedDof)}, for a caller that has already hashed
     * the DOF (the registration path hashes it once, for the parse cache, and not again here).
     *
     * @param hash {@code ContentHash.of(rawDof)}
     */
    public CommitResult commit(RegistrationRecord reg, byte[] rawDof, ParsedDof parsed,
                               ContentHash hash) throws StashException {
        return commit(reg, rawDof, parsed, null, hash);
    }

    /**
     * As {@link #commit(RegistrationRecord, byte[], ParsedDof, ContentHash)}, for a result that
     * came with its codec bytes (a jailed child's reply): the parse cache stores those bytes as
     * they came, not an encode of the result.
     */
    public CommitResult commit(RegistrationRecord reg, byte[] rawDof, EncodedParsedDof parsed,
                               ContentHash hash) throws StashException {
        return commit(reg, rawDof, parsed.dof(), parsed.body(), hash);
    }

    private synchronized CommitResult commit(RegistrationRecord reg, byte[] rawDof, ParsedDof parsed,
                                             byte[] parsedBody, ContentHash hash) throws StashException {
        ensureOpen();
        List<CommitResult.Dropped> dropped = new ArrayList<>();
        try {
            return new CommitResult(commitLocked(reg, rawDof, parsed, parsedBody, hash, dropped), dropped);
        } catch (StashException e) {
            throw StashException.refusedAfterDropping(e, dropped);
        } catch (InternalError | RuntimeException e) {
            throw StashException.refusedAfterDropping(mappedFault("commit of pid " + reg.pid(), e), dropped);
        }
    }

    /**
     * A map operation failed in a way no caller can handle: a SIGBUS on a mapped page the file
     * system could not back (a full tmpfs: the JVM turns it into {@code InternalError: a fault
     * occurred in a recent unsafe memory access}), or Chronicle's own failure (a segment lock it
     * could not take). The request fails with ENOSPC or EIO and the stash is marked faulted, so that
     * the close does not call it clean: the next open recovers every file (which also clears a
     * segment lock the fault may have left).
     */
    private StashException mappedFault(String what, Throwable e) {
        faulted = true;
        allocationSuspect = true;
        boolean full = e instanceof InternalError || noSpace(e);
        String cause = describe(e);
        LOG.error("stash {}: {} failed: {}{}", config.stateDir(), what, cause,
                full ? " (the file system is full: the request gets ENOSPC)" : "");
        return new StashException(full ? StashException.Kind.FULL : StashException.Kind.IO, "stash " + config.stateDir()
                + ": " + what + " failed (" + cause + ")" + (full ? ": the file system is full" : ""), e);
    }

    /** Whether a cause says the file system is out of space (Chronicle wraps it in a bare RuntimeException). */
    private static boolean noSpace(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String m = String.valueOf(c.getMessage());
            if (m.contains("No space left") || m.contains("Not enough space") || m.contains("ENOSPC")) {
                return true;
            }
        }
        return false;
    }

    /** The exception and its causes in one line (Chronicle's own messages can be just the map). */
    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(e.toString());
        for (Throwable c = e.getCause(); c != null && c != e; c = c.getCause() == c ? null : c.getCause()) {
            sb.append(" <- ").append(c);
        }
        return sb.toString();
    }

    /**
     * After a fault, every file is allocated again before the next write touches mapped memory:
     * a tier growth that failed for want of space leaves the file extended and sparse, and a write
     * there would be a SIGBUS. Refused with FULL (ENOSPC) until the space is back.
     */
    private void reallocateAfterFault() throws StashException {
        if (allocationSuspect) {
            StashFiles.ensureAllocated(config.stateDir(), StashFiles.ALL);
            allocationSuspect = false;
            LOG.warn("stash {}: every file allocated again after the fault; commits resume", config.stateDir());
        }
    }

    /** @param parsedBody the codec bytes of {@code parsed}, or null to encode them if the parse cache wants them */
    private Registration commitLocked(RegistrationRecord reg, byte[] rawDof, ParsedDof parsed, byte[] parsedBody,
                                      ContentHash hash, List<CommitResult.Dropped> dropped) throws StashException {
        validate(reg, rawDof, parsed);
        reallocateAfterFault();
        checkRoom(hash, reg.pid());
        int pid = reg.pid();
        long gen = generationFor(reg, dropped);
        RegistrationKey key = new RegistrationKey(pid, gen);
        Registration r = new Registration(key, reg, hash, rawDof.length, config.clock().millis(),
                StashLayout.PARSED_VERSION, ParsedCodec.probeRecords(key, parsed, reg.helper().loadBase()));
        byte[] regValue = RegistrationCodec.encode(r);
        boolean newDof = !dofStored.contains(hash) && !files.rawDof.containsKey(hash.toBytes());
        byte[] dofValue = newDof ? RawDofCodec.encode(rawDof) : null;
        long chunksNeeded = files.registrations.chunksFor(regValue.length)
                + (newDof ? files.rawDof.chunksFor(dofValue.length) : 0);
        // the pool is counted (a walk over the map's segments) only when a value takes chunks: a
        // registration of a small DOF, once its DOF is stored, takes none
        long chunksLeft = chunksNeeded > 0 ? chunksLeft() : 0;
        if (chunksNeeded > chunksLeft) {
            throw new StashException(StashException.Kind.FULL, "stash " + config.stateDir() + ": chunks full: this"
                    + " registration needs " + chunksNeeded + " chunks of " + StashLayout.CHUNK_SIZE + " bytes beyond its"
                    + " slots, " + chunksLeft + " of " + config.chunks() + " are left");
        }
        ParseKey pk = ParseKey.of(hash, reg.helper(), pid);
        byte[] parsedValue = parsedToCache(pk, parsed, parsedBody, chunksNeeded);
        reservePidRecord(reg, gen);
        try {
            if (newDof) {
                put(files.rawDof, hash.toBytes(), dofValue, "raw DOF");
            }
            dofStored.add(hash);
            if (parsedValue != null) {
                put(files.parsed, pk.toBytes(), parsedValue, "parse cache");
                parsedStored.add(pk);
            }
            put(files.registrations, RegistrationKeyCodec.live(key), regValue, "registration");
        } catch (StashException e) {
            if (index.refs(hash) == 0) {
                files.rawDof.remove(hash.toBytes());
                files.parsed.remove(pk.toBytes());
                dofStored.remove(hash);
                parsedStored.remove(pk);
            }
            throw e;
        }
        index.add(StashIndex.entryOf(r));
        commits.increment(files.meta, System.nanoTime());
        replaceLost(key, reg, dropped);
        return r;
    }

    /** Refuses before any write when a file would need more entries than it was sized for. */
    private void checkRoom(ContentHash hash, int pid) throws StashException {
        if (index.size() >= config.registrations()) {
            throw full("registrations", config.registrations());
        }
        // a DOF some registration refers to is stored (the commit puts it first, the last removal
        // deletes it), so the same DOF again costs no lookup; Chronicle still refuses a put beyond
        // the file after a damaged dof.cm3 left a registration without its DOF
        if (!index.referenced(hash) && !files.rawDof.containsKey(hash.toBytes())
                && files.rawDof.longSize() >= config.rawDof()) {
            throw full("raw DOF", config.rawDof());
        }
        // a pid whose record was written twice has both of its slots: its next record takes no entry
        RecentPid recent = recentPids.get(pid);
        if ((recent == null || !recent.bothSlots()) && files.pids.longSize() + 2 > config.pids().entries()) {
            throw full("pid records", config.pids().entries());
        }
    }

    /**
     * The parse-cache value to store with this commit, or null: the cache is only a cache, so it
     * stores nothing when its file is full, and it may take chunks only from the first half of the
     * pool, which keeps the rest for registrations and raw DOF.
     *
     * @param chunksTaken the chunks this commit's other values take
     */
    private byte[] parsedToCache(ParseKey pk, ParsedDof parsed, byte[] parsedBody, long chunksTaken)
            throws StashException {
        if (parsedStored.contains(pk)) {
            return null;
        }
        if (files.parsed.containsKey(pk.toBytes())) {
            parsedStored.add(pk);
            return null;
        }
        if (files.parsed.longSize() >= config.parsed()) {
            return null;
        }
        byte[] v = parsedBody != null ? ParsedCodec.parseCacheValue(parsedBody) : ParsedCodec.encodeParsed(parsed);
        int need = files.parsed.chunksFor(v.length);
        return need == 0 || chunksLeft() - chunksTaken - need >= config.chunks() / 2 ? v : null;
    }

    private long chunksLeft() {
        return config.chunks() - files.chunks.longSize();
    }

    private StashException full(String what, long entries) {
        return new StashException(StashException.Kind.FULL, "stash " + config.stateDir() + ": " + what + " full: "
                + entries + " entries as sized in StashConfig");
    }

    private static void validate(RegistrationRecord reg, byte[] rawDof, ParsedDof parsed) throws StashException {
        if (!parsed.registrable()) {
            throw new StashException(StashException.Kind.REFUSED, "pid " + reg.pid() + ": DOF is not registrable: "
                    + parsed.violations().get(0).message());
        }
        if (!parsed.module().equals(reg.helper().module())) {
            throw new StashException(StashException.Kind.REFUSED, "pid " + reg.pid()
                    + ": parse result is for another module than the helper's");
        }
        if (rawDof.length != parsed.loadSize()) {
            throw new StashException(StashException.Kind.REFUSED, "pid " + reg.pid() + ": raw DOF is "
                    + rawDof.length + " bytes, its header's load size is " + parsed.loadSize());
        }
    }

    /** The generation this commit gets, after dropping (into {@code dropped}) what a pid reuse or an exec left behind. */
    private long generationFor(RegistrationRecord reg, List<CommitResult.Dropped> dropped) throws StashException {
        int pid = reg.pid();
        RecentPid recent = recentPids.get(pid);
        PidRecord pr = recent != null ? recent.stored() : PidRecord.read(files.pids, pid);
        if (recent == null && pr != null) {
            recentPids.put(pid, recent = new RecentPid(pr, pr.nextGeneration(), false));
        }
        if (pr != null && !pr.identity().sameLife(reg.process())) {
            LOG.info("pid {}: start time changed (pid reused); dropping its {} old registrations", pid,
                    index.keysOfPid(pid).size());
            removePidLocked(pid).forEach(k -> dropped.add(new CommitResult.Dropped(k, DropCause.REUSED)));
            return 0;
        }
        if (pr != null && !pr.identity().sameImage(reg.process())) {
            LOG.info("pid {}: executable changed (exec); dropping its {} old registrations", pid,
                    index.keysOfPid(pid).size());
            for (RegistrationKey k : index.keysOfPid(pid)) {
                if (removeLocked(k)) {
                    dropped.add(new CommitResult.Dropped(k, DropCause.EXEC));
                }
            }
        }
        long gen = recent == null ? 0 : recent.next();
        if (gen > Integer.MAX_VALUE) {
            throw new StashException(StashException.Kind.FULL, "pid " + pid + ": generations exhausted");
        }
        return gen;
    }

    /**
     * Makes the stored pid record cover generation {@code gen} for this process life before the
     * registration is written: written when it does not yet (or names another life or image), then
     * reserving {@link #GENERATIONS_RESERVED} more, into the slot the stored record is not in and
     * above it (the reader takes the higher slot).
     */
    private void reservePidRecord(RegistrationRecord reg, long gen) throws StashException {
        int pid = reg.pid();
        RecentPid recent = recentPids.get(pid);
        PidRecord stored = recent == null ? null : recent.stored();
        if (stored != null && gen < stored.nextGeneration() && stored.identity().equals(reg.process())) {
            recentPids.put(pid, new RecentPid(stored, gen + 1, recent.bothSlots()));
            return;
        }
        long next = gen + 1 + GENERATIONS_RESERVED;
        if (stored != null) {
            next = Math.max(next, stored.nextGeneration() + 1);
            if ((next & 1) == (stored.nextGeneration() & 1)) {
                next++; // the other slot
            }
        }
        PidRecord pr = new PidRecord(next, reg.process());
        recentPids.remove(pid); // until the put has succeeded, the stored record is not known
        put(files.pids, PidRecord.key(pid, (int) (next & 1)), pr.encode(), "pid record");
        recentPids.put(pid, new RecentPid(pr, gen + 1, stored != null));
    }

    private void replaceLost(RegistrationKey key, RegistrationRecord reg, List<CommitResult.Dropped> dropped) {
        Mapping m = reg.mapping();
        for (RegistrationKey k : index.keysAt(key.pid(), m.dev(), m.inode(), m.start(), reg.helper().dofAddress())) {
            if (!k.equals(key)) {
                // routine where REMOVE never arrives (the FUSE-file route): a line per
                // registration at INFO would flood the journal of a program that re-registers
                LOG.debug("pid {}: generation {} re-registers the DOF of generation {}; replacing it", key.pid(),
                        key.generation(), k.generation());
                if (removeLocked(k)) {
                    dropped.add(new CommitResult.Dropped(k, DropCause.REPLACED));
                }
            }
        }
    }

    private static void put(ChronicleMap<byte[], byte[]> map, byte[] k, byte[] v, String what) throws StashException {
        put(map.name(), v.length, what, () -> map.put(k, v));
    }

    private static void put(ChunkedMap map, byte[] k, byte[] v, String what) throws StashException {
        put(map.name(), v.length, what, () -> map.put(k, v));
    }

    // Not reached while the stash admits no more than it was sized for (no file can grow): this is
    // Chronicle refusing all the same, and the caller that refuses the registration logs it.
    private static void put(String file, int bytes, String what, Runnable write) throws StashException {
        try {
            write.run();
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new StashException(StashException.Kind.FULL, "stash: no room for " + what + " of " + bytes
                    + " bytes in " + file + ": " + e.getMessage(), e);
        }
    }

    /** Removes one registration (REMOVE ioctl); an unknown one is not an error (returns false). */
    public synchronized boolean remove(int pid, long generation) {
        ensureOpen();
        if (!RegistrationKeyCodec.inRange(pid, generation)) {
            return false;
        }
        try {
            return removeLocked(new RegistrationKey(pid, generation));
        } catch (InternalError | RuntimeException e) {
            mappedFault("removal of pid " + pid + " generation " + generation, e);
            return false;
        }
    }

    private boolean removeLocked(RegistrationKey key) {
        boolean removed = files.registrations.remove(RegistrationKeyCodec.live(key)) >= 0;
        StashIndex.Entry e = index.remove(key);
        if (e != null) {
            ParseKey pk = new ParseKey(e.dof(), e.parseVariant());
            if (!index.parsedInUse(pk)) {
                files.parsed.remove(pk.toBytes());
                parsedStored.remove(pk);
            }
            if (!index.referenced(e.dof())) {
                files.rawDof.remove(e.dof().toBytes());
                dofStored.remove(e.dof());
            }
        }
        if (removed) {
            removes.increment(files.meta, System.nanoTime());
        }
        return removed;
    }

    /** Removes every registration of the pid and its pid record; returns how many registrations went. */
    public synchronized int removePid(int pid) {
        ensureOpen();
        return removePidLocked(pid).size();
    }

    /** Removes every registration of the pid and its pid record; returns the registrations removed. */
    private List<RegistrationKey> removePidLocked(int pid) {
        List<RegistrationKey> removed = new ArrayList<>();
        for (RegistrationKey k : index.keysOfPid(pid)) {
            if (removeLocked(k)) {
                removed.add(k);
            }
        }
        recentPids.remove(pid);
        PidRecord.delete(files.pids, pid);
        return removed;
    }

    /**
     * Removes every pid that is dead, or whose start time or executable no longer matches what was
     * stashed; returns the pids removed.
     */
    public List<Integer> prune(PidLiveness liveness) {
        return pruneWithCauses(liveness).stream().map(Pruned::pid).toList();
    }

    /** As {@link #prune}, saying for each pid why (exited, exec'd, or pid reused). */
    public synchronized List<Pruned> pruneWithCauses(PidLiveness liveness) {
        ensureOpen();
        java.util.Set<Integer> pids = new java.util.TreeSet<>(index.pids());
        for (byte[] k : List.copyOf(files.pids.keySet())) {
            try {
                pids.add(PidRecord.pidOf(k));
            } catch (StashException e) {
                files.pids.remove(k);
            }
        }
        flushCounters(); // a quiet daemon's counters reach the file here, or at its stop
        List<Pruned> pruned = new ArrayList<>();
        for (int pid : pids) {
            pruneLocked(pid, liveness).ifPresent(pruned::add);
        }
        return pruned;
    }

    /** As {@link #pruneWithCauses}, for one pid (the kernel said it exited or exec'd). */
    public synchronized Optional<Pruned> prunePid(int pid, PidLiveness liveness) {
        ensureOpen();
        return pruneLocked(pid, liveness);
    }

    private Optional<Pruned> pruneLocked(int pid, PidLiveness liveness) {
        Optional<ProcessIdentity> now = liveness.identity(pid);
        PidRecord rec = PidRecord.read(files.pids, pid);
        ProcessIdentity stashed = rec == null ? null : rec.identity();
        if (now.isPresent() && stashed != null && stashed.sameImage(now.get())) {
            return Optional.empty();
        }
        if (rec == null && index.keysOfPid(pid).isEmpty()) {
            return Optional.empty();
        }
        DropCause cause = now.isEmpty() ? DropCause.EXIT
                : stashed != null && stashed.sameLife(now.get()) ? DropCause.EXEC : DropCause.REUSED;
        List<RegistrationKey> removed = removePidLocked(pid);
        LOG.info("pid {}: pruned ({}), {} registrations removed", pid, cause.name().toLowerCase(java.util.Locale.ROOT),
                removed.size());
        return Optional.of(new Pruned(pid, cause, removed));
    }

    /** Every registration's DOF mapping, from the in-memory index (no map reads): for the unmap check. */
    public synchronized java.util.Map<RegistrationKey, Mapping> mappings() {
        ensureOpen();
        return index.mappings();
    }

    /** As {@link #mappings()}, of one pid's registrations only. */
    public synchronized java.util.Map<RegistrationKey, Mapping> mappingsOfPid(int pid) {
        ensureOpen();
        java.util.Map<RegistrationKey, Mapping> out = new java.util.HashMap<>();
        for (RegistrationKey k : index.keysOfPid(pid)) {
            out.put(k, index.get(k).mapping());
        }
        return out;
    }

    /**
     * Whether the pid has a registration whose DOF lies in a mapping of the file (dev, inode), from
     * the in-memory index (no map reads): what a scan asks of every object of every process.
     */
    public synchronized boolean hasRegistration(int pid, long dev, long inode) {
        ensureOpen();
        return index.hasObject(pid, dev, inode);
    }

    /** The registration, if stored. */
    public Optional<Registration> registration(RegistrationKey key) throws StashException {
        byte[] v = files.registrations.get(RegistrationKeyCodec.live(key));
        return v == null ? Optional.empty() : Optional.of(RegistrationCodec.decode(v, "registration " + key));
    }

    public List<Registration> byPid(int pid) throws StashException {
        return load(keys(() -> index.keysOfPid(pid)));
    }

    /** Registrations of the pid whose DOF lies in the mapping that starts at {@code start}. */
    public List<Registration> byMapping(int pid, long dev, long inode, long start) throws StashException {
        return load(keys(() -> index.keysOfMapping(pid, dev, inode, start)));
    }

    /** Registrations, of any pid, whose DOF lies in a mapping of this file. */
    public List<Registration> byDevInode(long dev, long inode) throws StashException {
        return load(keys(() -> index.keysOfDevIno(dev, inode)));
    }

    private synchronized List<RegistrationKey> keys(java.util.function.Supplier<List<RegistrationKey>> s) {
        return s.get();
    }

    private List<Registration> load(List<RegistrationKey> keys) throws StashException {
        List<Registration> out = new ArrayList<>(keys.size());
        for (RegistrationKey k : keys) {
            registration(k).ifPresent(out::add);
        }
        return out;
    }

    /** Every registration, in key order (pid, then generation). */
    public void forEachRegistration(Consumer<Registration> action) throws StashException {
        List<RegistrationKey> keys = keys(() -> {
            List<RegistrationKey> all = new ArrayList<>();
            for (int pid : index.pids()) {
                all.addAll(index.keysOfPid(pid));
            }
            java.util.Collections.sort(all);
            return all;
        });
        for (RegistrationKey k : keys) {
            registration(k).ifPresent(action);
        }
    }

    /** Every per-probe record of every registration that is not stale (for the query index). */
    public void forEachProbe(Consumer<ProbeRecord> action) throws StashException {
        forEachRegistration(r -> r.probes().forEach(action));
    }

    /** The raw DOF stored under this key. */
    public Optional<byte[]> rawDof(ContentHash key) throws StashException {
        byte[] v = files.rawDof.get(key.toBytes());
        return v == null ? Optional.empty() : Optional.of(RawDofCodec.decode(v, "raw DOF " + key));
    }

    /**
     * The parse cache: the result for identical DOF content (at any load base) registered with
     * this module by a pid of as many digits, if some registration already had it parsed.
     */
    public Optional<ParsedDof> findParsed(ContentHash content, String module, long pid) throws StashException {
        ParseKey pk = ParseKey.of(content, module, pid);
        byte[] v = files.parsed.get(pk.toBytes());
        if (v == null) {
            return Optional.empty();
        }
        ParsedDof p = ParsedCodec.decodeParsed(v, "parse cache " + pk);
        return p.module().equals(module) ? Optional.of(p) : Optional.empty();
    }

    public NegativeCache negative() {
        return negative;
    }

    /**
     * Re-derives probe records from raw DOF: for stale registrations, or for all with
     * {@code force}. A registration whose DOF no longer parses or registers is removed (logged),
     * since no tracer could use it. Returns how many were rebuilt and removed.
     */
    public synchronized RebuildReport rebuildParsed(DofReparser parser, boolean force) throws StashException {
        ensureOpen();
        int rebuilt = 0;
        int removed = 0;
        List<RegistrationKey> all = new ArrayList<>();
        for (int pid : index.pids()) {
            all.addAll(index.keysOfPid(pid));
        }
        for (RegistrationKey k : all) {
            Optional<Registration> r = registration(k);
            if (r.isEmpty() || !(force || r.get().stale())) {
                continue;
            }
            if (rawDof(r.get().dofKey()).isEmpty()) {
                // its raw DOF entry was lost to damage: current probes stay, stale ones are useless
                if (r.get().stale()) {
                    LOG.warn("pid {} gen {}: stale and without raw DOF; removed", k.pid(), k.generation());
                    removeLocked(k);
                    removed++;
                }
                continue;
            }
            if (rebuildOne(r.get(), parser)) {
                rebuilt++;
            } else {
                removeLocked(k);
                removed++;
            }
        }
        rebuilds.increment(files.meta, System.nanoTime());
        LOG.info("stash: rebuilt parsed records of {} registrations, removed {}", rebuilt, removed);
        return new RebuildReport(rebuilt, removed);
    }

    /** Writes the counts the counters hold back ({@link StashMeta.Counter}: at most one write a second). */
    synchronized void flushCounters() {
        long now = System.nanoTime();
        commits.flush(files.meta, now);
        removes.flush(files.meta, now);
        rebuilds.flush(files.meta, now);
    }

    /** How a rebuild went. */
    public record RebuildReport(int rebuilt, int removed) {
    }

    private boolean rebuildOne(Registration r, DofReparser parser) throws StashException {
        RegistrationKey k = r.key();
        byte[] raw = rawDof(r.dofKey()).orElseThrow(() -> new StashException(StashException.Kind.CORRUPT,
                "registration " + k + ": raw DOF " + r.dofKey() + " missing"));
        ParseKey pk = ParseKey.of(r.dofKey(), r.record().helper(), k.pid());
        ParsedDof parsed;
        try {
            parsed = parser.parse(raw, r.record().helper(), k.pid());
        } catch (DofFormatException e) {
            LOG.warn("pid {} gen {}: DOF no longer parses: {}", k.pid(), k.generation(), e.getMessage());
            return false;
        }
        if (!parsed.registrable()) {
            LOG.warn("pid {} gen {}: DOF no longer registers: {}", k.pid(), k.generation(),
                    parsed.violations().get(0).message());
            return false;
        }
        put(files.parsed, pk.toBytes(), ParsedCodec.encodeParsed(parsed), "parse cache");
        Registration fresh = new Registration(k, r.record(), r.dofKey(), r.dofSize(), r.committedAtMillis(),
                StashLayout.PARSED_VERSION, ParsedCodec.probeRecords(k, parsed, r.record().helper().loadBase()));
        byte[] value = RegistrationCodec.encode(fresh);
        // replacing a value in place is the one write a crash can destroy (Chronicle's recovery
        // deletes the entry for its bad checksum): keep the old value under the backup key until
        // the new one is in; the repair pass restores from a backup it finds
        put(files.registrations, RegistrationKeyCodec.backup(k), files.registrations.get(RegistrationKeyCodec.live(k)), "registration backup");
        put(files.registrations, RegistrationKeyCodec.live(k), value, "registration");
        files.registrations.remove(RegistrationKeyCodec.backup(k));
        index.remove(k);
        index.add(StashIndex.entryOf(fresh));
        return true;
    }

    /** Counts for status output. */
    public synchronized StashStats stats() {
        return new StashStats(index.size(), index.pids().size(), files.rawDof.longSize(), files.parsed.longSize(),
                negative.size(), negative.sweeps(), negative.evictions());
    }

    /** Entry counts and negative-cache activity. */
    /**
     * One stash file's fill: its entries, and the fraction of its preallocated space in use
     * (Chronicle's {@code 1 - percentageFreeSpace/100}); a file never grows, so 1.0 is full.
     */
    public record FileFill(String file, long entries, double usedFraction) {
    }

    /** Fill of every stash file. */
    public synchronized List<FileFill> fill() {
        ensureOpen();
        return files.fill();
    }

    /**
     * Why the stash dropped registrations no REMOVE named: a prune ({@link #pruneWithCauses}) finds a
     * pid that exited, exec'd or was reused; a commit finds a reused or exec'd pid, or an object
     * registered again whose REMOVE was lost (REPLACED).
     */
    public enum DropCause { EXIT, EXEC, REUSED, REPLACED }

    /** A pid dropped by pruning, why, and the registrations that went with it. */
    public record Pruned(int pid, DropCause cause, List<RegistrationKey> removed) {
        public Pruned {
            removed = List.copyOf(removed);
        }

        /** How many registrations went. */
        public int registrations() {
            return removed.size();
        }
    }

    public record StashStats(int registrations, int pids, long rawDof, long parsed, int negativeEntries,
                             long negativeSweeps, long negativeEvictions) {
    }

    /** Read access for tools ({@code stash-dump}) on the owner's open files. */
    public StashFiles files() {
        return files;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("stash " + config.stateDir() + " is closed");
        }
    }

    /** Closes every file and marks the shutdown clean. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (faulted) {
            // left "open": the next open recovers every file, clearing any lock the fault left
            LOG.error("stash {}: closed after a fault in a mapped file; the next open recovers every file",
                    config.stateDir());
            files.close();
            lock.close();
            return;
        }
        flushCounters();
        StashMeta.put(files.meta, StashMeta.CLEAN_SHUTDOWN, 1);
        List<Long> entries = files.sizes();
        files.close();
        try {
            // sealed after the maps are closed, so that the seal covers the bytes the next open reads
            lock.markClean(StashIntegrity.seal(config.stateDir(), entries));
        } catch (StashException | IOException e) {
            LOG.error("stash {}: cannot mark the shutdown clean: {}", config.stateDir(), e.getMessage());
        }
        lock.close();
    }
}
