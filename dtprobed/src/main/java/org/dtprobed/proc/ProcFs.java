package org.dtprobed.proc;

import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Reads what the daemon needs from {@code /proc}: mappings, the executable's identity, the
 * process start time (to tell a reused pid from the original) and a thread's thread-group id.
 * The root is a parameter so that tests can point it at synthetic trees.
 */
public final class ProcFs {
    /** Declared before the trees that use it (class initialisation runs in order). */
    private static final Path KERNEL_ROOT = Path.of("/proc");
    /** The real {@code /proc}; mappings asked of the kernel where it answers PROCMAP_QUERY. */
    public static final ProcFs SYSTEM = new ProcFs(KERNEL_ROOT, true);
    /** The real {@code /proc} read as text only: the route of kernels before 6.11, kept for them. */
    public static final ProcFs SYSTEM_TEXT = new ProcFs(KERNEL_ROOT, false);
    /** {@code -Ddtprobed.procmapQuery=off} keeps the daemon on the text route (to measure the two). */
    public static final String QUERY_PROPERTY = "dtprobed.procmapQuery";

    /** Detected once per JVM, on first use: binding libc and one ioctl on our own maps. */
    private static final class KernelQuery {
        static final Optional<MapQuery> QUERY = "off".equals(System.getProperty(QUERY_PROPERTY))
                ? Optional.empty() : MapQuery.detect();
    }

    private static final String DELETED = " (deleted)";
    private static final String TGID = "Tgid:";
    private static final String UID = "Uid:";
    private static final byte[] UID_BYTES = UID.getBytes(StandardCharsets.US_ASCII);
    /** Field 22 of {@code /proc/<pid>/stat} is the start time; fields 3.. follow the command. */
    private static final int STAT_STARTTIME_FIELD = 22;
    private static final int STAT_FIRST_FIELD_AFTER_COMM = 3;
    /** A maps file of a process with a million mappings is ~100 MB; anything larger is refused. */
    private static final int MAX_TEXT_BYTES = 256 * 1024 * 1024;
    /**
     * stat and status fit in one read of this size, maps grow from it: a start-up pass over 10k
     * processes allocated 350 MB in 8 KiB buffers, and each young collection of a small heap costs.
     */
    private static final int FIRST_READ_BYTES = 2048;

    /** Field 26 of {@code /proc/<pid>/stat}: {@code mm->start_code}. */
    private static final int STAT_STARTCODE_FIELD = 26;
    /** A stat line is a few hundred bytes (the command is at most 64 of them). */
    static final int STAT_BYTES = 1024;

    private final Path root;
    /** {@code root} as a string with its separator: a registration's maps file is named without two Path resolves. */
    private final String rootPrefix;
    private final boolean mayQuery;
    /** Each reading thread's stat buffer: stat is read for every registration. */
    private final ThreadLocal<byte[]> statBuffers = ThreadLocal.withInitial(() -> new byte[STAT_BYTES]);

    /** A tree read as text only (tests point it at synthetic trees). */
    public ProcFs(Path root) {
        this(root, false);
    }

    private ProcFs(Path root, boolean mayQuery) {
        this.root = root;
        this.rootPrefix = root.toString().endsWith("/") ? root.toString() : root + "/";
        this.mayQuery = mayQuery;
    }

    /** Whether mappings are asked of the kernel (PROCMAP_QUERY) rather than read from the maps text. */
    public boolean queriesKernel() {
        return mayQuery && KernelQuery.QUERY.isPresent();
    }

    public List<Mapping> maps(int pid) throws ProcException {
        Path file = file(pid, "maps");
        return MapsParser.parse(read(file, pid), file.toString());
    }

    /**
     * The mappings of {@code pid} for one registration's questions: asked of the kernel where it
     * answers PROCMAP_QUERY (nothing is read until the first question), else the whole text read now.
     */
    public AddressSpace addressSpace(int pid) throws ProcException {
        if (queriesKernel()) {
            return new QueriedSpace(KernelQuery.QUERY.get(), this, checked(pid), rootPrefix + pid + "/maps");
        }
        return AddressSpace.of(maps(pid));
    }

