package org.dtprobed.ingest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.dtprobed.dof.DofHeader;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.dof.wire.EncodedParsedDof;
import org.dtprobed.dof.PolicyViolation;
import org.dtprobed.helper.Caller;
import org.dtprobed.helper.HelperException;
import org.dtprobed.helper.HelperRequests;
import org.dtprobed.helper.RefusalLog;
import org.dtprobed.linux.Errno;
import org.dtprobed.parse.ParseOutcome;
import org.dtprobed.parse.ParserSupervisor;
import org.dtprobed.proc.Mapping;
import org.dtprobed.proc.NoSuchProcessException;
import org.dtprobed.proc.ProcException;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.query.ProbeIndex;
import org.dtprobed.stash.CommitResult;
import org.dtprobed.stash.ContentHash;
import org.dtprobed.stash.Registration;
import org.dtprobed.stash.RegistrationRecord;
import org.dtprobed.stash.Stash;
import org.dtprobed.stash.StashException;
import org.dtprobed.stash.negative.NegativeEntry;
import org.dtprobed.stash.negative.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The path of one registration (DESIGN.md): {@code /proc} → negative cache → parse cache (or a
 * parse of the same DOF in flight) → jailed parse → one stash commit → the query index; the generation goes back to the caller only after
 * the commit. Every failure becomes an errno for the caller and one log line with pid, module and
 * reason; nothing a caller sends can stop the daemon.
 */
public final class RegistrationPipeline implements HelperRequests {
    private static final Logger LOG = LoggerFactory.getLogger(RegistrationPipeline.class);
    private static final long RECLAIM_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Stash stash;
    private final ParserSupervisor parser;
    private final ProbeIndex index;
    private final ProcFs proc;
    private final IngestStats stats;
    private final ParseCache parseCache = new ParseCache(ParseCache.DEFAULT_MAX_BYTES);
    private final SharedParses<ParseCache.Key, Lookup> inFlight = new SharedParses<>();
    private final FullStashReclaimer reclaimer;
    private final RefusalLog refusals = RefusalLog.standard(LOG);
    private final RegistrationQuota quota;
    private final SharedProbeParts parts;

    /**
     * @param pruner run when a commit finds the stash full, then the commit is retried (see
     *               {@link FullStashReclaimer}: at once again after a pass that freed room, else after a second)
     */
    public RegistrationPipeline(Stash stash, ParserSupervisor parser, ProbeIndex index, ProcFs proc, IngestStats stats,
                                Pruner pruner) {
        this(stash, parser, index, proc, stats, pruner, RegistrationQuota.none());
    }

    /** @param quota how many registrations one uid, and all users but root together, may hold */
    public RegistrationPipeline(Stash stash, ParserSupervisor parser, ProbeIndex index, ProcFs proc, IngestStats stats,
                                Pruner pruner, RegistrationQuota quota) {
        this(stash, parser, index, proc, stats, pruner, quota, new SharedProbeParts());
    }

    /** @param parts the index's per-DOF parts, the ones its start-up load used */
    public RegistrationPipeline(Stash stash, ParserSupervisor parser, ProbeIndex index, ProcFs proc, IngestStats stats,
                                Pruner pruner, RegistrationQuota quota, SharedProbeParts parts) {
        this.parts = parts;
        this.quota = quota;
        this.reclaimer = new FullStashReclaimer(pruner::pruneInIoctl, System::nanoTime, RECLAIM_INTERVAL_NANOS);
        this.stash = stash;
        this.parser = parser;
        this.index = index;
        this.proc = proc;
        this.stats = stats;
    }

    @Override
    public long addDof(Caller caller, DofHelper helper, DofHeader header, byte[] dof) throws HelperException {
        return register(caller, helper, dof, false);
    }

    /**
     * Registers DOF that the daemon read from an object file of a process that did not register
     * it (org.dtprobed.adopt): the registration drti would have made, by the same path.
     */
    public long adopt(Caller caller, DofHelper helper, DofHeader header, byte[] dof) throws HelperException {
        return register(caller, helper, dof, true);
    }

