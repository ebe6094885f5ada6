package org.dtprobed.helper;

import org.dtprobed.dof.DofHeader;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.linux.Errno;

/**
 * One caller thread's ADDDOF over CUSE (reference §2.3, as dtprobed's {@code dtprobed_fuse_state_t}):
 * an explicit state machine, one method per state. The kernel re-issues the caller's ioctl after
 * every RETRY with exactly the bytes asked for, so each state knows the {@code in_size} it must
 * see. Differences from dtprobed, on purpose:
 * <ul>
 *   <li>{@code in_size == 0} always starts afresh: the kernel's first round carries no data, and a
 *       round abandoned by a kernel-side EFAULT/ENOMEM leaves no trace to misread (§7.3 item 8);</li>
 *   <li>every failure resets (try/finally), so a failed request never affects the next one;</li>
 *   <li>a last chunk shorter than 64 bytes is accepted (§7.3 item 17);</li>
 *   <li>the size used is the validated header's, and the fetched DOF must begin with that header.</li>
 * </ul>
 * Not thread-safe; {@link CuseConversations} serialises the rounds of one thread.
 */
final class CuseConversation {
    /** Bytes per RETRY round: the kernel gives the caller ENOMEM above ~128 KiB (§A.4). */
    static final int CHUNK = 64 * 1024;

    enum State { START, HELPER, DOF_HEADER, DOF_CHUNK }

    private final int tid;
    private final DofSubmission submission;
    private final CallerResolver callers;
    private final ByteBudget budget;

    private State state = State.START;
    private int cmd;
    private long arg;
    private DofHelper helper;
    private byte[] header;
    private DofHeader validated;
    private byte[] dof;
    private int fetched;
    private int expected;
    private long lastTouchNanos;

    CuseConversation(int tid, DofSubmission submission, CallerResolver callers, ByteBudget budget) {
        this.tid = tid;
        this.submission = submission;
        this.callers = callers;
        this.budget = budget;
    }

    State state() {
        return state;
    }

    long lastTouchNanos() {
        return lastTouchNanos;
    }

    /** Handles one round; any exception leaves the conversation back at START. */
    IoctlReply step(IoctlRequest r, long nowNanos) throws HelperException {
        lastTouchNanos = nowNanos;
        boolean ok = false;
        try {
            IoctlReply reply = dispatch(r);
            ok = reply instanceof IoctlReply.Retry;
            return reply;
        } finally {
            if (!ok) {
                reset();
            }
        }
    }

    private IoctlReply dispatch(IoctlRequest r) throws HelperException {
        if (r.in().length == 0) {
            reset();
            return start(r);
        }
        if (state == State.START) {
            throw new HelperException(Errno.EINVAL, "unexpected " + r.in().length + " bytes with no request in progress");
        }
        if (r.cmd() != cmd || r.arg() != arg) {
            throw new HelperException(Errno.EINVAL, "ioctl " + HelperIoctl.hex(r.cmd()) + " changed mid-request (was "
                    + HelperIoctl.hex(cmd) + ")");
        }
        if (r.in().length != expected) {
            throw new HelperException(Errno.EINVAL, state + ": got " + r.in().length + " bytes, asked for " + expected);
        }
        switch (state) {
            case HELPER:
                return onHelper(r.in());
            case DOF_HEADER:
                return onHeader(r.in());
            case DOF_CHUNK:
                return onChunk(r);
            default:
                throw new IllegalStateException(state.toString());
        }
    }

    private IoctlReply start(IoctlRequest r) throws HelperException {
        switch (HelperIoctl.of(r.cmd())) {
            case REMOVE:
                submission.remove(callers.resolve(r.tid(), r.uid(), r.gid()), r.arg() & 0xFFFF_FFFFL);
                return new IoctlReply.Result(0);
            case ADDDOF:
                cmd = r.cmd();
                arg = r.arg();
                return ask(State.HELPER, r.arg(), DofHelper.SIZE);
            default:
                throw new HelperException(Errno.EINVAL, "invalid ioctl " + HelperIoctl.hex(r.cmd()));
        }
    }

    private IoctlReply onHelper(byte[] in) throws HelperException {
        helper = DofSubmission.helper(in);
        return ask(State.DOF_HEADER, helper.dofAddress(), DofHeader.SIZE);
    }

    private IoctlReply onHeader(byte[] in) throws HelperException {
        DofHeader h = submission.header(in);
        int size = (int) h.loadSize(); // below DofLimits.maxLoadSize, checked by the validator
        budget.acquire(size, tid);
        validated = h; // from here on reset() gives the bytes back
        header = in;
        dof = new byte[size];
        fetched = 0;
        return ask(State.DOF_CHUNK, helper.dofAddress(), Math.min(CHUNK, size));
    }

    private IoctlReply onChunk(IoctlRequest r) throws HelperException {
        System.arraycopy(r.in(), 0, dof, fetched, r.in().length);
        fetched += r.in().length;
        if (fetched < dof.length) {
            return ask(State.DOF_CHUNK, helper.dofAddress() + fetched, Math.min(CHUNK, dof.length - fetched));
        }
        Caller caller = callers.resolve(r.tid(), r.uid(), r.gid());
        byte[] whole = dof;
        dof = null; // handed over: the budget is released in reset(), the array belongs to the callee
        return new IoctlReply.Result(submission.submit(caller, helper, header, validated, whole));
    }

    private IoctlReply ask(State next, long base, int length) {
        state = next;
        expected = length;
        return IoctlReply.Retry.of(base, length);
    }

    void reset() {
        if (validated != null) {
            budget.release((int) validated.loadSize());
        }
        state = State.START;
        helper = null;
        header = null;
        validated = null;
        dof = null;
        fetched = 0;
        expected = 0;
    }
}