    /** The mapping that holds {@code address}, or empty when the address is not mapped. */
    public Optional<Mapping> mappingAt(int pid, long address) throws ProcException {
        try (AddressSpace space = addressSpace(pid)) {
            return space.mappingAt(address);
        }
    }

    /**
     * The executable's primary text mapping: the first executable mapping whose path is what
     * {@code /proc/<pid>/exe} points at.
     */
    public ExecutableId executable(int pid) throws ProcException {
        return executable(pid, maps(pid));
    }

    /** As {@link #executable(int)}, with maps already read (one read of {@code maps} per registration). */
    public ExecutableId executable(int pid, List<Mapping> maps) throws ProcException {
        Path link = file(pid, "exe");
        String target;
        try {
            target = Files.readSymbolicLink(link).toString();
        } catch (NoSuchFileException e) {
            throw new NoSuchProcessException("process " + pid + " has exited (" + link + " is gone)");
        } catch (IOException e) {
            throw new ProcException("cannot read the link " + link + ": " + e, e);
        }
        if (target.endsWith(DELETED)) {
            target = target.substring(0, target.length() - DELETED.length());
        }
        for (Mapping m : maps) {
            if (m.executable() && m.path().equals(target)) {
                return new ExecutableId(m.dev(), m.inode(), target);
            }
        }
        throw new ProcException("process " + pid + " has no executable mapping of its executable " + target);
    }

    /**
     * As {@link #executable(int, List)}, with the address space of a registration or of a pruning
     * look: the mapping at the process's {@code start_code} is the executable's text, and neither
     * the whole maps (where the space asks the kernel) nor the {@code exe} link is read.
     */
    public ExecutableId executable(int pid, AddressSpace space, ProcStat stat) throws ProcException {
        if (stat.hasCodeStart()) {
            Optional<Mapping> text = space.mappingAt(stat.codeStart());
            if (text.isPresent() && text.get().executable() && !text.get().anonymous()) {
                Mapping m = text.get();
                return new ExecutableId(m.dev(), m.inode(), m.path());
            }
        }
        return executable(pid, space.all());
    }

    /** Start time in clock ticks since boot (field 22 of {@code /proc/<pid>/stat}). */
    public long startTime(int pid) throws ProcException {
        return stat(pid).startTime();
    }

    /** Start time and code start of a process or thread, from one read of its stat, parsed in place. */
    public ProcStat stat(int pid) throws ProcException {
        Path file = file(pid, "stat");
        byte[] b = statBuffers.get();
        return parseStat(file.toString(), b, readStat(file, pid, b));
    }

    /**
     * The stat file of a thread, opened to be read again for as long as the thread lives
     * ({@link StatFile}); empty where this tree is not the kernel's or libc cannot be bound.
     */
    public Optional<StatFile> openStat(int tid) throws ProcException {
        if (!root.equals(KERNEL_ROOT)) {
            return Optional.empty();
        }
        return StatFile.open(tid, file(tid, "stat").toString());
    }

    /** The fields of one stat line, {@code b[0..n)}, read from {@code file}. */
    static ProcStat parseStat(String file, byte[] b, int n) throws ProcException {
        // The command (field 2) is in parentheses and may itself hold spaces and ')'.
        int close = n - 1;
        while (close >= 0 && b[close] != ')') {
            close--;
        }
        if (close < 0) {
            throw new ProcException(file + ": no ')' after the command name: '"
                    + abbreviate(new String(b, 0, n, StandardCharsets.UTF_8)) + "'");
        }
        long start = -1;
        long code = -1;
        int field = STAT_FIRST_FIELD_AFTER_COMM;
        int i = close + 1;
        while (i < n && code < 0) {
            int from = skipBlanks(b, i, n);
            i = tokenEnd(b, from, n);
            if (from == i) {
                break;
            }
            if (field == STAT_STARTTIME_FIELD) {
                start = number(file, b, from, i, "start time");
            } else if (field == STAT_STARTCODE_FIELD) {
                code = number(file, b, from, i, "code start");
            }
            field++;
        }
        if (code < 0) {
            throw new ProcException(file + ": " + (field - 1) + " fields, the start time is field "
                    + STAT_STARTTIME_FIELD + " and the code start field " + STAT_STARTCODE_FIELD);
        }
        return new ProcStat(start, code);
    }

