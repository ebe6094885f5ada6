package org.dtprobed.lifecycle;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;
import org.dtprobed.fuse.OpenWatch;
import org.dtprobed.ingest.Pruner;
import org.dtprobed.proc.ProcException;
import org.dtprobed.proc.ProcFs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code dlclose} on the FUSE file (issue 14). drti's destructor opens the helper, sends REMOVE
 * with the generation by value, which the kernel refuses before asking us, and closes it: the
 * daemon sees an open and a release with no ioctl between them. When the opener's process has
 * registrations, its maps are read again {@link #LOOKS_MILLIS} after the release, and each look
 * drops the registrations whose object is no longer mapped (all of them if the process exited or
 * exec'd) through {@link Pruner#recheck}, so through the stash and the index like every removal.
 *
 * <p>Why several looks: the destructor runs before the object is unmapped, and the release may
 * reach us first; on a loaded machine the gap has no bound. A release during the looks starts
 * them over (a second library closed). Why this is safe whoever opens the file: a look only
 * removes what the kernel no longer maps in that process, which no REMOVE could have kept alive,
 * and an unprivileged user can only make us look at its own processes, at most
 * {@code LOOKS_MILLIS.length} times per release, with {@link #MAX_QUEUED} releases waiting at most
 * (the rest are counted and left to the periodic pass).
 */
public final class DlcloseRechecks implements OpenWatch, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DlcloseRechecks.class);
    /** When the maps are read again, after the release. */
    static final long[] LOOKS_MILLIS = {5, 50, 500};
    static final int MAX_QUEUED = 1024;

    private final Pruner pruner;
    private final IntPredicate registered;
    private final ProcFs proc;
    private final ScheduledExecutorService timer;
    /** Pid → index of its next look; only touched on the timer thread. */
    private final Map<Integer, int[]> looking = new HashMap<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicInteger lookingAt = new AtomicInteger();
    private final AtomicLong releases = new AtomicLong();
    private final AtomicLong looks = new AtomicLong();
    private final AtomicLong removed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    public DlcloseRechecks(Pruner pruner, IntPredicate registered, ProcFs proc) {
        this.pruner = pruner;
        this.registered = registered;
        this.proc = proc;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dtprobed-dlclose");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Only a process with registrations matters; a thread's process is read from {@code /proc}
     * now, since the thread that calls dlclose may be gone by the release (one read per open by a
     * thread that is not a registered process's main thread: a process's first registration pays it).
     */
    @Override
    public int opened(int tid) {
        if (registered.test(tid)) {
            return tid;
        }
        try {
            int pid = proc.tgid(tid);
            return pid != tid && registered.test(pid) ? pid : 0;
        } catch (ProcException e) {
            return 0;
        }
    }

    @Override
    public void releasedWithoutIoctl(int pid) {
        if (queued.incrementAndGet() > MAX_QUEUED) {
            queued.decrementAndGet();
            dropped.incrementAndGet();
            return;
        }
        try {
            timer.execute(() -> {
                try {
                    begin(pid);
                } finally {
                    queued.decrementAndGet(); // after begin: pending() never reads 0 in between
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            queued.decrementAndGet(); // closing
        }
    }

    private void begin(int pid) {
        if (!registered.test(pid)) {
            return;
        }
        releases.incrementAndGet();
        int[] next = looking.get(pid);
        if (next != null) {
            next[0] = 0;
            return;
        }
        looking.put(pid, new int[] {0});
        lookingAt.set(looking.size());
        timer.schedule(() -> look(pid), LOOKS_MILLIS[0], TimeUnit.MILLISECONDS);
    }

    private void look(int pid) {
        int[] next = looking.get(pid);
        long at = LOOKS_MILLIS[next[0]];
        next[0]++;
        looks.incrementAndGet();
        try {
            int n = pruner.recheck(pid);
            if (n > 0) {
                removed.addAndGet(n);
                LOG.debug("pid {}: {} registrations gone {} ms after a release without an ioctl", pid, n, at);
            }
        } catch (RuntimeException e) {
            LOG.warn("pid {}: re-checking the maps after a release failed: {}", pid, e.toString());
        }
        if (next[0] < LOOKS_MILLIS.length && registered.test(pid)) {
            long after = LOOKS_MILLIS[next[0]] - at;
            timer.schedule(() -> look(pid), Math.max(1, after), TimeUnit.MILLISECONDS);
        } else {
            looking.remove(pid);
            lookingAt.set(looking.size());
        }
    }

    /** Releases without an ioctl by a process with registrations. */
    public long releases() {
        return releases.get();
    }

    /** Reads of a process's maps they caused. */
    public long looks() {
        return looks.get();
    }

    /** Registrations they removed. */
    public long removed() {
        return removed.get();
    }

    /** Processes whose looks are not over (waiting releases not counted). */
    public int pending() {
        return lookingAt.get() + queued.get();
    }

    /** Releases not looked into because {@link #MAX_QUEUED} were waiting. */
    public long dropped() {
        return dropped.get();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
