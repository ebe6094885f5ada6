package org.dtprobed.proc;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import jnr.ffi.Pointer;
import org.dtprobed.linux.Errno;
import org.dtprobed.linux.Native;
import org.dtprobed.protocol.Numbers;

/**
 * {@code PROCMAP_QUERY} (Linux 6.11+): the kernel answers "which mapping holds this address" (or
 * the first one above it) with one ioctl on {@code /proc/<pid>/maps}, where the text route has it
 * generate every line (~35 µs for 37 lines, BENCHMARKS.md) and then parses them all. Same access
 * rule as reading the file (the open checks ptrace access), same answer: the tests hold the two
 * routes against each other on real processes.
 *
 * <p>The layout is {@code struct procmap_query} of {@code include/uapi/linux/fs.h}; the kernel
 * takes the size we pass, so a newer kernel with a longer struct still answers this one.
 */
final class MapQuery {
    /** {@code _IOWR('f', 17, struct procmap_query)}. */
    static final long PROCMAP_QUERY = 0xc0686611L;
    static final int STRUCT_SIZE = 104;
    private static final int OFF_SIZE = 0;
    private static final int OFF_QUERY_FLAGS = 8;
    private static final int OFF_QUERY_ADDR = 16;
    private static final int OFF_VMA_START = 24;
    private static final int OFF_VMA_END = 32;
    private static final int OFF_VMA_FLAGS = 40;
    private static final int OFF_VMA_OFFSET = 56;
    private static final int OFF_INODE = 64;
    private static final int OFF_DEV_MAJOR = 72;
    private static final int OFF_DEV_MINOR = 76;
    private static final int OFF_NAME_SIZE = 80;
    private static final int OFF_BUILD_ID_SIZE = 84;
    private static final int OFF_NAME_ADDR = 88;
    private static final int OFF_BUILD_ID_ADDR = 96;
    private static final long VMA_READABLE = 0x1;
    private static final long VMA_WRITABLE = 0x2;
    private static final long VMA_EXECUTABLE = 0x4;
    private static final long VMA_SHARED = 0x8;
    /** Query flag: the mapping holding the address, else the next one above it. */
    static final long COVERING_OR_NEXT = 0x10;
    /** Query flag: file-backed mappings only. */
    static final long FILE_BACKED = 0x20;
    /** Query flag: executable mappings only (the bit that marks them in the answer's flags). */
    static final long EXECUTABLE = VMA_EXECUTABLE;
    /** The kernel caps a name at PATH_MAX (d_path's buffer) and answers ENAMETOOLONG beyond. */
    private static final int NAME_BYTES = 4096;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final String DELETED = " (deleted)";
    /** The 16 permission strings, indexed by the flag bits: no string is built per answer. */
    private static final String[] PERMS = new String[16];

    static {
        for (int f = 0; f < 16; f++) {
            PERMS[f] = ((f & VMA_READABLE) != 0 ? "r" : "-") + ((f & VMA_WRITABLE) != 0 ? "w" : "-")
                    + ((f & VMA_EXECUTABLE) != 0 ? "x" : "-") + ((f & VMA_SHARED) != 0 ? "s" : "p");
        }
    }

    private final Native nat;
    /** struct and name buffer of each thread that asks (the transport's few workers). */
    private final ThreadLocal<Pointer> buffers;

    private MapQuery(Native nat) {
        this.nat = nat;
        this.buffers = ThreadLocal.withInitial(() -> nat.allocate(STRUCT_SIZE + NAME_BYTES));
    }

    /**
     * The query if this kernel answers it, asked once of this process's own maps; empty where libc
     * cannot be bound or the kernel predates 6.11 (ENOTTY), so that the text route is used.
     */
    static Optional<MapQuery> detect() {
        MapQuery q;
        try {
            q = new MapQuery(Native.load());
        } catch (LinkageError | RuntimeException e) {
            return Optional.empty();
        }
        try {
            int self = (int) ProcessHandle.current().pid();
            return q.at(self, "/proc/self/maps", 0, COVERING_OR_NEXT).isPresent() ? Optional.of(q) : Optional.empty();
        } catch (ProcException e) {
            return Optional.empty();
        }
    }

