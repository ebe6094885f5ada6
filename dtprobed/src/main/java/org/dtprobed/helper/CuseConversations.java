package org.dtprobed.helper;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.dtprobed.dof.DofLimits;
import org.dtprobed.linux.Errno;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CUSE side of the helper conversation: one {@link CuseConversation} per caller thread id,
 * because the kernel interleaves the RETRY rounds of different callers (reference §2.3, commit
 * {@code 0bcaa6c4}). Rounds of one thread arrive one at a time (the thread is blocked until we
 * answer), so a conversation is touched by one worker at a time; the lock only guards against a
 * reused thread id. A conversation is dropped as soon as its request ends; one abandoned mid-way
 * (caller killed, kernel-side EFAULT) is reset by the thread's next request or swept when idle.
 */
public final class CuseConversations {
    private static final Logger LOG = LoggerFactory.getLogger(CuseConversations.class);

    /** In-flight DOF bytes over all callers; four maximal DOFs. */
    public static final long DEFAULT_BUDGET_BYTES = 4 * DofLimits.DEFAULT_MAX_LOAD_SIZE;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

    private final ConcurrentHashMap<Integer, CuseConversation> byTid = new ConcurrentHashMap<>();
    private final DofSubmission submission;
    private final CallerResolver callers;
    private final ByteBudget budget;
    private final long idleTimeoutNanos;
    private final LongSupplier clock;

    public CuseConversations(HelperRequests requests, DofLimits limits, CallerResolver callers) {
        this(requests, limits, callers, DEFAULT_BUDGET_BYTES, DEFAULT_IDLE_TIMEOUT, System::nanoTime);
    }

    CuseConversations(HelperRequests requests, DofLimits limits, CallerResolver callers, long budgetBytes,
                      Duration idleTimeout, LongSupplier clock) {
        this.submission = new DofSubmission(requests, limits);
        this.callers = callers;
        this.budget = new ByteBudget(budgetBytes);
        this.idleTimeoutNanos = idleTimeout.toNanos();
        this.clock = clock;
    }

    public IoctlReply handle(IoctlRequest r) {
        long now = clock.getAsLong();
        if (r.in().length == 0) {
            sweep(now);
        }
        CuseConversation c = byTid.computeIfAbsent(r.tid(), tid -> new CuseConversation(tid, submission, callers, budget));
        synchronized (c) {
            try {
                IoctlReply reply = c.step(r, now);
                if (!(reply instanceof IoctlReply.Retry)) {
                    byTid.remove(r.tid(), c);
                }
                return reply;
            } catch (HelperException e) {
                byTid.remove(r.tid(), c);
                return submission.refusal(r, e, LOG);
            } catch (RuntimeException e) {
                byTid.remove(r.tid(), c);
                LOG.error("tid {}: ioctl {} failed inside the daemon", r.tid(), HelperIoctl.hex(r.cmd()), e);
                return new IoctlReply.Failure(Errno.EIO, "internal error: " + e);
            } catch (OutOfMemoryError e) {
                // the caller is blocked in the kernel until it gets an answer (issue 19: state D)
                c.reset();
                byTid.remove(r.tid(), c);
                LOG.error("tid {}: ioctl {}: the daemon's heap is exhausted", r.tid(), HelperIoctl.hex(r.cmd()));
                return new IoctlReply.Failure(Errno.ENOMEM, "the daemon is out of memory");
            }
        }
    }

    /** Conversations in progress (for tests and stats). */
    public int inProgress() {
        return byTid.size();
    }

    /** DOF bytes buffered for requests in progress. */
    public long bufferedBytes() {
        return budget.used();
    }

    private void sweep(long now) {
        for (CuseConversation c : byTid.values()) {
            synchronized (c) {
                if (now - c.lastTouchNanos() > idleTimeoutNanos) {
                    c.reset();
                    byTid.values().remove(c);
                }
            }
        }
    }
}