    private static long number(String file, byte[] b, int from, int to, String what) throws ProcException {
        long v = 0;
        try {
            for (int i = from; i < to; i++) {
                int d = b[i] - '0';
                if (d < 0 || d > 9) {
                    throw new NumberFormatException();
                }
                v = Math.addExact(Math.multiplyExact(v, 10), d);
            }
            return v;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new ProcException(file + ": " + what + " '" + new String(b, from, to - from, StandardCharsets.UTF_8)
                    + "' is not a number");
        }
    }

    /** The thread-group id (the process id) of a thread id, from {@code /proc/<tid>/status}. */
    public int tgid(int tid) throws ProcException {
        Path file = file(tid, "status");
        String v = statusField(file, read(file, tid), TGID);
        try {
            int tgid = Integer.parseInt(v);
            if (tgid <= 0) {
                throw new NumberFormatException();
            }
            return tgid;
        } catch (NumberFormatException e) {
            throw new ProcException(file + ": Tgid '" + abbreviate(v) + "' is not a positive number");
        }
    }

    /** The effective uid of a process (second field of the {@code Uid:} line of its status). */
    public int uid(int pid) throws ProcException {
        int[] ids = uids(pid);
        return ids[ids.length > 1 ? 1 : 0];
    }

    /**
     * The real, effective, saved and file-system uids of a process: the {@code Uid:} line of its
     * status, parsed in place from the first {@value #STAT_BYTES} bytes (the line is the ninth; what
     * follows it is never read). Start-up asks this of every process, and of every stashed one.
     */
    public int[] uids(int pid) throws ProcException {
        Path file = file(pid, "status");
        byte[] b = statBuffers.get();
        int n = readPrefix(file, pid, b);
        int at = lineAfter(b, n, UID_BYTES);
        if (at < 0) {
            throw new ProcException(file + ": no Uid line" + (n == b.length ? " in its first " + n + " bytes" : ""));
        }
        int end = at;
        while (end < n && b[end] != '\n') {
            end++;
        }
        if (end == b.length) {
            throw new ProcException(file + ": the Uid line runs past its first " + n + " bytes");
        }
        int[] ids = new int[4];
        int count = 0;
        for (int i = at; i < end && count < ids.length; ) {
            int from = skipBlanks(b, i, end);
            i = tokenEnd(b, from, end);
            if (from == i) {
                break;
            }
            long v;
            try {
                v = number(file.toString(), b, from, i, "uid");
            } catch (ProcException e) {
                v = -1;
            }
            if (v < 0 || v > 0xFFFF_FFFFL) {
                throw new ProcException(file + ": Uid line '" + abbreviate(UID + new String(b, at, end - at,
                        StandardCharsets.UTF_8)) + "' holds no number");
            }
            ids[count++] = (int) v;
        }
        if (count == 0) {
            throw new ProcException(file + ": Uid line '" + UID + "' holds no number");
        }
        return count == ids.length ? ids : Arrays.copyOf(ids, count);
    }

    /** The first byte at or after {@code i} (before {@code end}) that is no blank: where a field starts. */
    private static int skipBlanks(byte[] b, int i, int end) {
        while (i < end && blank(b[i])) {
            i++;
        }
        return i;
    }

    /** The first blank at or after {@code i} (or {@code end}): where a field ends. */
    private static int tokenEnd(byte[] b, int i, int end) {
        while (i < end && !blank(b[i])) {
            i++;
        }
        return i;
    }