    /**
     * The mapping that holds {@code address} (flags 0), or with {@link #COVERING_OR_NEXT} the first
     * one above it, {@link #FILE_BACKED} limiting either to files; empty when there is none.
     *
     * @param mapsFile {@code /proc/<pid>/maps}, opened and closed by this call
     */
    Optional<Mapping> at(int pid, String mapsFile, long address, long flags) throws ProcException {
        int fd = open(pid, mapsFile);
        try {
            return ask(pid, fd, mapsFile, address, flags);
        } finally {
            close(fd);
        }
    }

    /** Opens {@code /proc/<pid>/maps} for {@link #ask}: the open is most of a question's cost. */
    int open(int pid, String mapsFile) throws ProcException {
        return openReadOnly(nat, mapsFile, "process " + pid);
    }

    /**
     * Opens a file of {@code /proc/<id>/} read-only (close-on-exec) through libc; a missing file
     * means the process or thread ({@code who}) has exited.
     */
    static int openReadOnly(Native nat, String path, String who) throws ProcException {
        int fd = nat.libc().open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            int errno = nat.errno();
            if (errno == Errno.ENOENT || errno == Errno.ESRCH) {
                throw new NoSuchProcessException(who + " has exited (" + path + " is gone)");
            }
            throw new ProcException("cannot open " + path + ": errno " + errno);
        }
        return fd;
    }

    void close(int fd) {
        nat.libc().close(fd);
    }

    /** As {@link #at}, on a file {@link #open} returned. */
    Optional<Mapping> ask(int pid, int fd, String mapsFile, long address, long flags) throws ProcException {
        Pointer q = buffers.get();
        q.putLong(OFF_SIZE, STRUCT_SIZE);
        q.putLong(OFF_QUERY_FLAGS, flags);
        q.putLong(OFF_QUERY_ADDR, address);
        q.putInt(OFF_NAME_SIZE, NAME_BYTES);
        q.putInt(OFF_BUILD_ID_SIZE, 0);
        q.putLong(OFF_NAME_ADDR, q.address() + STRUCT_SIZE);
        q.putLong(OFF_BUILD_ID_ADDR, 0);
        if (nat.libc().ioctl(fd, PROCMAP_QUERY, q) < 0) {
            int errno = nat.errno();
            switch (errno) {
                case Errno.ENOENT:
                    return Optional.empty();
                case Errno.ESRCH:
                    throw new NoSuchProcessException("process " + pid + " has exited");
                case Errno.ENOTTY:
                    throw new ProcException(mapsFile + ": this kernel has no PROCMAP_QUERY");
                default:
                    throw new ProcException(mapsFile + ": PROCMAP_QUERY at 0x" + Long.toHexString(address)
                            + " failed with errno " + errno);
            }
        }
        return Optional.of(mapping(q));
    }

    private static Mapping mapping(Pointer q) {
        int nameSize = q.getInt(OFF_NAME_SIZE); // with the terminating NUL; 0: no name
        String path = "";
        boolean deleted = false;
        if (nameSize > 1) {
            byte[] name = new byte[nameSize - 1];
            q.get(STRUCT_SIZE, name, 0, name.length);
            path = new String(name, StandardCharsets.UTF_8);
            // as in the text (MapsParser): d_path marks an unlinked file with this suffix
            if (path.endsWith(DELETED)) {
                path = path.substring(0, path.length() - DELETED.length());
                deleted = true;
            }
        }
        long dev = Numbers.makedev(Integer.toUnsignedLong(q.getInt(OFF_DEV_MAJOR)),
                Integer.toUnsignedLong(q.getInt(OFF_DEV_MINOR)));
        return new Mapping(q.getLong(OFF_VMA_START), q.getLong(OFF_VMA_END),
                PERMS[(int) (q.getLong(OFF_VMA_FLAGS) & 0xf)], q.getLong(OFF_VMA_OFFSET), dev, q.getLong(OFF_INODE),
                path, deleted);
    }
}