    private long register(Caller caller, DofHelper helper, byte[] dof, boolean adopting) throws HelperException {
        long t0 = System.nanoTime();
        int pid = caller.pid();
        try {
            checkQuota(caller, helper);
            try (ProcessSnapshot snap = snapshot(caller, helper)) {
                Optional<Mapping> at = holder(snap, caller, helper);
                if (at.isEmpty()) {
                    throw refuse(caller, helper, "no_mapping", Errno.EINVAL, "the DOF address 0x"
                            + Long.toHexString(helper.dofAddress()) + " is not mapped");
                }
                Mapping holder = at.get();
                FileStamp stamp = FileStamp.of(pid, holder, helper.dofAddress(), dof);
                checkNegative(caller, helper, holder, stamp);
                OptionalLong earlier = adopting ? OptionalLong.empty() : adoptedGeneration(pid, holder, helper, dof);
                if (earlier.isPresent()) {
                    LOG.debug("pid {}: {} was adopted as generation {}; ADDDOF answered with it", pid,
                            printable(helper.module()), earlier.getAsLong());
                    return earlier.getAsLong();
                }
                RegistrationRecord rec = new RegistrationRecord(pid, toStash(holder), helper, snap.identity(), adopting);
                Committed c = parseAndCommit(caller, helper, holder, stamp, rec, dof, snap);
                if (adopting) {
                    stats.adopted();
                }
                ParsedDof parsed = c.parsed();
                long generation = c.generation();
                long nanos = System.nanoTime() - t0;
                stats.registered(nanos);
                if (LOG.isDebugEnabled()) { // five arguments: an array and four boxes per registration otherwise
                    LOG.debug("pid {}: registered {} ({} probes) as generation {} in {} us", pid, helper.module(),
                            parsed.probeCount(), generation, TimeUnit.NANOSECONDS.toMicros(nanos));
                }
                return generation;
            }
        } catch (HelperException e) {
            throw e;
        } catch (RuntimeException e) {
            // a bug must cost this one caller, never the transport thread
            LOG.error("pid {}: registration of {} failed unexpectedly", pid, helper.module(), e);
            throw HelperException.logged(Errno.EINVAL, "internal_error", "internal error: " + e);
        }
    }

    private ProcessSnapshot snapshot(Caller caller, DofHelper helper) throws HelperException {
        int pid = caller.pid();
        try {
            return ProcessSnapshot.forRegistration(proc, caller);
        } catch (NoSuchProcessException e) {
            throw refuse(caller, helper, "process_gone", Errno.ESRCH, e.getMessage());
        } catch (ProcException e) {
            throw refuse(caller, helper, "proc_unreadable", Errno.EINVAL, e.getMessage());
        }
    }

    private Optional<Mapping> holder(ProcessSnapshot snap, Caller caller, DofHelper helper) throws HelperException {
        try {
            return snap.mappingAt(helper.dofAddress());
        } catch (NoSuchProcessException e) {
            throw refuse(caller, helper, "process_gone", Errno.ESRCH, e.getMessage());
        } catch (ProcException e) {
            throw refuse(caller, helper, "proc_unreadable", Errno.EINVAL, e.getMessage());
        }
    }

    /**
     * Checked first, before any work (issue 19, attack 4: one process held all 8,192 registrations
     * in 25 s). Root is never refused here; concurrent registrations of one uid may pass the check
     * together, at most its in-flight share beyond the quota.
     */
    private void checkQuota(Caller caller, DofHelper helper) throws HelperException {
        String why = quota.refusal(caller.uid(), index);
        if (why != null) {
            throw refuse(caller, helper, "quota", Errno.EDQUOT, why);
        }
    }

    /** A file-backed object that was examined before and had nothing to offer is refused at once. */
    private void checkNegative(Caller caller, DofHelper helper, Mapping holder, FileStamp stamp) throws HelperException {
        if (stamp == null) {
            return;
        }
        Optional<NegativeEntry> hit = stash.negative().lookup(holder.dev(), holder.inode(), stamp.size(), stamp.mtimeNanos());
        if (hit.isPresent() && !stamp.sameBytes()) {
            LOG.debug("pid {}: {} differs from the file's bytes; judged alone, not by the negative cache", caller.pid(),
                    holder.path());
        } else if (hit.isPresent()) {
            stats.negativeCacheHit();
            throw refuse(caller, helper, "negative_cache", Errno.EINVAL, holder.path() + " was refused before: "
                    + hit.get().reason());
        }
    }

    private record Committed(ParsedDof parsed, long generation) {
    }

    /**
     * The generation of a scan's registration of this very DOF (same mapping, address and
     * content) for this process: drti's later ADDDOF of an adopted object gets it, not a duplicate.
     */
    private OptionalLong adoptedGeneration(int pid, Mapping holder, DofHelper helper, byte[] dof) {
        if (holder.anonymous()) {
            return OptionalLong.empty();
        }
        try {
            for (Registration r : stash.byMapping(pid, holder.dev(), holder.inode(), holder.start())) {
                if (r.record().adopted() && r.record().helper().dofAddress() == helper.dofAddress()
                        && r.record().helper().module().equals(helper.module())
                        && r.dofKey().equals(ContentHash.of(dof))) {
                    return OptionalLong.of(r.key().generation());
                }
            }
        } catch (StashException e) {
            LOG.warn("pid {}: registrations unreadable: {}", pid, e.getMessage());
        }
        return OptionalLong.empty();
    }

