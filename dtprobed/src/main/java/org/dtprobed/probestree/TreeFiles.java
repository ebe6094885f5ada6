package org.dtprobed.probestree;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.dtprobed.linux.DirEntries;
import org.dtprobed.linux.Errno;
import org.dtprobed.linux.LibC;
import org.dtprobed.linux.Native;
import org.dtprobed.linux.OpenFlags;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file operations of the {@code probes/} tree, each relative to an open directory of this
 * daemon's, so that no name leads out of the tree and no planted link is followed.
 *
 * <p>Content goes in through <em>templates</em>: a file of that content in the staging directory
 * (same file system, outside {@code probes/}: dtrace globs with {@code GLOB_PERIOD}, so even a
 * dot-name inside would be read), hard-linked into place. A link appears whole or not at all, so
 * no reader sees part of a file; and the processes of one program, forked children above all,
 * have byte-identical files (the provider name in a file carries no pid), so each of their files
 * costs one {@code linkat}. A template is only a name: unlinking it (when it falls out of the
 * bounded set kept) leaves the tree's links alone.
 *
 * <p>A process's first registration makes its directories fresh ({@code mkdirat}, which fails on
 * anything already there, link or not, and then the careful route is taken: each directory opened
 * {@code O_NOFOLLOW|O_DIRECTORY} from its parent, a stray entry removed). When its last registration
 * goes, its directory is renamed into staging at once (dtrace sees it gone) and emptied by a
 * background thread, off the index's lock; or, when it held exactly what its first registration
 * made, kept there whole for the next process of that shape ({@link #park}); once 64 others went
 * after it, emptied of its files and kept as a <em>skeleton</em> for a process of new files in the
 * same directories (a PIE program run again).
 *
 * <p>Inodes are recycled, not freed: a file that loses its last other name (a template's or a link
 * in the tree) and a directory emptied in the background are kept in staging as <em>spares</em>; the
 * next new content is written into a spare file, which becomes its template, and the next new
 * directory is a spare renamed into place. Processes of new content (a program run once, a library
 * loaded once) then cost no inode allocation: on ext4 without a journal (this project's machines),
 * each allocation scans the inodes freed in the last minutes one by one ({@code recently_deleted}),
 * which made a process's 4 directories and 10 files cost milliseconds there (BENCHMARKS.md, fifth
 * session). Once the daemon is ready, empty spares are also made ahead by the background thread
 * ({@link #prepare}). Not on tmpfs, where an inode costs little and the checks a spare takes would
 * cost the background thread more than they save. A tracer that still holds a gone process's file or
 * directory open may read another content through it: probes of a process that is gone, whose
 * tracepoints it cannot place.
 *
 * <p>Not thread-safe, except for the background deletion it runs itself: the owner serialises calls.
 */
final class TreeFiles implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(TreeFiles.class);
    private static final long PID = ProcessHandle.current().pid();
    private static final int DIR_MODE = 0700;
    private static final int FILE_MODE = 0600;
    private static final int OPEN_DIR = OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW
            | OpenFlags.O_CLOEXEC;
    private static final int CREATE_FILE = OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL
            | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC;
    /** Distinct contents kept as templates: enough for every probe of a few hundred programs. */
    static final int TEMPLATES = 4096;
    /** Process directories kept for reuse: more than a fork storm has in flight on a large machine. */
    static final int PARKED = 64;
    /** Spare files kept ({@link #discardFile}): as many as the templates, whose content they take. */
    static final int SPARE_FILES = 4 * TEMPLATES;
    /** Spare directories kept ({@link #discardDirectory}): those of some hundred processes. */
    static final int SPARE_DIRECTORIES = 1024;
    /**
     * Empty spare files the background thread keeps made ahead once the daemon is ready
     * ({@link #prepare}): a burst of new content (programs started at boot, a process registering
     * objects it built) then takes inodes made in idle time, not allocated on the registration's
     * path, where on ext4 without a journal one costs a scan of every inode freed nearby in the last
     * minutes. Refilled from half. A bound on the start's cost, not a burst's size: making 4,352
     * right after many frees on this project's ext4 took the background thread 2.7 s of CPU.
     */
    static final int READY_FILES = 1024;
    /** Empty spare directories kept made ahead, as {@link #READY_FILES}: four or more per process of new content. */
    static final int READY_DIRECTORIES = 128;
    /** A spare file larger than this is not read for its digest ({@link #digestOf}): no probe's file is. */
    private static final int MAX_DIGESTED = 1 << 20;
    /** Spares the background thread makes before it lets the deletions queued behind it run. */
    private static final int FILL_STEP = 64;
    /** Directories kept open at most ({@link #openDirs}): a process's 13 of a 10-function provider, and more. */
    static final int OPEN_DIRECTORIES = 32;
    /** What this daemon makes: a spare must be one of them (a stray someone else made is removed). */
    private static final int SPARE_FILE_MODE = 0100000 | FILE_MODE;
    private static final int SPARE_DIRECTORY_MODE = 0040000 | DIR_MODE;

    private final Native nat;
    private final LibC libc;
    private final int rootFd;
    private final int stagingFd;
    private final Path staging;
    private final MessageDigest sha256;
    /** The owner of what this daemon makes, a spare's; -1 on tmpfs, where no spare is kept. */
    private final int uid;
    /** Each content's template: its digest to the staging name of the file that holds it. */
    private final Map<String, String> templates = new LinkedHashMap<>(TEMPLATES, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            if (size() > TEMPLATES) {
                drop(eldest.getValue(), eldest.getKey());
                return true;
            }
            return false;
        }
    };
    private final ExecutorService deleter = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "probes-tree-deleter");
        t.setDaemon(true);
        return t;
    });
    /** Staging names, unique for this run; the background thread takes them too. */
    private final AtomicLong seq = new AtomicLong();
    /** Spare files in staging, each with no other name: the next new contents are written into them. */
    private final Spares spareFiles = new Spares(SPARE_FILES);
    /** Empty spare directories in staging: the next new directories are these, renamed into place. */
    private final Spares spareDirectories = new Spares(SPARE_DIRECTORIES);

    /**
     * A spare's staging name and size (a file written over keeps its length unless cut), and the
     * digest of what it holds ({@link #template}), null when unknown (empty, a directory).
     */
    private record Spare(String name, long size, String digest) {
    }

    /**
     * Spares in staging; the owner's thread takes them, both threads give them. A spare file still
     * holds the content it had when it became one, so the next file of that content (the next run of
     * a program whose template was dropped, a process of a DOF registered before) takes it whole, by
     * its digest, with nothing written. New content is written into a spare of no known content
     * first (made ahead), then into the one of known content that became a spare last: when contents
     * come back in a cycle longer than the templates kept, the oldest is the next one needed.
     */
    private static final class Spares {
        /** Spares of no known content (made ahead, directories, or their digest not trusted). */
        private final ArrayDeque<Spare> plain = new ArrayDeque<>();
        /** Spares of known content, by the order they came. */
        private final TreeMap<Long, Spare> held = new TreeMap<>();
        private final HashMap<String, Long> byDigest = new HashMap<>();
        private final int bound;
        private long added;
        /** Counts {@link #forgetContent}: a digest known from before the last one is not trusted. */
        private long epoch;

        Spares(int bound) {
            this.bound = bound;
        }

        synchronized boolean full() {
            return count() >= bound;
        }

        synchronized int count() {
            return plain.size() + held.size();
        }

        synchronized long epoch() {
            return epoch;
        }

        /** Adds a spare; one whose digest was known in an earlier {@code epoch}, not read now, without it. */
        synchronized void add(Spare spare, long epoch) {
            if (spare.digest() == null || epoch != this.epoch) {
                plain.add(withoutContent(spare));
                return;
            }
            Long older = byDigest.put(spare.digest(), added);
            if (older != null) {
                plain.add(withoutContent(held.remove(older))); // two of one content: the older is any spare
            }
            held.put(added++, spare);
        }

        void add(Spare spare) {
            add(spare, epoch());
        }

        /** A spare to write over: one of no known content, else the one of known content that came last; null when none is kept. */
        synchronized Spare take() {
            Spare spare = plain.poll();
            if (spare != null) {
                return spare;
            }
            Map.Entry<Long, Spare> last = held.pollLastEntry();
            if (last == null) {
                return null;
            }
            byDigest.remove(last.getValue().digest());
            return last.getValue();
        }

        /** The spare that holds the content of {@code digest}, taken; null when none does. */
        synchronized Spare holding(String digest) {
            Long at = byDigest.remove(digest);
            return at == null ? null : held.remove(at);
        }

        /** Keeps every spare, but no longer by what it holds (it may not hold what its digest says). */
        synchronized void forgetContent() {
            epoch++;
            held.values().forEach(s -> plain.add(withoutContent(s)));
            held.clear();
            byDigest.clear();
        }

        private static Spare withoutContent(Spare s) {
            return s.digest() == null ? s : new Spare(s.name(), s.size(), null);
        }
    }
    /** Whether spares are made ahead ({@link #prepare}); set once, by the owner's thread. */
    private volatile boolean prepared;
    /** A fill of the spares made ahead is queued on the background thread. */
    private final AtomicBoolean filling = new AtomicBoolean();
    /** Directories of processes that went, oldest first, each for a process of its shape to take. */
    private final ArrayDeque<Parked> parked = new ArrayDeque<>();

    private record Parked(String name, String shape, String skeleton, int pid, List<String> providers, List<String> paths) {
    }
    /**
     * Directories of processes that went, emptied of their files by the background thread and kept
     * whole, oldest first, each for a new process whose directories are the same but whose files
     * are not (the next run of a PIE program: the same names at another base). The background
     * thread adds, the owner's thread takes.
     */
    private final ConcurrentLinkedDeque<Parked> skeletons = new ConcurrentLinkedDeque<>();
    /** Skeletons kept: as many as parked directories. */
    static final int SKELETONS = PARKED;
    /**
     * Templates dropped during the current event, digest to name, for the background thread ({@link #release});
     * a content of the same event that needs one again takes it back.
     */
    private final Map<String, String> dropped = new LinkedHashMap<>();
    /** Files moved out of the tree during the current event ({@link #takenOut}), for the background thread. */
    private final List<String> takenOut = new ArrayList<>();
    /**
     * Directories of the tree kept open across events, by their path under the root (a process's
     * directory, its provider, module and function directories), least recently used first: a
     * process that registers new content again and again (the next object, the next library) writes
     * each file into directories it already has, and each event opening and closing its function
     * directory again cost two of the six calls of a new file. Closed when the directory is taken out,
     * renamed or removed here ({@link #forgetUnder}), and when someone else may have changed the tree
     * ({@link #forgetDirectories}).
     */
    private final LinkedHashMap<String, Integer> openDirs = new LinkedHashMap<>(OPEN_DIRECTORIES, 0.75f, true);

    private TreeFiles(Native nat, int rootFd, int stagingFd, Path staging, int uid) {
        this.uid = uid;
        this.nat = nat;
        this.libc = nat.libc();
        this.rootFd = rootFd;
        this.stagingFd = stagingFd;
        this.staging = staging;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Opens the tree and the staging directory, both existing real directories (the daemon made them), staging empty. */
    static TreeFiles open(Path root, Path staging) throws IOException {
        Native nat = Native.load();
        int r = nat.libc().open(root.toString(), OPEN_DIR);
        if (r < 0) {
            throw new IOException("cannot open " + root + ": errno " + nat.errno());
        }
        int s = nat.libc().open(staging.toString(), OPEN_DIR);
        if (s < 0) {
            int errno = nat.errno();
            nat.libc().close(r);
            throw new IOException("cannot open " + staging + ": errno " + errno);
        }
        int uid;
        try {
            uid = "tmpfs".equals(Files.getFileStore(staging).type()) ? -1
                    : (Integer) Files.getAttribute(staging, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            uid = -1;
        }
        return new TreeFiles(nat, r, s, staging, uid);
    }

    /**
     * A new process's files, under directories made here; false (nothing harmful done) when its
     * directory already exists, and the caller takes the careful route with {@link #put}.
     *
     * @param files each file's path under the root ({@code pid/providerpid/module/function/name}) and content,
     *              grouped by directory
     */
    boolean putFresh(int pid, String skeleton, Map<String, byte[]> files) throws IOException {
        String pidDir = Integer.toString(pid);
        if (fromSkeleton(pid, skeleton)) {
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                if (libc.linkat(stagingFd, template(f.getValue()), rootFd, f.getKey(), 0) != 0) {
                    throw failure("link", f.getKey());
                }
            }
            return true;
        }
        if (makeDirectory(rootFd, pidDir) != 0) {
            if (nat.errno() == Errno.EEXIST) {
                return false;
            }
            throw failure("make the directory", pidDir);
        }
        String lastDir = pidDir;
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            String path = f.getKey();
            String dir = path.substring(0, path.lastIndexOf('/'));
            if (!dir.equals(lastDir)) {
                makeDirs(dir, lastDir);
                lastDir = dir;
            }
            if (libc.linkat(stagingFd, template(f.getValue()), rootFd, path, 0) != 0) {
                throw failure("link", path);
            }
        }
        return true;
    }

    /**
     * Puts the empty directories of a process that went in place as {@code pid}'s when they are
     * {@code skeleton}'s: a rename per provider directory (its name carries the pid) and one into
     * the tree, where making them costs a {@code mkdirat} or a spare's rename each. False when none
     * is kept or the renames failed (nothing in the tree changed then).
     */
    private boolean fromSkeleton(int pid, String skeleton) {
        return putInPlace(skeletons, k -> k.skeleton().equals(skeleton), pid,
                k -> deleter.execute(() -> removeDirectories(k.name(), k.paths())));
    }

    /**
     * Takes the newest of {@code from} that {@code matches} and renames it into place as {@code pid}'s
     * directory; false when none matches or the renames failed (a name that clashed, or the process's
     * directory made meanwhile: the careful route instead), and what was taken goes to {@code failed}.
     */
    private boolean putInPlace(Deque<Parked> from, Predicate<Parked> matches, int pid,
            Consumer<Parked> failed) {
        Parked p = takeNewest(from, matches);
        if (p == null) {
            return false;
        }
        forgetUnder(Integer.toString(pid)); // a directory of an earlier process of this pid, if any were kept open
        if (renamed(p.name(), p.providers(), p.pid(), pid)) {
            return true;
        }
        failed.accept(p);
        return false;
    }

    /**
     * Removes and returns the newest entry of {@code from} that {@code matches}, null when none does;
     * of a concurrent deque, only what this call removed (the background thread may take the oldest).
     */
    private static <T> T takeNewest(Deque<T> from, Predicate<T> matches) {
        for (Iterator<T> it = from.descendingIterator(); it.hasNext(); ) {
            T candidate = it.next();
            if (matches.test(candidate) && from.removeLastOccurrence(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /**
     * On the deleter thread: whether staging's {@code name}, its files removed, holds the directories
     * of {@code paths} (files under it) and nothing else, none a link.
     */
    private boolean holdsOnlyItsDirectories(String name, List<String> paths) {
        Map<String, Set<String>> expected = new HashMap<>();
        expected.put(name, new HashSet<>());
        for (String p : paths) {
            String dir = p.substring(0, p.lastIndexOf('/'));
            expected.computeIfAbsent(dir, d -> new HashSet<>());
            for (int slash = dir.lastIndexOf('/'); slash > 0; slash = dir.lastIndexOf('/', slash - 1)) {
                String parent = dir.substring(0, slash);
                expected.computeIfAbsent(parent, d -> new HashSet<>()).add(dir.substring(slash + 1,
                        dir.indexOf('/', slash + 1) < 0 ? dir.length() : dir.indexOf('/', slash + 1)));
            }
        }
        byte[] buffer = new byte[DirEntries.BUFFER];
        for (Map.Entry<String, Set<String>> e : expected.entrySet()) {
            // each directory of it is in the map: a link at any of them fails its own open (O_NOFOLLOW)
            int fd = libc.openat(stagingFd, e.getKey(), OPEN_DIR, 0);
            if (fd < 0) {
                return false;
            }
            Set<String> found = DirEntries.names(libc, fd, buffer);
            libc.close(fd);
            if (!e.getValue().equals(found)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Renames staging's {@code name} (a process's directory taken out) to {@code pid}'s in the
     * tree, its provider directories first; false when a rename failed (a name that clashed, or
     * the process's directory made meanwhile).
     */
    private boolean renamed(String name, List<String> providers, int fromPid, int pid) {
        for (String provider : providers) {
            if (libc.renameat2(stagingFd, name + "/" + provider + fromPid, stagingFd, name + "/" + provider + pid,
                    OpenFlags.RENAME_NOREPLACE) != 0) {
                return false;
            }
        }
        return libc.renameat2(stagingFd, name, rootFd, Integer.toString(pid), OpenFlags.RENAME_NOREPLACE) == 0;
    }

    /** Makes each directory of {@code dir} below the deepest one it shares with {@code previous}. */
    private void makeDirs(String dir, String previous) throws IOException {
        int from = 0;
        String prefix = previous + "/";
        while (from < dir.length()) {
            int slash = dir.indexOf('/', from);
            int end = slash < 0 ? dir.length() : slash;
            String part = dir.substring(0, end);
            if (!(prefix.startsWith(part + "/"))) {
                if (makeDirectory(rootFd, part) != 0 && nat.errno() != Errno.EEXIST) {
                    throw failure("make the directory", part);
                }
            }
            from = end + 1;
        }
    }

    /** Puts {@code content} at {@code dirs/name}, making the directories and replacing a file there; atomically. */
    void put(String[] dirs, String name, byte[] content) throws IOException {
        int dir = directory(dirs, true);
        String template = template(content);
        if (libc.linkat(stagingFd, template, dir, name, 0) == 0) {
            return;
        }
        if (nat.errno() == Errno.ENOENT) {
            // a directory kept open was removed meanwhile (by hand: root's): its path is opened afresh
            forgetUnder(dirs[0]);
            dir = directory(dirs, true);
            if (libc.linkat(stagingFd, template, dir, name, 0) == 0) {
                return;
            }
        }
        if (nat.errno() != Errno.EEXIST) {
            throw failure("link", String.join("/", dirs) + "/" + name);
        }
        // a link cannot replace: a second name for the template, renamed over the file
        String tmp = "r-" + seq.getAndIncrement();
        if (libc.linkat(stagingFd, template, stagingFd, tmp, 0) != 0) {
            throw failure("link a staging name for", String.join("/", dirs) + "/" + name);
        }
        if (libc.renameat(stagingFd, tmp, dir, name) != 0) {
            IOException e = failure("rename into place", String.join("/", dirs) + "/" + name);
            libc.unlinkat(stagingFd, tmp, 0);
            throw e;
        }
    }

    /**
     * Forgets every template, so that the next file of each content is written afresh: a file of the
     * tree written over in place (root can) changed its template too, which every later link of that
     * content would copy; and the parked directories go, their files being links of those inodes too.
     */
    void forgetTemplates() {
        templates.values().forEach(this::discardFile);
        templates.clear();
        spareFiles.forgetContent(); // a spare may be a template that was written through
        // parked directories hold links of the same inodes: none is reused after such a write
        parked.forEach(this::discard);
        parked.clear();
    }

    /** The staging name of a file holding {@code content}, written now if no template holds it. */
    private String template(byte[] content) throws IOException {
        String digest = digest(content, content.length);
        String name = templates.get(digest);
        if (name != null) {
            return name;
        }
        name = dropped.remove(digest); // dropped earlier in this event: still whole
        if (name == null) {
            Spare holding = spareFiles.holding(digest);
            name = holding != null ? holding.name() : fromSpare(content);
        }
        if (name == null) {
            // a name of its own, not the digest's: an evicted template of this content may still
            // wait for the background thread under its old name
            name = created("t-" + seq.getAndIncrement(), content);
        }
        templates.put(digest, name);
        return name;
    }

    /** The key of {@code content}'s first {@code length} bytes; either thread asks ({@link #discardFile}). */
    private String digest(byte[] content, int length) {
        synchronized (sha256) {
            sha256.update(content, 0, length);
            return HexFormat.of().formatHex(sha256.digest(), 0, 16);
        }
    }

    private String created(String name, byte[] content) throws IOException {
        int fd = libc.openat(stagingFd, name, CREATE_FILE, FILE_MODE);
        if (fd < 0 && nat.errno() == Errno.EEXIST) {
            libc.unlinkat(stagingFd, name, 0); // evicted and re-made, or a write cut short: write it afresh
            fd = libc.openat(stagingFd, name, CREATE_FILE, FILE_MODE);
        }
        if (fd < 0) {
            throw failure("create the staging file", name);
        }
        long n = libc.write(fd, content, content.length);
        int errno = n < 0 ? nat.errno() : Errno.ENOSPC;
        libc.close(fd);
        if (n != content.length) {
            libc.unlinkat(stagingFd, name, 0);
            throw new IOException("cannot write the staging file " + name + ": errno " + errno);
        }
        return name;
    }

    /**
     * A spare file holding {@code content} now, or null when none is kept or the write failed (the
     * spare is gone then). Written over from its start and cut to the length, never truncated to
     * nothing first: ext4 flushes a file truncated to zero when it is closed ({@code auto_da_alloc}).
     */
    private String fromSpare(byte[] content) {
        Spare spare = spareFiles.take();
        if (spare == null) {
            return null;
        }
        refill();
        int fd = libc.openat(stagingFd, spare.name(), OpenFlags.O_WRONLY | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC, 0);
        if (fd < 0) {
            libc.unlinkat(stagingFd, spare.name(), 0);
            return null;
        }
        // a fresh descriptor writes from offset 0; a file as short as the content needs no cut
        boolean whole = libc.write(fd, content, content.length) == content.length
                && (spare.size() <= content.length || libc.ftruncate(fd, content.length) == 0);
        libc.close(fd);
        if (!whole) {
            libc.unlinkat(stagingFd, spare.name(), 0);
            return null;
        }
        return spare.name();
    }

    /**
     * From now on keeps {@link #READY_FILES} empty spare files and {@link #READY_DIRECTORIES} spare
     * directories made ahead in staging, by the background thread (not on tmpfs, where an inode
     * costs little). The daemon calls it once it is ready, so the start does not pay for them.
     */
    void prepare() {
        prepared = true;
        refill();
    }

    /** Queues a fill of the spares made ahead when they fell to half. */
    private void refill() {
        if (uid >= 0 && prepared && (spareFiles.count() < READY_FILES / 2 || spareDirectories.count() < READY_DIRECTORIES / 2)
                && filling.compareAndSet(false, true)) {
            deleter.execute(this::fill);
        }
    }

    /**
     * On the background thread: makes up to {@link #FILL_STEP} empty spares, files first, and queues
     * itself again while short, so that deletions queued meanwhile are not held up. A failure (a
     * full file system) ends the fill; the next spare taken tries again.
     */
    private void fill() {
        boolean more = true;
        for (int made = 0; more && made < FILL_STEP; made++) {
            String name = "s-" + seq.getAndIncrement();
            if (spareFiles.count() < READY_FILES) {
                int fd = libc.openat(stagingFd, name, CREATE_FILE, FILE_MODE);
                more = fd >= 0;
                if (more) {
                    libc.close(fd);
                    spareFiles.add(new Spare(name, 0, null));
                }
            } else if (spareDirectories.count() < READY_DIRECTORIES) {
                String dir = "d-" + seq.getAndIncrement();
                more = libc.mkdirat(stagingFd, dir, DIR_MODE) == 0;
                if (more) {
                    spareDirectories.add(new Spare(dir, 0, null));
                }
            } else {
                more = false;
            }
        }
        if (more && !deleter.isShutdown()) {
            try {
                deleter.execute(this::fill);
                return;
            } catch (RejectedExecutionException e) {
                // closing: no more spares are wanted
            }
        }
        filling.set(false);
    }

    /**
     * A staging name that goes: the file is kept as a spare when this is its only name (no template,
     * no process's directory links it, so nothing reads what a later write puts there) and fewer than
     * {@link #SPARE_FILES} are kept; else unlinked. A dropped template stays under its own name (a
     * rename in staging, a directory of thousands of entries, was the background thread's costliest
     * call); a file of a directory that goes is renamed out of it, and read for its digest.
     * Both the owner's thread and the background one call it.
     *
     * @param digest what it holds ({@link #template}'s key), or null: read from the file
     * @param epoch  the spares' {@link Spares#epoch} when {@code digest} was known
     */
    private void discardFile(String path, String digest, long epoch) {
        long size = spareFiles.full() ? -1 : spareSize(path, SPARE_FILE_MODE);
        if (size >= 0) {
            long since = digest != null ? epoch : spareFiles.epoch();
            String known = digest != null ? digest : digestOf(path, size);
            if (path.indexOf('/') < 0) {
                spareFiles.add(new Spare(path, size, known), since);
                return;
            }
            String spare = "s-" + seq.getAndIncrement();
            if (libc.renameat(stagingFd, path, stagingFd, spare) == 0) {
                spareFiles.add(new Spare(spare, size, known), since);
                return;
            }
        }
        if (libc.unlinkat(stagingFd, path, 0) != 0 && nat.errno() == Errno.EISDIR) {
            try { // a directory someone put where a probe's file belonged, taken out of the tree with it
                ProbesTree.deleteRecursively(staging.resolve(path));
            } catch (IOException e) {
                LOG.warn("pid {}: probes tree: {} could not be removed ({}); it goes at the next start", PID,
                        staging.resolve(path), e.toString());
            }
        }
    }

    /** {@link #discardFile(String, String, long)} of a file whose content is read. */
    private void discardFile(String path) {
        discardFile(path, null, 0);
    }

    /** The digest of staging's {@code path}, a file of {@code size} bytes, as {@link #template} keys it; null when unread. */
    private String digestOf(String path, long size) {
        if (size > MAX_DIGESTED) {
            return null;
        }
        int fd = libc.openat(stagingFd, path, OpenFlags.O_RDONLY | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC, 0);
        if (fd < 0) {
            return null;
        }
        byte[] content = new byte[(int) size];
        long n = libc.pread(fd, content, size, 0);
        libc.close(fd);
        return n == size ? digest(content, content.length) : null;
    }

    /**
     * A staging directory emptied of what it is known to hold, going: kept as a spare when it is
     * empty and fewer than {@link #SPARE_DIRECTORIES} are kept, else removed; false when it could not
     * be removed (not empty, not a directory).
     */
    private boolean discardDirectory(String path) {
        if (!spareDirectories.full() && spareSize(path, SPARE_DIRECTORY_MODE) >= 0 && isEmptyDirectory(path)) {
            String spare = "d-" + seq.getAndIncrement();
            if (libc.renameat(stagingFd, path, stagingFd, spare) == 0) {
                spareDirectories.add(new Spare(spare, 0, null));
                return true;
            }
        }
        return libc.unlinkat(stagingFd, path, OpenFlags.AT_REMOVEDIR) == 0 || nat.errno() == Errno.ENOENT;
    }

    /** Whether staging's {@code path} is a directory (not a link) with nothing in it; false when it cannot be read. */
    private boolean isEmptyDirectory(String path) {
        int fd = libc.openat(stagingFd, path, OPEN_DIR, 0);
        if (fd < 0) {
            return false; // gone meanwhile, or not a directory: removed by the caller, or reported
        }
        Set<String> names = DirEntries.names(libc, fd, new byte[DirEntries.BUFFER]);
        libc.close(fd);
        return names != null && names.isEmpty();
    }

    /**
     * {@code mkdirat(parentFd, path, 0700)}, from a spare directory when one is kept: 0, or -1 with
     * the errno a {@code mkdirat} would leave (EEXIST when anything is at {@code path}, a link too).
     */
    private int makeDirectory(int parentFd, String path) {
        Spare spare = spareDirectories.take();
        if (spare != null) {
            refill();
            if (libc.renameat2(stagingFd, spare.name(), parentFd, path, OpenFlags.RENAME_NOREPLACE) == 0) {
                return 0;
            }
            if (nat.errno() == Errno.EEXIST) {
                spareDirectories.add(spare);
                return -1;
            }
            libc.unlinkat(stagingFd, spare.name(), OpenFlags.AT_REMOVEDIR);
        }
        return libc.mkdirat(parentFd, path, DIR_MODE);
    }

    /**
     * The size of {@code path} under staging when it is what this daemon makes, of {@code mode}
     * (type and permissions) and its owner's, with no other name: fit to be a spare; else -1.
     */
    private long spareSize(String path, int mode) {
        if (uid < 0) {
            return -1;
        }
        try {
            // only this daemon writes under staging (0700, root's): the path names its own directories
            Map<String, Object> a = Files.readAttributes(staging.resolve(path), "unix:nlink,mode,uid,size",
                    LinkOption.NOFOLLOW_LINKS);
            boolean fit = Integer.valueOf(mode).equals(a.get("mode")) && Integer.valueOf(uid).equals(a.get("uid"))
                    && ((mode & 0040000) != 0 || Integer.valueOf(1).equals(a.get("nlink")));
            return fit ? (Long) a.get("size") : -1;
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    /**
     * Removes {@code dirs/name} if it is there, then each directory of {@code dirs} left empty,
     * innermost first (as {@code rmdir -p} would, stopping at the first that is not empty).
     */
    void remove(String[] dirs, String name) throws IOException {
        int dir = directory(dirs, false);
        if (dir < 0) {
            return;
        }
        if (!takenOut(dir, name) && libc.unlinkat(dir, name, 0) != 0 && nat.errno() != Errno.ENOENT) {
            throw failure("remove", String.join("/", dirs) + "/" + name);
        }
        for (int i = dirs.length - 1; i >= 0; i--) {
            int parent = i == 0 ? rootFd : directory(Arrays.copyOf(dirs, i), false);
            if (parent < 0) {
                return;
            }
            if (libc.unlinkat(parent, dirs[i], OpenFlags.AT_REMOVEDIR) != 0) {
                int errno = nat.errno();
                if (errno != Errno.ENOTEMPTY && errno != Errno.EEXIST && errno != Errno.ENOENT) {
                    throw failure("remove the directory", String.join("/", Arrays.copyOf(dirs, i + 1)));
                }
                return;
            }
            forgetUnder(String.join("/", Arrays.copyOf(dirs, i + 1)));
        }
    }

    /**
     * Off tmpfs, moves a file the tree no longer wants into staging (one rename, as an unlink would
     * be one call), for the background thread to keep as a spare of known content when this was its
     * last name ({@link #release}): the registrations of a process that goes are removed one by one,
     * and unlinking their files freed every one whose template went, content and inode (a process of
     * a DOF registered before then wrote it all again). False when it is not moved (unlink it).
     */
    private boolean takenOut(int dir, String name) {
        if (uid < 0 || spareFiles.full()) {
            return false;
        }
        String out = "g-" + seq.getAndIncrement();
        if (libc.renameat(dir, name, stagingFd, out) != 0) {
            return false;
        }
        takenOut.add(out);
        return true;
    }

    /**
     * Takes an entry of the tree's top level (a process's directory) out in one rename and
     * removes it in the background.
     *
     * @param files the paths under the root of the files it is known to hold (removed without
     *              reading the directory); anything else found there is removed too
     */
    void retire(String pidDir, List<String> files) throws IOException {
        String gone = "gone-" + seq.getAndIncrement();
        if (takeOut(pidDir, gone)) {
            List<String> paths = relocated(files, pidDir, gone);
            deleter.execute(() -> empty(gone, paths));
        }
    }

    /**
     * Takes a process's directory out as {@link #retire} does, but keeps it whole in staging for
     * a process of the same {@code shape} to take ({@link #unpark}): a fork child of the same
     * program, the next run of it. Its exit then costs one rename, and the next such process's
     * registration a rename per provider and one more, where making and removing every directory
     * and file cost some 25 file-system operations. The oldest of more than {@link #PARKED} goes.
     *
     * @param pid       the process; {@code pidDir} is its decimal name
     * @param shape     what the directory holds, but for the pid in the names (equal shapes: equal
     *                  files, paths and content)
     * @param skeleton  its directories, but for the pid: once no process of its shape took it, it is
     *                  emptied of its files and kept for a process of new files in the same directories
     * @param providers the names of the provider directories, without the pid
     * @param files     the paths under the root of its files, as for {@link #retire}
     */
    void park(int pid, String shape, String skeleton, List<String> providers, List<String> files) throws IOException {
        String pidDir = Integer.toString(pid);
        String name = "parked-" + seq.getAndIncrement();
        if (takeOut(pidDir, name)) {
            parked.addLast(new Parked(name, shape, skeleton, pid, List.copyOf(providers), relocated(files, pidDir, name)));
            if (parked.size() > PARKED) {
                discard(parked.removeFirst());
            }
        }
    }

    /**
     * Puts a parked directory of {@code shape} in place as process {@code pid}'s; false when none
     * is parked or it could not be put there (nothing in the tree changed then).
     */
    boolean unpark(int pid, String shape) {
        return putInPlace(parked, p -> p.shape().equals(shape), pid, this::discard);
    }

    /**
     * A parked directory no process of its shape took: its files removed in the background, and
     * the directories kept as a skeleton ({@link #SKELETONS} at most, the oldest emptied).
     */
    private void discard(Parked p) {
        deleter.execute(() -> {
            p.paths().forEach(this::discardFile);
            if (!holdsOnlyItsDirectories(p.name(), p.paths())) {
                removeDirectories(p.name(), p.paths()); // what someone else put there is never reused
                return;
            }
            skeletons.addLast(p);
            if (skeletons.size() > SKELETONS) {
                Parked oldest = skeletons.pollFirst();
                if (oldest != null) {
                    removeDirectories(oldest.name(), oldest.paths());
                }
            }
        });
    }

    private boolean takeOut(String pidDir, String stagingName) throws IOException {
        forgetUnder(pidDir);
        if (libc.renameat(rootFd, pidDir, stagingFd, stagingName) != 0) {
            if (nat.errno() == Errno.ENOENT) {
                return false;
            }
            throw failure("take out", pidDir);
        }
        return true;
    }

    private static List<String> relocated(List<String> files, String pidDir, String stagingName) {
        List<String> paths = new ArrayList<>(files.size());
        for (String f : files) {
            paths.add(stagingName + f.substring(pidDir.length()));
        }
        return paths;
    }

    /** On the deleter thread: the files it knows of, then each directory, innermost first. */
    private void empty(String gone, List<String> paths) {
        paths.forEach(this::discardFile);
        removeDirectories(gone, paths);
    }

    /**
     * On the deleter thread: each directory of {@code paths} (files under {@code gone}, removed
     * already), innermost first, then {@code gone} itself, whatever else it holds.
     */
    private void removeDirectories(String gone, List<String> paths) {
        TreeSet<String> dirs = new TreeSet<>(Comparator.reverseOrder());
        for (String p : paths) {
            for (int slash = p.lastIndexOf('/'); slash > gone.length(); slash = p.lastIndexOf('/', slash - 1)) {
                dirs.add(p.substring(0, slash));
            }
        }
        for (String d : dirs) { // reverse order: a directory after everything under it, then gone itself
            discardDirectory(d);
        }
        if (!discardDirectory(gone)) {
            // held entries no registration made (or it is not a directory): read it, remove what is there
            try {
                ProbesTree.deleteRecursively(staging.resolve(gone));
            } catch (IOException e) {
                LOG.warn("pid {}: probes tree: {} could not be removed ({}); it goes at the next start", PID,
                        staging.resolve(gone), e.toString());
            }
        }
    }

    /** Waits for the background deletions handed over so far, and a fill of spares under way (tests). */
    void awaitRetired() {
        try {
            do {
                deleter.submit(() -> { }).get(1, TimeUnit.MINUTES);
            } while (filling.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("pid {}: probes tree: background deletion did not finish: {}", PID, e.toString());
        }
    }

    /**
     * The end of an event: hands the templates the event dropped and the files it took out of the
     * tree to the background thread, in one task. The directories stay open for the next event ({@link #openDirs}).
     */
    void release() {
        if (!dropped.isEmpty() || !takenOut.isEmpty()) {
            Map<String, String> names = new LinkedHashMap<>(dropped);
            List<String> files = List.copyOf(takenOut);
            dropped.clear();
            takenOut.clear();
            long epoch = spareFiles.epoch();
            deleter.execute(() -> {
                names.forEach((digest, name) -> discardFile(name, digest, epoch));
                files.forEach(this::discardFile);
            });
        }
    }

    /**
     * A template beyond the bound goes: by the background thread, off the registration's path
     * ({@link #release}), one task per event (a task per template cost each its thread wake-up).
     * Elsewhere than on tmpfs it is kept as a spare under its name, with its content (a stat); on tmpfs it is
     * unlinked, which on the registration's thread was one call per new file once the templates are
     * full (a process registering new content again and again: the distinct-DOF row).
     */
    private void drop(String name, String digest) {
        dropped.put(digest, name);
    }

    /**
     * The fd of {@code dirs} (kept open, {@link #openDirs}), made when {@code create}; -1 when it
     * is missing and not to be made.
     */
    private int directory(String[] dirs, boolean create) throws IOException {
        String path = String.join("/", dirs);
        Integer open = openDirs.get(path);
        if (open != null) {
            return open;
        }
        int parent = rootFd;
        StringBuilder prefix = new StringBuilder(path.length());
        for (int i = 0; i < dirs.length; i++) {
            if (i > 0) {
                prefix.append('/');
            }
            String at = prefix.append(dirs[i]).toString();
            Integer fd = openDirs.get(at);
            if (fd == null) {
                fd = openDirectory(parent, dirs[i], create, dirs);
                if (fd < 0) {
                    return -1;
                }
                keepOpen(at, fd);
            }
            parent = fd;
        }
        return parent;
    }

    /**
     * Keeps {@code fd} open as {@code path}'s, closing the least recently used beyond the bound (never
     * one the caller is using: those were just used).
     */
    private void keepOpen(String path, int fd) {
        if (openDirs.size() >= OPEN_DIRECTORIES) {
            Iterator<Map.Entry<String, Integer>> eldest = openDirs.entrySet().iterator();
            libc.close(eldest.next().getValue());
            eldest.remove();
        }
        openDirs.put(path, fd);
    }

    /** Closes the kept directories at {@code path} and under it: it is being taken out, renamed or removed. */
    private void forgetUnder(String path) {
        for (Iterator<Map.Entry<String, Integer>> it = openDirs.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Integer> e = it.next();
            String p = e.getKey();
            if (p.startsWith(path) && (p.length() == path.length() || p.charAt(path.length()) == '/')) {
                libc.close(e.getValue());
                it.remove();
            }
        }
    }

    /**
     * Closes every kept directory: the next call opens its path afresh. For whoever changed the
     * tree's directories other than through this class (the check of a process's files removes
     * strays by path).
     */
    void forgetDirectories() {
        openDirs.values().forEach(libc::close);
        openDirs.clear();
    }

    private int openDirectory(int parent, String name, boolean create, String[] path) throws IOException {
        for (int attempt = 0; attempt < 3; attempt++) {
            int fd = libc.openat(parent, name, OPEN_DIR, 0);
            if (fd >= 0) {
                return fd;
            }
            int errno = nat.errno();
            if (errno == Errno.ENOENT) {
                if (!create) {
                    return -1;
                }
                if (makeDirectory(parent, name) != 0 && nat.errno() != Errno.EEXIST) {
                    throw failure("make the directory", name);
                }
            } else if (errno == Errno.ELOOP || errno == Errno.ENOTDIR) {
                // only root can write here; still, a link is never followed and a stray file never kept
                LOG.warn("pid {}: probes tree: {} under {} is not a directory (errno {}); removed", PID, name,
                        String.join("/", path), errno);
                if (libc.unlinkat(parent, name, 0) != 0 && nat.errno() != Errno.ENOENT) {
                    throw failure("remove the stray entry", name);
                }
            } else {
                throw new IOException("cannot open the directory " + name + " under probes/: errno " + errno);
            }
        }
        throw new IOException("cannot open the directory " + name + " under probes/: it keeps changing");
    }

    private IOException failure(String what, String name) {
        return new IOException("cannot " + what + " " + name + " in the probes tree: errno " + nat.errno());
    }

    @Override
    public void close() {
        release();
        forgetDirectories();
        deleter.shutdown();
        try {
            if (!deleter.awaitTermination(1, TimeUnit.MINUTES)) {
                LOG.warn("pid {}: probes tree: background deletion still running at close", PID);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        libc.close(stagingFd);
        libc.close(rootFd);
    }
}
