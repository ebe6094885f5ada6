package org.dtprobed.probestree;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.dtprobed.protocol.ProbeEntry;
import org.dtprobed.query.IndexEvent;
import org.dtprobed.query.IndexListener;
import org.dtprobed.query.ProbeIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code probes/} tree that Oracle's {@code dtrace} reads (dtprobed-facts §5.1, §5.8): a view of
 * the index, as the index is a view of the stash. It follows the index's events, so every way a
 * registration comes or goes (ADDDOF, REMOVE, exit, exec, pid reuse, unmapped object, prune, adoption)
 * reaches it, in the index's order; and it is written while the index publishes, before the ADDDOF
 * is answered, so a tracer started by the registered program sees its probes. At start it is made
 * to match the index: files of dead pids and stray entries removed, missing or differing files
 * written, the rest kept. It is never read back as a source of truth.
 */
public final class ProbesTree implements IndexListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProbesTree.class);
    private static final long PID = ProcessHandle.current().pid();

    private final Path root;
    private final Path staging;
    private final TreeFiles files;
    /** Each process's files, as its registrations in the tree make them. */
    private final Map<Integer, TreeLayout> byPid = new HashMap<>();
    private final AtomicLong fileCount = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong removed = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    /** Process directories taken whole from one that went (a fork child, the next run of a program). */
    private final AtomicLong reused = new AtomicLong();
    /** The processes whose directory holds exactly what their first registration made: reusable when they go. */
    private final Map<Integer, Shape> shapes = new HashMap<>();
    /** Processes whose files could not all be written or removed: {@link #mend} makes them right. */
    private final Set<Integer> toMend = new java.util.LinkedHashSet<>();
    private ProbeIndex.Subscription subscription;
    /** The check of the directories a restart kept, started by {@link #verifyInBackground}. */
    private Thread verifier;
    private boolean closed;
    /** Why the last write or removal failed, for the one line that reports a registration's failures. */
    private String lastError = "";

    private ProbesTree(Path root, Path staging, TreeFiles files) {
        this.root = root;
        this.staging = staging;
        this.files = files;
    }

    /** The numbers {@code stats} shows. */
    public record Stats(long files, long written, long removed, long failures, long reused) {
    }

    /**
     * Makes the tree at {@code root} match the index and keeps it so, checking the directories a
     * restart kept in the background at once; makes no inodes ahead (tests and tools: the daemon uses
     * {@link #attachUnverified} and {@link #verifyInBackground}).
     *
     * @param root    {@code STATE-DIR/probes}, an existing real directory of this daemon's
     * @param staging an existing real directory of this daemon's on the same file system
     */
    public static ProbesTree attach(Path root, Path staging, ProbeIndex index) throws IOException {
        ProbesTree tree = attachUnverified(root, staging, index);
        tree.startVerifier();
        return tree;
    }

    /**
     * {@link #attach}, but the directories a restart kept are checked file by file only once
     * {@link #verifyInBackground} is called: the daemon calls it once it is ready, so that reading
     * every file (200,000 with 10,000 processes) does not take a core from the start on 2 cores.
     * Until then those files are what the previous run wrote for the same processes.
     */
    public static ProbesTree attachUnverified(Path root, Path staging, ProbeIndex index) throws IOException {
        // the daemon's own way (the match on a thread of its own), awaited: one path for both
        return attachUnverifiedBeside(root, staging, index).await();
    }

    /** A tree following the index, and the match of its files to the index, still running. */
    public record Attaching(ProbesTree tree, FutureTask<Void> match) {
        /** Waits for the match; its failure (the tree is then closed) as it was thrown. */
        public ProbesTree await() throws IOException {
            boolean interrupted = false;
            try {
                while (true) {
                    try {
                        match.get();
                        return tree;
                    } catch (InterruptedException e) {
                        interrupted = true; // the match is bounded by the index: finish, then keep the interrupt
                    }
                }
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof IOException io) {
                    throw io;
                }
                if (c instanceof RuntimeException re) {
                    throw re;
                }
                if (c instanceof Error er) {
                    throw er;
                }
                throw new IOException(c);
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /**
     * {@link #attachUnverified}, the match of the tree to the index (with 10,000 processes a few
     * hundred ms on one core) on a thread of its own: this returns once the tree follows the index,
     * so that the start's next steps (the device, the query socket, the scan) run beside the match.
     * An index change from then on waits for the match (the tree's lock) and then reaches the tree,
     * in the index's order, as with {@link #attachUnverified}. {@link Attaching#await} before ready.
     */
    public static Attaching attachUnverifiedBeside(Path root, Path staging, ProbeIndex index) throws IOException {
        ProbesTree tree = new ProbesTree(root, staging, TreeFiles.open(root, staging));
        CountDownLatch following = new CountDownLatch(1);
        FutureTask<Void> match = new FutureTask<>(() -> {
            tree.follow(index, following::countDown);
            return null;
        });
        Thread t = new Thread(match, "probes-tree-attach");
        t.setDaemon(true);
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                following.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return new Attaching(tree, match);
    }

    /**
     * Subscribes to the index and matches the tree to its snapshot, holding the tree's lock from
     * before the subscription: an event the index publishes meanwhile waits, and comes after the
     * snapshot. {@code subscribed} runs once the subscription is in place (or failed).
     */
    private void follow(ProbeIndex index, Runnable subscribed) throws IOException {
        try {
            synchronized (this) {
                try {
                    subscription = index.subscribe(this, true);
                } finally {
                    subscribed.run();
                }
                List<Integer> toVerify = start(subscription.snapshot());
                if (!toVerify.isEmpty()) {
                    Thread t = new Thread(() -> verify(toVerify), "probes-tree-verify");
                    t.setDaemon(true);
                    verifier = t;
                }
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * The daemon is ready: starts the check of the directories a restart kept, if there are any
     * (once), and from now on keeps inodes made ahead for new content ({@link TreeFiles#prepare}).
     */
    public synchronized void verifyInBackground() {
        startVerifier();
        if (!closed) {
            files.prepare();
        }
    }

    private synchronized void startVerifier() {
        if (verifier != null && verifier.getState() == Thread.State.NEW && !closed) {
            verifier.start();
        }
    }

    /** Removes a tree left by a run that wrote one, so that no tracer reads what nobody keeps current. */
    public static void removeStale(Path root) throws IOException {
        if (Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            deleteRecursively(root);
            LOG.info("pid {}: probes tree off: removed the tree {} an earlier run left", PID, root);
        }
    }

    public Stats stats() {
        return new Stats(fileCount.get(), written.get(), removed.get(), failures.get(), reused.get());
    }

    @Override
    public synchronized void onEvent(IndexEvent event) {
        if (event instanceof IndexEvent.Registered r) {
            registered(r.pid(), r.generation(), r.probes());
        } else if (event instanceof IndexEvent.Removed r) {
            removedRegistration(r.pid(), r.generation());
        }
    }

    private void registered(int pid, long generation, List<ProbeEntry> probes) {
        TreeLayout layout = byPid.computeIfAbsent(pid, p -> new TreeLayout());
        boolean first = layout.isEmpty();
        int had = layout.fileCount();
        Set<TreeLayout.FileKey> changed = layout.add(generation, probes);
        fileCount.addAndGet(layout.fileCount() - had);
        int failed = 0;
        Map<TreeLayout.FileKey, ProbeFile.Content> firstFiles = first ? layout.files() : null;
        if (!first || !putFirst(pid, firstFiles)) {
            if (!changed.isEmpty()) {
                shapes.remove(pid); // the directory no longer holds what its first registration made
            }
            // unchanged files (the same object registered again, a lost REMOVE) already say this
            for (TreeLayout.FileKey k : changed) {
                failed += write(pid, k, first ? firstFiles.get(k) : layout.content(k)) ? 0 : 1;
            }
        }
        files.release();
        // the first registration's probes again (an object registered again) were counted with it
        int withoutFile = first || !layout.derivedFromFirst() ? TreeLayout.withoutFile(probes) : 0;
        if (withoutFile > 0) {
            LOG.warn("pid {}: probes tree: registration {} of pid {} has {} probes without a site or with a name no"
                    + " file can carry; dtrace will not see them", PID, generation, pid, withoutFile);
        }
        if (failed > 0) {
            LOG.error("pid {}: probes tree: {} of {} files of registration {} of pid {} could not be written ({});"
                    + " dtrace will not see those probes", PID, failed, changed.size(), generation, pid, lastError);
        }
    }

    /**
     * A process's first files: a parked directory of the same shape put in place, or its
     * directories made fresh; false when the careful route must be taken.
     */
    private boolean putFirst(int pid, Map<TreeLayout.FileKey, ProbeFile.Content> content) {
        Map<String, byte[]> pidFree = new TreeMap<>();
        content.forEach((k, c) -> pidFree.put(k.withoutPid(), ProbeFile.encode(c)));
        Shape shape = Shape.of(content.keySet(), pidFree);
        if (files.unpark(pid, shape.digest())) {
            reused.incrementAndGet();
        } else {
            Map<String, byte[]> byPath = new TreeMap<>();
            content.keySet().forEach(k -> byPath.put(k.relativePath(pid), pidFree.get(k.withoutPid())));
            if (!putFresh(pid, skeleton(content.keySet()), byPath)) {
                return false;
            }
        }
        shapes.put(pid, shape);
        return true;
    }

    /** A process's first files under directories made fresh; false when the careful route must be taken. */
    private boolean putFresh(int pid, String skeleton, Map<String, byte[]> byPath) {
        try {
            if (!files.putFresh(pid, skeleton, byPath)) {
                return false;
            }
            written.addAndGet(byPath.size());
            return true;
        } catch (IOException e) {
            // what was made stays until the pid goes (its directory is taken out whole); rewrite it all
            failed(pid, e);
            return false;
        }
    }

    /**
     * A process's directories, the pid left out: provider, module and function, NUL-separated, one
     * a line, sorted. Derived when needed, not kept per process (10,000 processes would hold it).
     */
    private static String skeleton(Set<TreeLayout.FileKey> files) {
        Set<String> dirs = new TreeSet<>();
        files.forEach(k -> dirs.add(k.provider() + '\0' + k.module() + '\0' + k.function()));
        return String.join("\n", dirs);
    }

    /**
     * What a process's directory holds, kept while it lives so that a later process can reuse it: a
     * digest of its files' paths (the pid left out) and content, and its provider directories' names.
     */
    private record Shape(String digest, List<String> providers) {
        /** @param pidFree each file's bytes by {@link TreeLayout.FileKey#withoutPid} */
        static Shape of(Set<TreeLayout.FileKey> files, Map<String, byte[]> pidFree) {
            Set<String> providers = new TreeSet<>();
            files.forEach(k -> providers.add(k.provider()));
            MessageDigest sha256;
            try {
                sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has SHA-256", e);
            }
            ByteBuffer length = ByteBuffer.allocate(Integer.BYTES);
            pidFree.forEach((path, bytes) -> {
                sha256.update(path.getBytes(StandardCharsets.UTF_8));
                sha256.update(length.clear().putInt(bytes.length).array());
                sha256.update(bytes);
            });
            return new Shape(HexFormat.of().formatHex(sha256.digest()), List.copyOf(providers));
        }
    }

    private void removedRegistration(int pid, long generation) {
        TreeLayout layout = byPid.get(pid);
        if (layout == null) {
            return;
        }
        Set<TreeLayout.FileKey> changed = layout.remove(generation);
        if (layout.isEmpty()) {
            byPid.remove(pid);
            retire(pid, changed, shapes.remove(pid));
            return;
        }
        if (!changed.isEmpty()) {
            shapes.remove(pid);
        }
        int failed = 0;
        for (TreeLayout.FileKey k : changed) {
            ProbeFile.Content c = layout.content(k);
            if (c != null) {
                failed += write(pid, k, c) ? 0 : 1;
                continue;
            }
            fileCount.decrementAndGet();
            try {
                files.remove(k.directories(pid), k.name());
                removed.incrementAndGet();
            } catch (IOException e) {
                failed++;
                failed(pid, e);
            }
        }
        files.release();
        if (failed > 0) {
            LOG.error("pid {}: probes tree: {} files of registration {} of pid {} could not be removed or rewritten ({})",
                    PID, failed, generation, pid, lastError);
        }
    }

    /**
     * The process's last registration went: its whole directory goes, in one step; kept for reuse
     * when it holds what its first registration made ({@code shape}), else emptied.
     */
    private void retire(int pid, Set<TreeLayout.FileKey> keys, Shape shape) {
        List<String> paths = new ArrayList<>(keys.size());
        keys.forEach(k -> paths.add(k.relativePath(pid)));
        fileCount.addAndGet(-keys.size());
        try {
            if (shape != null) {
                files.park(pid, shape.digest(), skeleton(keys), shape.providers(), paths);
            } else {
                files.retire(Integer.toString(pid), paths);
            }
            removed.addAndGet(keys.size());
        } catch (IOException e) {
            failed(pid, e);
            LOG.error("pid {}: probes tree: the files of pid {} could not be removed ({})", PID, pid, e.getMessage());
        }
    }

    /** Waits until the directories of processes that went are emptied (they are out of the tree already). */
    void awaitBackground() {
        files.awaitRetired();
    }

    private boolean write(int pid, TreeLayout.FileKey k, ProbeFile.Content c) {
        try {
            files.put(k.directories(pid), k.name(), ProbeFile.encode(c));
            written.incrementAndGet();
            return true;
        } catch (IOException e) {
            failed(pid, e);
            return false;
        }
    }

    /**
     * A write or removal for {@code pid} failed (a full file system, most likely): counted, and the
     * pid's directory is made right again by the next {@link #mend}; it is no longer reused whole.
     */
    private void failed(int pid, IOException e) {
        failures.incrementAndGet();
        lastError = e.getMessage();
        shapes.remove(pid);
        toMend.add(pid);
    }

    /**
     * Makes right the directories of the processes whose writes or removals failed, once space (or
     * whatever was missing) is back: the daemon calls it with its periodic tick, so a registration
     * that lost its files to a full disk gets them without a restart. Cheap when nothing failed.
     */
    public void mend() {
        List<Integer> pids;
        synchronized (this) {
            if (closed || toMend.isEmpty()) {
                return;
            }
            pids = new ArrayList<>(toMend);
            toMend.clear();
            for (int pid : pids) {
                if (!byPid.containsKey(pid)) {
                    try {
                        files.retire(Integer.toString(pid), List.of()); // went, but its directory stayed
                    } catch (IOException e) {
                        failed(pid, e);
                    }
                }
            }
        }
        verify(pids);
    }

    /**
     * Start, before the daemon is ready: what is cheap. Entries of processes no longer registered
     * (and strays) are taken out, each in one rename; processes without a directory get theirs
     * written; the pids whose directory is there are returned, to be checked file by file in the
     * background ({@link #verify}): after a restart they hold what they held, the same processes'
     * files, which a restart does not change.
     */
    private List<Integer> start(List<List<ProbeEntry>> snapshot) throws IOException {
        long t0 = System.nanoTime();
        for (List<ProbeEntry> reg : snapshot) {
            ProbeEntry first = reg.get(0);
            byPid.computeIfAbsent(first.pid(), p -> new TreeLayout()).add(first.generation(), reg);
        }
        clearDirectory(staging);
        long strays = 0;
        Set<Integer> present = new java.util.HashSet<>();
        try (Stream<Path> entries = Files.list(root)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                Integer pid = pidOf(p);
                if (pid != null && byPid.containsKey(pid) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    present.add(pid);
                } else {
                    files.retire(p.getFileName().toString(), List.of());
                    strays++;
                }
            }
        }
        List<Integer> toVerify = new ArrayList<>();
        long before = written.get();
        for (Map.Entry<Integer, TreeLayout> e : byPid.entrySet()) {
            int pid = e.getKey();
            fileCount.addAndGet(e.getValue().fileCount());
            if (present.contains(pid)) {
                toVerify.add(pid);
            } else if (!putFirst(pid, e.getValue().files())) {
                toVerify.add(pid); // made meanwhile, or a write failed: the check writes what is missing
            }
        }
        LOG.info("pid {}: probes tree {}: {} files of {} new pids written, {} stray entries removed, {} pids to check"
                + " in the background, in {} ms", PID, root, written.get() - before, byPid.size() - toVerify.size(), strays,
                toVerify.size(), (System.nanoTime() - t0) / 1_000_000);
        return toVerify;
    }

    /** After start, in the background: each listed pid's files made right, one pid at a time under the lock. */
    private void verify(List<Integer> pids) {
        long t0 = System.nanoTime();
        long[] kept = {0};
        long strays = 0;
        long before = written.get();
        for (int pid : pids) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                TreeLayout layout = byPid.get(pid);
                if (layout == null) {
                    continue; // went meanwhile: its directory went with it
                }
                try {
                    // start counted these files as there; what is missing is written now
                    strays += reconcilePid(pid, layout.files(), kept);
                } catch (IOException e) {
                    failed(pid, e);
                    LOG.error("pid {}: probes tree: the files of pid {} could not be checked ({})", PID, pid, e.getMessage());
                }
                files.release();
            }
        }
        LOG.info("pid {}: probes tree: checked {} pids: {} files kept, {} rewritten, {} stray entries removed, in {} ms",
                PID, pids.size(), kept[0], written.get() - before, strays, (System.nanoTime() - t0) / 1_000_000);
    }

    /** Keeps the pid's files that are right, removes the others, writes what is missing; returns the removals. */
    private long reconcilePid(int pid, Map<TreeLayout.FileKey, ProbeFile.Content> expected, long[] kept) throws IOException {
        Map<String, TreeLayout.FileKey> byPath = new HashMap<>();
        expected.keySet().forEach(k -> byPath.put(k.relativePath(pid), k));
        Map<TreeLayout.FileKey, ProbeFile.Content> missing = new java.util.LinkedHashMap<>(expected);
        long[] strays = {0};
        Path pidDir = root.resolve(Integer.toString(pid));
        if (Files.isDirectory(pidDir, LinkOption.NOFOLLOW_LINKS)) {
            Files.walkFileTree(pidDir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    TreeLayout.FileKey k = byPath.get(root.relativize(file).toString());
                    if (k != null && attrs.isRegularFile()
                            && Arrays.equals(Files.readAllBytes(file), ProbeFile.encode(expected.get(k)))) {
                        missing.remove(k);
                        kept[0]++;
                    } else {
                        Files.delete(file);
                        strays[0]++;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    deleteIfEmpty(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
            files.forgetDirectories(); // the walk may have removed directories kept open
        }
        int failed = 0;
        for (Map.Entry<TreeLayout.FileKey, ProbeFile.Content> m : missing.entrySet()) {
            failed += write(pid, m.getKey(), m.getValue()) ? 0 : 1;
        }
        if (failed > 0) {
            LOG.error("pid {}: probes tree: {} files of pid {} could not be written ({}); dtrace will not see those probes"
                    + " until they are", PID, failed, pid, lastError);
        }
        return strays[0];
    }

    private static Integer pidOf(Path p) {
        String n = p.getFileName().toString();
        if (n.isEmpty() || n.length() > 10 || !n.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        long v = Long.parseLong(n);
        return v > 0 && v <= Integer.MAX_VALUE ? (int) v : null;
    }

    private static void deleteIfEmpty(Path dir) throws IOException {
        try {
            Files.delete(dir);
        } catch (DirectoryNotEmptyException | NoSuchFileException e) {
            // still holds files, or already gone
        }
    }

    private static void clearDirectory(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                deleteRecursively(p);
            }
        }
    }

    /** Deletes without following links: a link is removed, never what it points to. */
    static void deleteRecursively(Path p) throws IOException {
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * Checks every registered process's files against the index, as after a restart, and rewrites
     * what differs: what Oracle's dtprobed does on SIGUSR2 (a forced reparse), which its test suite
     * sends after overwriting the parsed files. Every file is written from a fresh template. Runs on
     * the caller's thread, one pid at a time under the lock, like the start-up check.
     */
    public void recheck() {
        List<Integer> pids;
        synchronized (this) {
            if (closed) {
                return;
            }
            pids = new ArrayList<>(byPid.keySet());
            files.forgetTemplates(); // a file that differs may have been written through its template
        }
        verify(pids);
    }

    /** Waits for the start-up check in the background (tests; a stop does not wait for it). */
    void awaitVerified() throws InterruptedException {
        Thread t = verifier;
        if (t != null && t.getState() != Thread.State.NEW) {
            t.join();
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (subscription != null) {
            subscription.close();
            subscription = null;
        }
        files.close();
    }
}
