package org.dtprobed.ingest;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
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
    /** Concurrent: the start-up's lookers take the snapshots of their own pids side by side. */
    private final Map<Integer, ProcessSnapshot> seen = new ConcurrentHashMap<>();
    private final boolean asking;

    public ProcLiveness(ProcFs proc) {
        this(proc, false);
    }

    private ProcLiveness(ProcFs proc, boolean asking) {
        this.proc = proc;
        this.asking = asking;
    }

    /**
     * The start-up's pass (the stash's index and its pruning): each look asks the kernel about the
     * addresses it needs where it answers (PROCMAP_QUERY) instead of reading the whole maps text;
     * what a look asked is let go after it ({@link #identity}, and the index loader after its entries).
     */
    public static ProcLiveness asking(ProcFs proc) {
        return new ProcLiveness(proc, true);
    }

    @Override
    public Optional<ProcessIdentity> identity(int pid) {
        try {
            ProcessSnapshot s = snapshotOf(pid);
            s.close(); // nothing more is asked of it here
            return Optional.of(s.identity());
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
                return asking ? ProcessSnapshot.takeAsking(proc, pid) : ProcessSnapshot.take(proc, pid);
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
