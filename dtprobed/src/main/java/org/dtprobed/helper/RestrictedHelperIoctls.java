package org.dtprobed.helper;

import java.util.Arrays;
import org.dtprobed.dof.DofHeader;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.dof.DofLimits;
import org.dtprobed.linux.Errno;
import org.dtprobed.proc.NoSuchProcessException;
import org.dtprobed.proc.ProcException;
import org.dtprobed.proc.ProcessMemory;
import org.dtprobed.proc.UnreadableMemoryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The helper conversation on a FUSE regular file (kernel facts §B): ioctls arrive in restricted
 * mode, so the kernel has already copied {@code _IOC_SIZE(cmd)} bytes at {@code arg} (the 80-byte
 * {@code dof_helper_t} for ADDDOF) and a RETRY would only give the caller EIO. The DOF header and
 * then the DOF itself are therefore read from the caller's memory while it is blocked in the ioctl.
 * Each request is complete in one round, so there is no per-caller state to go stale.
 */
public final class RestrictedHelperIoctls {
    private static final Logger LOG = LoggerFactory.getLogger(RestrictedHelperIoctls.class);

    private final DofSubmission submission;
    private final ProcessMemory memory;
    private final CallerResolver callers;
    private final ByteBudget budget = new ByteBudget(CuseConversations.DEFAULT_BUDGET_BYTES);
    /** The smallest page size of the architectures the daemon runs on. */
    private static final int READ_BLOCK = 4096;

    public RestrictedHelperIoctls(HelperRequests requests, DofLimits limits, ProcessMemory memory,
                                  CallerResolver callers) {
        this.submission = new DofSubmission(requests, limits);
        this.memory = memory;
        this.callers = callers;
    }

    public IoctlReply handle(IoctlRequest r) {
        try {
            switch (HelperIoctl.of(r.cmd())) {
                case ADDDOF:
                    return new IoctlReply.Result(addDof(r));
                case REMOVE:
                    Caller caller = callers.resolve(r.tid(), r.uid(), r.gid());
                    submission.remove(caller, r.arg() & 0xFFFF_FFFFL);
                    LOG.debug("pid {} (tid {}): removed generation {}", caller.pid(), r.tid(), r.arg() & 0xFFFF_FFFFL);
                    return new IoctlReply.Result(0);
                default:
                    throw new HelperException(Errno.EINVAL, "invalid ioctl " + HelperIoctl.hex(r.cmd()));
            }
        } catch (HelperException e) {
            return submission.refusal(r, e, LOG);
        } catch (RuntimeException e) {
            LOG.error("tid {}: ioctl {} failed inside the daemon", r.tid(), HelperIoctl.hex(r.cmd()), e);
            return new IoctlReply.Failure(Errno.EIO, "internal error: " + e);
        } catch (OutOfMemoryError e) {
            // the caller is blocked in the kernel until it gets an answer (issue 19: state D)
            LOG.error("tid {}: ioctl {}: the daemon's heap is exhausted", r.tid(), HelperIoctl.hex(r.cmd()));
            return new IoctlReply.Failure(Errno.ENOMEM, "the daemon is out of memory");
        }
    }

    private int addDof(IoctlRequest r) throws HelperException {
        byte[] in = r.in();
        if (r.cmd() == HelperIoctl.ADDDOF_ILLUMOS_CMD && in.length >= DofHelper.SIZE) {
            // the illumos number's size bits ask for 9332 bytes; the helper is the first 80
            in = Arrays.copyOf(in, DofHelper.SIZE);
        }
        DofHelper helper = DofSubmission.helper(in);
        Caller caller = callers.resolve(r.tid(), r.uid(), r.gid());
        byte[] prefix = fetch(caller, helper.dofAddress(), prefixLength(helper.dofAddress()), "DOF header");
        byte[] first = Arrays.copyOf(prefix, DofHeader.SIZE);
        DofHeader header = submission.header(first);
        // loadSize < DofLimits.maxLoadSize (checked by the validator), so the int cast is exact
        int size = (int) header.loadSize();
        budget.acquire(size, caller.tid());
        byte[] dof;
        int gen;
        try {
            // a DOF within the header's read is not read again: the same bytes, so no header to compare
            dof = size <= prefix.length ? Arrays.copyOf(prefix, size) : fetch(caller, helper.dofAddress(), size, "DOF");
            gen = submission.submit(caller, helper, first, header, dof);
        } finally {
            budget.release(size);
        }
        if (LOG.isDebugEnabled()) { // five arguments: an array and three boxes per registration otherwise
            LOG.debug("pid {} (tid {}): registered {} bytes of DOF from {} as generation {}", caller.pid(), caller.tid(),
                    dof.length, helper.module(), gen);
        }
        return gen;
    }

    /**
     * How much the first read takes at the DOF address: the header, and the rest of the 4 KiB block
     * it starts in. Memory is readable page by page and a page is at least such a block, so the
     * read can fail only where the header itself is unreadable; a small DOF (most are) is then
     * read by this one {@code process_vm_readv}.
     */
    static int prefixLength(long address) {
        int toBlockEnd = READ_BLOCK - (int) (address & (READ_BLOCK - 1));
        return Math.max(DofHeader.SIZE, toBlockEnd);
    }

    private byte[] fetch(Caller caller, long address, int length, String what) throws HelperException {
        try {
            return memory.read(caller.tid(), address, length);
        } catch (UnreadableMemoryException e) {
            throw new HelperException(Errno.EFAULT, what + " at 0x" + Long.toHexString(address) + " is not readable: "
                    + e.getMessage(), e);
        } catch (NoSuchProcessException e) {
            throw new HelperException(Errno.ESRCH, "caller exited while its " + what + " was read", e);
        } catch (ProcException e) {
            throw new HelperException(Errno.EFAULT, "cannot read the " + what + ": " + e.getMessage(), e);
        }
    }
}
