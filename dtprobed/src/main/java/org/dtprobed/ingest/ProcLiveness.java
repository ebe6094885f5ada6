package org.dtprobed.ingest;

import java.util.Optional;
import org.dtprobed.proc.ExecutableId;
import org.dtprobed.proc.ProcException;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.stash.PidLiveness;
import org.dtprobed.stash.ProcessIdentity;

/** What {@code /proc} says about a stashed pid now: gone, or alive with this start time and executable. */
public final class ProcLiveness implements PidLiveness {
    private final ProcFs proc;

    public ProcLiveness(ProcFs proc) {
        this.proc = proc;
    }

    @Override
    public Optional<ProcessIdentity> identity(int pid) {
        try {
            long start = proc.startTime(pid);
            ExecutableId exe = proc.executable(pid);
            return Optional.of(new ProcessIdentity(start, exe.dev(), exe.inode()));
        } catch (ProcException e) {
            // gone, a zombie without maps, or unreadable: nothing can be traced there any more
            return Optional.empty();
        }
    }
}