    private static boolean blank(byte c) {
        return c == ' ' || c == '\t' || c == '\n';
    }

    /** Where the value of the line that starts with {@code key} begins in {@code b[0..n)}, or -1. */
    private static int lineAfter(byte[] b, int n, byte[] key) {
        for (int i = 0; i + key.length <= n; ) {
            if (Arrays.equals(b, i, i + key.length, key, 0, key.length)) {
                return i + key.length;
            }
            while (i < n && b[i] != '\n') {
                i++;
            }
            i++;
        }
        return -1;
    }

    /** The value of the status line that starts with {@code key}, stripped; found without splitting the file. */
    private static String statusField(Path file, String status, String key) throws ProcException {
        int at = status.startsWith(key) ? 0 : status.indexOf("\n" + key) + 1;
        if (at == 0 && !status.startsWith(key)) {
            throw new ProcException(file + ": no " + key.substring(0, key.length() - 1) + " line");
        }
        int end = status.indexOf('\n', at);
        return status.substring(at + key.length(), end < 0 ? status.length() : end).strip();
    }

    private Path file(int pid, String name) throws ProcException {
        return root.resolve(Integer.toString(checked(pid))).resolve(name);
    }

    private static int checked(int pid) throws NoSuchProcessException {
        if (pid <= 0) {
            throw new NoSuchProcessException("pid " + pid + " is not a process id");
        }
        return pid;
    }

    /** Reads a stat file into {@code buf}; a file that does not fit is refused. */
    private static int readStat(Path file, int pid, byte[] buf) throws ProcException {
        int n = readPrefix(file, pid, buf);
        if (n == buf.length) {
            throw new ProcException(file + " is larger than " + buf.length + " bytes");
        }
        return n;
    }

    /** Reads the start of a file into {@code buf}, as much as fits: {@code buf.length} when it did not end there. */
    private static int readPrefix(Path file, int pid, byte[] buf) throws ProcException {
        try (FileInputStream in = new FileInputStream(file.toFile())) {
            int n = 0;
            for (int r; n < buf.length && (r = in.read(buf, n, buf.length - n)) >= 0; ) {
                n += r;
            }
            return n;
        } catch (IOException e) {
            throw readFailure(file, pid, e);
        }
    }

    private static String read(Path file, int pid) throws ProcException {
        // /proc files report size 0: read until EOF into a buffer that grows, bounded. A plain
        // FileInputStream, not Files.newInputStream: the channel path costs ~10 us more per file
        // (BENCHMARKS.md, "End to end"), and these are read on every registration.
        try (FileInputStream in = new FileInputStream(file.toFile())) {
            byte[] buf = new byte[FIRST_READ_BYTES];
            int n = 0;
            for (int r; (r = in.read(buf, n, buf.length - n)) >= 0; ) {
                n += r;
                if (n > MAX_TEXT_BYTES) {
                    throw new ProcException(file + " is larger than " + MAX_TEXT_BYTES + " bytes");
                }
                if (n == buf.length) {
                    // one byte beyond the bound is enough to tell a file that is too large
                    buf = Arrays.copyOf(buf, (int) Math.min(MAX_TEXT_BYTES + 1L, 2L * buf.length));
                }
            }
            return new String(buf, 0, n, StandardCharsets.UTF_8);
        } catch (ProcException e) {
            throw e; // one of ours, already saying why (a ProcException is an IOException)
        } catch (IOException e) {
            throw readFailure(file, pid, e);
        }
    }

    /**
     * What a failed read of {@code /proc/<pid>/FILE} means. FileInputStream reports a missing file
     * and a refused open alike (told apart here); a process that exits while it is read gives ESRCH.
     */
    private static ProcException readFailure(Path file, int pid, IOException e) {
        if (e instanceof FileNotFoundException) {
            return Files.exists(file) ? new ProcException("permission denied reading " + file, e)
                    : new NoSuchProcessException("process " + pid + " has exited (" + file + " is gone)");
        }
        return new ProcException("cannot read " + file + ": " + e, e);
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