    private Committed parseAndCommit(Caller caller, DofHelper helper, Mapping holder, FileStamp stamp,
                                     RegistrationRecord rec, byte[] dof, ProcessSnapshot snap) throws HelperException {
        ContentHash content = ContentHash.of(dof);
        ParseCache.Key key = ParseCache.Key.of(content, helper.module(), caller.pid());
        ParsedDof cached = parseCache.get(key).orElse(null);
        if (cached != null) {
            stats.parseCacheHit();
            return commitParsed(caller, helper, cached, null, holder, stamp, rec, dof, content, snap);
        }
        // the parse is shared until the first registration's commit has put it in the parse cache
        return inFlight.run(key, () -> lookupOrParse(caller, helper, dof, content), r -> {
            if (r.shared() || r.value().cached()) {
                stats.parseCacheHit();
            }
            Lookup l = r.value();
            if (l.stored() != null) {
                return commitParsed(caller, helper, l.stored(), null, holder, stamp, rec, dof, content, snap);
            }
            EncodedParsedDof parsed = parsedOrRefuse(caller, helper, l.outcome(), holder, stamp);
            return commitParsed(caller, helper, parsed.dof(), parsed, holder, stamp, rec, dof, content, snap);
        });
    }

    /**
     * Refuses a parse result that may not be registered (remembered in the negative cache), else
     * commits it. The result came from memory, the stash's parse cache, a parse another
     * registration had in flight ({@code parse_cache_hits}), or the jail ({@code parses}); it serves
     * any load base. A result from the jail comes with the child's bytes ({@code fresh}), which the
     * stash stores as they came; null for one from a cache.
     */
    private Committed commitParsed(Caller caller, DofHelper helper, ParsedDof parsed, EncodedParsedDof fresh,
                                   Mapping holder, FileStamp stamp, RegistrationRecord rec, byte[] dof,
                                   ContentHash content, ProcessSnapshot snap) throws HelperException {
        List<PolicyViolation> violations = parsed.violations();
        if (!violations.isEmpty()) {
            remember(holder, stamp, Verdict.INVALID_DOF, violations.get(0).message());
            throw refuse(caller, helper, violations.get(0).rule().name(), violations.get(0).rule().errno(),
                    violations.get(0).message());
        }
        if (parsed.probeCount() == 0) {
            remember(holder, stamp, Verdict.NO_PROBES, "DOF has no probes");
            throw refuse(caller, helper, "no_probes", Errno.EINVAL, "DOF has no probes");
        }
        return new Committed(parsed, commit(caller, rec, dof, content, parsed, fresh, snap));
    }

    /**
     * What one parse-cache lookup ({@code stored}) or jailed parse ({@code outcome}) found, shared
     * with registrations waiting for it; one of the two is null.
     */
    private record Lookup(ParsedDof stored, ParseOutcome outcome) {
        boolean cached() {
            return stored != null;
        }
    }

    private Lookup lookupOrParse(Caller caller, DofHelper helper, byte[] dof, ContentHash content) {
        try {
            Optional<ParsedDof> stored = stash.findParsed(content, helper.module(), caller.pid());
            if (stored.isPresent()) {
                return new Lookup(stored.get(), null);
            }
        } catch (StashException e) {
            LOG.warn("pid {}: parse cache unreadable, parsing again: {}", caller.pid(), e.getMessage());
        }
        ParseOutcome outcome = parser.parse(helper, dof, caller.pid());
        stats.parsed();
        return new Lookup(null, outcome);
    }

    private EncodedParsedDof parsedOrRefuse(Caller caller, DofHelper helper, ParseOutcome outcome, Mapping holder,
                                            FileStamp stamp) throws HelperException {
        if (outcome instanceof ParseOutcome.Parsed p) {
            return p.result();
        }
        if (outcome instanceof ParseOutcome.Rejected r) {
            remember(holder, stamp, Verdict.INVALID_DOF, r.message());
            throw refuse(caller, helper, r.rule().name(), r.errno(), r.message());
        }
        ParseOutcome.Failed f = (ParseOutcome.Failed) outcome;
        // no verdict on the DOF itself (timeout, crash, full queue): nothing goes to the negative cache
        throw refuse(caller, helper, f.reason().name().toLowerCase(java.util.Locale.ROOT), f.errno(), f.message());
    }

    private void remember(Mapping holder, FileStamp stamp, Verdict verdict, String reason) {
        if (stamp == null || !stamp.sameBytes()) {
            return; // a verdict about a file comes only from the file's own bytes
        }
        try {
            stash.negative().record(holder.dev(), holder.inode(), stamp.size(), stamp.mtimeNanos(), verdict, reason,
                    holder.path());
        } catch (StashException e) {
            LOG.warn("negative cache: cannot remember {}: {}", holder.path(), e.getMessage());
        }
    }

