package org.dtprobed.helper;

import org.dtprobed.dof.DofHeader;
import org.dtprobed.dof.DofHelper;

/**
 * What the transport hands each complete helper request to: the registration pipeline in the
 * daemon, an in-memory implementation in tests. Called on a transport worker thread; calls for
 * different callers may run concurrently, and an implementation may block (the caller's ioctl
 * waits for the answer, which is what makes registration synchronous).
 */
public interface HelperRequests {
    /**
     * Registers one DOF blob.
     *
     * @param header the validated 64-byte header; {@code dof.length == header.loadSize()} and the
     *               first 64 bytes of {@code dof} are the bytes that were validated
     * @param dof    the whole DOF, exactly {@code loadsz} bytes, owned by the callee from now on
     * @return the generation (0 .. {@link Integer#MAX_VALUE}) that the caller's ioctl returns
     * @throws HelperException with the errno for the caller
     */
    long addDof(Caller caller, DofHelper helper, DofHeader header, byte[] dof) throws HelperException;

    /**
     * Removes the registration {@code generation} of {@code caller.pid()}. Not knowing it is not an
     * error (as in dtprobed): the caller gets 0 either way unless this throws.
     */
    void remove(Caller caller, long generation) throws HelperException;

    /** Told of every refused ioctl, wherever it was refused (for the refusal counters). */
    default void refused(String label, int errno) {
    }
}
