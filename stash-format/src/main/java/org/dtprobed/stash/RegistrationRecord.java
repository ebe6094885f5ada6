package org.dtprobed.stash;

import org.dtprobed.dof.DofHelper;

/**
 * What the daemon knows about one ADDDOF when it commits it: who, from where, with which helper.
 *
 * @param pid      the registering process
 * @param mapping  the mapping that holds the DOF
 * @param helper   the {@code dof_helper_t} (module name, load base, DOF address)
 * @param process  start time and executable of the process, to detect pid reuse and exec
 * @param adopted  made by the daemon's scan from the object file, not by the process's ADDDOF
 */
public record RegistrationRecord(int pid, Mapping mapping, DofHelper helper, ProcessIdentity process,
                                 boolean adopted) {
    /** A registration its process made with ADDDOF. */
    public RegistrationRecord(int pid, Mapping mapping, DofHelper helper, ProcessIdentity process) {
        this(pid, mapping, helper, process, false);
    }

    public RegistrationRecord {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be positive, got " + pid);
        }
        if (mapping == null || helper == null || process == null) {
            throw new NullPointerException("mapping, helper and process are required");
        }
    }
}
