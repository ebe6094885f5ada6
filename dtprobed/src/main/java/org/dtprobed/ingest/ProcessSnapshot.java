package org.dtprobed.ingest;

import java.util.List;
import java.util.Optional;
import org.dtprobed.helper.Caller;
import org.dtprobed.proc.ExecutableId;
import org.dtprobed.proc.Mapping;
import org.dtprobed.proc.ProcException;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.stash.ProcessIdentity;

/**
 * What one registration needs to know about its process, read once from {@code /proc}: the
 * mappings (sorted by address, as the kernel lists them), the executable and the start time.
 */
record ProcessSnapshot(int pid, List<Mapping> maps, ProcessIdentity identity) {
    static ProcessSnapshot take(ProcFs proc, int pid) throws ProcException {
        return take(proc, pid, Caller.UNKNOWN_START);
    }

    /**
     * As {@link #take(ProcFs, int)}, with the start time already read ({@link Caller#processStart()})
     * unless it is {@link Caller#UNKNOWN_START}.
     */
    static ProcessSnapshot take(ProcFs proc, int pid, long knownStart) throws ProcException {
        List<Mapping> maps = proc.maps(pid);
        ExecutableId exe = proc.executable(pid, maps);
        long start = knownStart == Caller.UNKNOWN_START ? proc.startTime(pid) : knownStart;
        return new ProcessSnapshot(pid, maps, new ProcessIdentity(start, exe.dev(), exe.inode()));
    }

    /** The mapping that holds {@code address} (binary search: maps are sorted and disjoint). */
    Optional<Mapping> mappingAt(long address) {
        int lo = 0;
        int hi = maps.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Mapping m = maps.get(mid);
            if (Long.compareUnsigned(address, m.start()) < 0) {
                hi = mid - 1;
            } else if (Long.compareUnsigned(address, m.end()) >= 0) {
                lo = mid + 1;
            } else {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /**
     * The object (file) that holds {@code address}, as a tracer needs it to place a uprobe: its
     * dev/inode/path, and the start and file offset of the object's first mapping. Anonymous
     * memory (runtime providers) is its own object.
     */
    ProbeEntry.Mapping objectAt(long address) {
        Optional<Mapping> at = mappingAt(address);
        if (at.isEmpty()) {
            return new ProbeEntry.Mapping(0, 0, "", address, 0);
        }
        Mapping m = at.get();
        if (m.anonymous()) {
            return new ProbeEntry.Mapping(0, 0, m.path(), m.start(), m.offset());
        }
        for (Mapping first : maps) {
            if (first.dev() == m.dev() && first.inode() == m.inode() && first.path().equals(m.path())) {
                return new ProbeEntry.Mapping(m.dev(), m.inode(), m.path(), first.start(), first.offset());
            }
        }
        return new ProbeEntry.Mapping(m.dev(), m.inode(), m.path(), m.start(), m.offset());
    }
}
