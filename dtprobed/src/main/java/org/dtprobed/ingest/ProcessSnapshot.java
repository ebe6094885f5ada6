package org.dtprobed.ingest;

import java.util.List;
import java.util.Optional;
import org.dtprobed.helper.Caller;
import org.dtprobed.proc.AddressSpace;
import org.dtprobed.proc.ExecutableId;
import org.dtprobed.proc.Mapping;
import org.dtprobed.proc.ProcException;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.proc.ProcStat;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.stash.ProcessIdentity;

/**
 * What one registration, or one pruning look at a process, needs to know about it: its mappings
 * and its identity (start time and executable). A pruning pass reads the maps text once per pid;
 * a registration asks the kernel about the few addresses it needs where the kernel answers
 * (PROCMAP_QUERY, {@link ProcFs#addressSpace}).
 */
final class ProcessSnapshot implements AutoCloseable {
    private final int pid;
    private final AddressSpace space;
    private final ProcessIdentity identity;

    private ProcessSnapshot(int pid, AddressSpace space, ProcessIdentity identity) {
        this.pid = pid;
        this.space = space;
        this.identity = identity;
    }

    /**
     * One read of the maps text and of {@code stat}: the pruning pass's look. The stat's code start
     * names the executable's text among the mappings, so the {@code exe} link is read only where
     * it does not (an exec between the two reads).
     */
    static ProcessSnapshot take(ProcFs proc, int pid) throws ProcException {
        return identified(proc, pid, AddressSpace.of(proc.maps(pid)));
    }

    /**
     * The start-up's look at a stashed pid: as {@link #take}, but the mappings are asked of the
     * kernel where it answers (PROCMAP_QUERY: the executable's text and then the probes' objects,
     * a few questions instead of the whole text). The caller {@link #close}s it after its
     * questions; a question after that opens the maps file again, to be closed again.
     */
    static ProcessSnapshot takeAsking(ProcFs proc, int pid) throws ProcException {
        return identified(proc, pid, proc.addressSpace(pid));
    }

    private static ProcessSnapshot identified(ProcFs proc, int pid, AddressSpace space) throws ProcException {
        try {
            ProcStat stat = proc.stat(pid);
            ExecutableId exe = proc.executable(pid, space, stat);
            return new ProcessSnapshot(pid, space, new ProcessIdentity(stat.startTime(), exe.dev(), exe.inode()));
        } catch (ProcException | RuntimeException e) {
            space.close();
            throw e;
        }
    }

    /**
     * A registration's look: the caller's stat, read while resolving it, already gives the start
     * time (when the main thread called) and the code start, so only what they do not answer is read.
     */
    static ProcessSnapshot forRegistration(ProcFs proc, Caller caller) throws ProcException {
        int pid = caller.pid();
        AddressSpace space = proc.addressSpace(pid);
        ProcStat stat = caller.processStart() != Caller.UNKNOWN_START
                ? new ProcStat(caller.processStart(), caller.codeStart()) : proc.stat(pid);
        try {
            ExecutableId exe = proc.executable(pid, space, stat);
            return new ProcessSnapshot(pid, space, new ProcessIdentity(stat.startTime(), exe.dev(), exe.inode()));
        } catch (ProcException | RuntimeException e) {
            space.close();
            throw e;
        }
    }

    /** Ends a registration's look (closes the maps file the kernel route keeps open meanwhile). */
    @Override
    public void close() {
        space.close();
    }

    int pid() {
        return pid;
    }

    ProcessIdentity identity() {
        return identity;
    }

    /**
     * Every mapping, sorted by address: read now if this snapshot asked the kernel instead, and
     * none if the process is gone by then.
     */
    List<Mapping> maps() {
        try {
            return space.all();
        } catch (ProcException e) {
            return List.of();
        }
    }

    /** The mapping that holds {@code address}. */
    Optional<Mapping> mappingAt(long address) throws ProcException {
        return space.mappingAt(address);
    }

    /**
     * The object (file) that holds {@code address}, as a tracer needs it to place a uprobe: its
     * dev/inode/path, and the start and file offset of the object's first mapping. Anonymous
     * memory (runtime providers) is its own object; a process that is gone by now holds nothing.
     */
    ProbeEntry.Mapping objectAt(long address) {
        Optional<Mapping> at;
        Mapping first;
        try {
            at = space.mappingAt(address);
            first = at.isPresent() ? space.firstOf(at.get()) : null;
        } catch (ProcException e) {
            at = Optional.empty();
            first = null;
        }
        if (at.isEmpty()) {
            return new ProbeEntry.Mapping(0, 0, "", address, 0);
        }
        Mapping m = at.get();
        if (m.anonymous()) {
            return new ProbeEntry.Mapping(0, 0, m.path(), m.start(), m.offset());
        }
        return new ProbeEntry.Mapping(m.dev(), m.inode(), m.path(), first.start(), first.offset());
    }
}
