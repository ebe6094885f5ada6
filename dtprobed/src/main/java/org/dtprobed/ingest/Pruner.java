package org.dtprobed.ingest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.protocol.RegistrationKey;
import org.dtprobed.query.ProbeIndex;
import org.dtprobed.stash.Mapping;
import org.dtprobed.stash.Stash;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops what no REMOVE will ever take away: pids that died, exec'd or were reused (no REMOVE is
 * sent on exit, exec or a fatal signal), and registrations whose object was unmapped. The latter
 * is how {@code dlclose} works on the FUSE-file transport, where the kernel refuses to deliver the
 * by-value REMOVE (docs/transport.md): once a library is gone from the process, so are its probes.
 */
public final class Pruner {
    private static final Logger LOG = LoggerFactory.getLogger(Pruner.class);

    private final Stash stash;
    private final ProbeIndex index;
    private final ProcFs proc;
    private final IngestStats stats;

    public Pruner(Stash stash, ProbeIndex index, ProcFs proc, IngestStats stats) {
        this.stash = stash;
        this.index = index;
        this.proc = proc;
        this.stats = stats;
    }

    /** Counts what pruning the stash at start-up removed, as the periodic passes count theirs. */
    public static void count(List<Stash.Pruned> pruned, IngestStats stats) {
        for (Stash.Pruned p : pruned) {
            stats.removed(IngestStats.RemovalCause.of(p.cause()), p.registrations());
        }
    }

    /** One pass; returns how many registrations it removed. */
    public int prune() {
        int removed = 0;
        // read before the maps are: a registration committed after its process's maps were read
        // must not be judged by them (its object may be newer than they are)
        Map<RegistrationKey, Mapping> mappings = stash.mappings();
        ProcLiveness liveness = new ProcLiveness(proc);
        List<Stash.Pruned> pruned = stash.pruneWithCauses(liveness);
        count(pruned, stats); // counted before the index says so: whoever sees the removal sees its count
        for (Stash.Pruned p : pruned) {
            removed += index.removeRegistrations(p.removed());
        }
        stats.pruned();
        return removed + pruneUnmapped(mappings, liveness);
    }

    /**
     * A pass inside a caller's ADDDOF that found the stash full ({@link FullStashReclaimer}): the
     * fallback, counted apart, since process events should have removed the dead already.
     */
    public int pruneInIoctl() {
        stats.prunedInIoctl();
        return prune();
    }

    /**
     * Prunes one pid the kernel said exited or exec'd ({@code event}); returns how many
     * registrations went. The same checks as a pass: a pid that lives on in the same image keeps them.
     */
    public int pruneOne(int pid, String event) {
        Optional<Stash.Pruned> p = stash.prunePid(pid, new ProcLiveness(proc));
        if (p.isEmpty()) {
            return 0;
        }
        count(List.of(p.get()), stats);
        int removed = index.removeRegistrations(p.get().removed());
        LOG.debug("pid {}: {} seen as it happened; {} registrations removed", pid, event, removed);
        return removed;
    }

    /**
     * Re-checks one process that opened and released the helper file without an ioctl: on the FUSE
     * file that is drti's destructor, whose REMOVE the kernel refused (dlclose, or exit). Drops
     * its registrations whose object is no longer mapped, or all of them when it exited or exec'd;
     * returns how many went. Cheap when nothing changed: one read of its maps.
     */
    public int recheck(int pid) {
        Map<RegistrationKey, Mapping> mappings = stash.mappingsOfPid(pid); // before the maps: see prune()
        if (mappings.isEmpty()) {
            return 0;
        }
        ProcLiveness liveness = new ProcLiveness(proc);
        Optional<Stash.Pruned> p = stash.prunePid(pid, liveness);
        if (p.isPresent()) {
            count(List.of(p.get()), stats);
            return index.removeRegistrations(p.get().removed());
        }
        return pruneUnmapped(mappings, liveness);
    }

    /**
     * Judges the registrations in {@code mappings} by the maps the liveness pass read; a pid it did
     * not ask about (registered since) waits for the next look.
     */
    private int pruneUnmapped(Map<RegistrationKey, Mapping> mappings, ProcLiveness liveness) {
        Map<Integer, List<Map.Entry<RegistrationKey, Mapping>>> byPid = new HashMap<>();
        for (Map.Entry<RegistrationKey, Mapping> e : mappings.entrySet()) {
            if (!e.getValue().anonymous()) {
                byPid.computeIfAbsent(e.getKey().pid(), p -> new ArrayList<>()).add(e);
            }
        }
        int removed = 0;
        for (Map.Entry<Integer, List<Map.Entry<RegistrationKey, Mapping>>> pid : byPid.entrySet()) {
            Optional<ProcessSnapshot> snap = liveness.snapshot(pid.getKey());
            if (snap.isPresent()) {
                removed += removeUnmapped(pid.getValue(), snap.get().maps());
            }
        }
        return removed;
    }

    private int removeUnmapped(List<Map.Entry<RegistrationKey, Mapping>> regs, List<org.dtprobed.proc.Mapping> maps) {
        int removed = 0;
        for (Map.Entry<RegistrationKey, Mapping> reg : regs) {
            if (stillMapped(reg.getValue(), maps)) {
                continue;
            }
            RegistrationKey k = reg.getKey();
            if (stash.remove(k.pid(), k.generation())) {
                stats.removed(IngestStats.RemovalCause.UNMAP, 1);
                index.removeRegistration(k.pid(), k.generation());
                removed++;
                LOG.info("pid {}: generation {} removed: {} is no longer mapped at 0x{}", k.pid(),
                        k.generation(), reg.getValue().path(), Long.toHexString(reg.getValue().start()));
            }
        }
        return removed;
    }

    private static boolean stillMapped(Mapping m, List<org.dtprobed.proc.Mapping> maps) {
        for (org.dtprobed.proc.Mapping x : maps) {
            if (x.start() == m.start() && x.dev() == m.dev() && x.inode() == m.inode()) {
                return true;
            }
        }
        return false;
    }
}