    private long commit(Caller caller, RegistrationRecord rec, byte[] dof, ContentHash content, ParsedDof parsed,
                        EncodedParsedDof fresh, ProcessSnapshot snap) throws HelperException {
        int pid = rec.pid();
        CommitResult committed;
        long passes = reclaimer.passes();
        try {
            try {
                committed = commitOnce(rec, dof, parsed, fresh, content);
            } catch (StashException e) {
                if (e.kind() != StashException.Kind.FULL || !reclaimer.reclaim(passes)) {
                    throw e;
                }
                LOG.info("pid {}: stash was full; retrying after pruning dead processes", pid);
                committed = commitOnce(rec, dof, parsed, fresh, content);
            }
        } catch (StashException e) {
            throw refuse(caller, rec.helper(), "stash_" + e.kind().name().toLowerCase(java.util.Locale.ROOT),
                    e.errno(), e.getMessage());
        }
        stats.dropped(committed.dropped());
        // only now: a refused commit must leave nothing behind in memory (issue 19)
        parseCache.put(ParseCache.Key.of(content, rec.helper().module(), pid), parsed);
        // what the commit dropped of the same pid (exec, pid reuse, a re-registration whose REMOVE
        // was lost) leaves the index with the new registration's arrival
        index.add(ProbeEntries.of(committed.registration(), caller.uid(), snap, parts), committed.droppedKeys());
        return committed.key().generation();
    }

    /**
     * One commit; a refused one may still have dropped a reused or exec'd pid's registrations, which
     * the index drops too.
     *
     * @param fresh the jailed child's reply as it came, stored as is; null for a result from a cache
     */
    private CommitResult commitOnce(RegistrationRecord rec, byte[] dof, ParsedDof parsed, EncodedParsedDof fresh,
                                    ContentHash content) throws StashException {
        try {
            return fresh != null ? stash.commit(rec, dof, fresh, content) : stash.commit(rec, dof, parsed, content);
        } catch (StashException e) {
            index.removeRegistrations(e.dropped().stream().map(CommitResult.Dropped::key).toList());
            stats.dropped(e.dropped());
            throw e;
        }
    }

    @Override
    public void remove(Caller caller, long generation) {
        int pid = caller.pid();
        if (stash.remove(pid, generation)) {
            index.removeRegistration(pid, generation);
            stats.removed(IngestStats.RemovalCause.REMOVE, 1);
            LOG.debug("pid {}: removed generation {}", pid, generation);
        } else {
            LOG.debug("pid {}: REMOVE of unknown generation {}", pid, generation);
        }
    }

    /** The one log line of a refused registration; the transport counts it and writes no other. */
    private HelperException refuse(Caller caller, DofHelper helper, String reason, int errno, String message) {
        int pid = caller.pid();
        refusals.warn(caller.uid(), "pid {}: registration of {} refused ({}, errno {}): {}", pid,
                printable(helper.module()), reason, errno, message);
        return HelperException.logged(errno, reason, message);
    }

    @Override
    public void refused(String label, int errno) {
        stats.refused(label, errno);
    }

    private static String printable(String s) {
        return s.replaceAll("\\p{Cntrl}", "?");
    }

    /**
     * Size and mtime of the file behind a mapping, for the negative cache; null for anonymous
     * memory. The comparison of the DOF with the file's bytes ({@link FileCopy}) is made once, and
     * only when a verdict is to be believed or recorded: most registrations need neither.
     */
    static final class FileStamp {
        private final long size;
        private final long mtimeNanos;
        private final int pid;
        private final Mapping mapping;
        private final long address;
        private final byte[] dof;
        private Boolean sameBytes;

        private FileStamp(long size, long mtimeNanos, int pid, Mapping mapping, long address, byte[] dof) {
            this.size = size;
            this.mtimeNanos = mtimeNanos;
            this.pid = pid;
            this.mapping = mapping;
            this.address = address;
            this.dof = dof;
        }

        long size() {
            return size;
        }

        long mtimeNanos() {
            return mtimeNanos;
        }

        boolean sameBytes() {
            if (sameBytes == null) {
                sameBytes = FileCopy.matches(pid, mapping, address, dof);
            }
            return sameBytes;
        }

        static FileStamp of(int pid, Mapping m, long address, byte[] dof) {
            if (m.anonymous() || m.deleted()) {
                return null;
            }
            Path file = m.mapFile(Path.of("/proc"), pid);
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                java.time.Instant mtime = a.lastModifiedTime().toInstant();
                return new FileStamp(a.size(), mtime.getEpochSecond() * 1_000_000_000L + mtime.getNano(), pid, m,
                        address, dof);
            } catch (IOException e) {
                return null; // unmapped since, or not ours to read: no negative-cache verdict then
            }
        }
    }

    private static org.dtprobed.stash.Mapping toStash(Mapping m) {
        return new org.dtprobed.stash.Mapping(m.dev(), m.inode(), m.start(), m.path());
    }
}
