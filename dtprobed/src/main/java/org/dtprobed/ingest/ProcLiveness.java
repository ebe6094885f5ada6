package org.dtprobed.ingest;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.dtprobed.proc.ProcException;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.stash.PidLiveness;
import org.dtprobed.stash.ProcessIdentity;

/**
 * What {@code /proc} says about a stashed pid now: gone, or alive with this start time and
 * executable. One instance serves one pruning pass and keeps what it read, so the pass looks at
 * each process's maps once.
 */
public final class ProcLiveness implements PidLiveness {
    private final ProcFs proc;
    private final Map<Integer, ProcessSnapshot> seen = new HashMap<>();

    public ProcLiveness(ProcFs proc) {
        this.proc = proc;
    }

    @Override
    public Optional<ProcessIdentity> identity(int pid) {
        try {
            return Optional.of(snapshotOf(pid).identity());
        } catch (ProcException e) {
            // gone, a zombie without maps, or unreadable: nothing can be traced there any more
            return Optional.empty();
        }
    }

    /** The snapshot of {@code pid} this pass took, or a new one it then keeps. */
    ProcessSnapshot snapshotOf(int pid) throws ProcException {
        ProcessSnapshot s = seen.get(pid);
        if (s == null) {
            s = takeConsistent(pid);
            seen.put(pid, s);
        }
        return s;
    }

    /**
     * The maps and the {@code exe} link are two reads: an exec between them (a process that
     * registered and exec'd at once) shows the old image's maps with the new executable, which no
     * mapping holds. Read again; only a process that is gone, or stays unreadable, has no identity.
     */
    private ProcessSnapshot takeConsistent(int pid) throws ProcException {
        for (int attempt = 1; ; attempt++) {
            try {
                return ProcessSnapshot.take(proc, pid);
            } catch (org.dtprobed.proc.NoSuchProcessException e) {
                throw e;
            } catch (ProcException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    /** The snapshot this pass took of a live pid, if it asked about it. */
    Optional<ProcessSnapshot> snapshot(int pid) {
        return Optional.ofNullable(seen.get(pid));
    }
}
