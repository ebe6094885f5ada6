package org.dtprobed.lifecycle;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.dtprobed.linux.Errno;
import org.dtprobed.linux.LibC;
import org.dtprobed.linux.Native;

/**
 * The kernel's process-events connector ({@code NETLINK_CONNECTOR}, {@code CN_IDX_PROC}): one
 * datagram per fork, exec, exit … of any process on the host, as it happens. Root only
 * ({@code CAP_NET_ADMIN}); needs {@code CONFIG_PROC_EVENTS}. Every offset of the messages is here:
 * a netlink header, a connector header, then {@code struct proc_event}.
 */
final class ProcConnector implements Closeable {
    private static final int AF_NETLINK = 16;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int NETLINK_CONNECTOR = 11;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVBUFFORCE = 33;
    private static final int SO_ATTACH_FILTER = 26;
    // classic BPF opcodes (linux/filter.h)
    private static final int BPF_LD_W_ABS = 0x20;
    private static final int BPF_LDX_MEM = 0x61;
    private static final int BPF_ST = 0x02;
    private static final int BPF_JEQ_K = 0x15;
    private static final int BPF_JEQ_X = 0x1d;
    private static final int BPF_RET_K = 0x06;
    private static final int SOCK_FILTER_SIZE = 8;  // u16 code, u8 jt, u8 jf, u32 k
    private static final int SOCK_FPROG_SIZE = 16;  // u16 len, pad, pointer
    private static final int CN_IDX_PROC = 1;
    private static final int CN_VAL_PROC = 1;
    private static final int PROC_CN_MCAST_LISTEN = 1;
    private static final int NLMSG_DONE = 3;
    private static final int POLLIN = 1;
    private static final int MSG_DONTWAIT = 0x40;

    // struct sockaddr_nl: u16 family, u16 pad, u32 pid, u32 groups
    private static final int SOCKADDR_NL_SIZE = 12;
    private static final int SOCKADDR_NL_OFF_GROUPS = 8;
    // struct nlmsghdr
    static final int NLMSG_OFF_LEN = 0;       // u32
    static final int NLMSG_OFF_TYPE = 4;      // u16
    static final int NLMSG_HEADER_SIZE = 16;
    // struct cn_msg, after the netlink header
    static final int CN_OFF_IDX = 16;         // u32
    static final int CN_OFF_VAL = 20;         // u32
    static final int CN_OFF_LEN = 32;         // u16: bytes of data after the connector header
    static final int CN_HEADER_END = 36;
    // struct proc_event, the connector's data
    static final int EVENT_OFF_WHAT = 36;     // u32: PROC_EVENT_*
    static final int EVENT_OFF_PID = 52;      // u32: the thread (exec, exit)
    static final int EVENT_OFF_TGID = 56;     // u32: its process
    static final int EVENT_MIN_SIZE = 60;
    static final int PROC_EVENT_EXEC = 0x00000002;
    static final int PROC_EVENT_EXIT = 0x80000000;

    private final LibC libc;
    private final Native nat;
    private final int fd;
    private final byte[] buf = new byte[512];
    /** {@code struct pollfd} for this socket, reused: (int fd, short events, short revents). */
    private final byte[] pollfd;

    private ProcConnector(Native nat, int fd) {
        this.nat = nat;
        this.libc = nat.libc();
        this.fd = fd;
        this.pollfd = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(0, fd).putShort(4, (short) POLLIN)
                .array();
    }

    /**
     * Subscribes to process events; fails with the reason (not root, no connector) as the message.
     * {@code receiveBufferBytes} is what the kernel may hold for us (it doubles the number for its
     * own accounting): 4 MiB holds a burst of ~40,000 exits.
     */
    static ProcConnector open(int receiveBufferBytes) throws IOException {
        Native nat = Native.load();
        LibC c = nat.libc();
        int fd = c.socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
        if (fd < 0) {
            throw new IOException("socket(NETLINK_CONNECTOR): errno " + nat.errno());
        }
        ProcConnector pc = new ProcConnector(nat, fd);
        try {
            byte[] addr = new byte[SOCKADDR_NL_SIZE];
            ByteBuffer a = ByteBuffer.wrap(addr).order(ByteOrder.nativeOrder());
            a.putShort(0, (short) AF_NETLINK);
            a.putInt(SOCKADDR_NL_OFF_GROUPS, CN_IDX_PROC);
            if (c.bind(fd, addr, addr.length) != 0) {
                throw new IOException("bind to the process-events group: errno " + nat.errno()
                        + (nat.errno() == Errno.EPERM ? " (needs root)" : ""));
            }
            attachFilter(nat, fd);
            byte[] size = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(receiveBufferBytes).array();
            c.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, size, 4); // best effort: the default still works
            byte[] listen = listenMessage();
            if (c.send(fd, listen, listen.length, 0) != listen.length) {
                throw new IOException("PROC_CN_MCAST_LISTEN: errno " + nat.errno()
                        + (nat.errno() == Errno.EPERM ? " (needs root)" : ""));
            }
            return pc;
        } catch (IOException | RuntimeException e) {
            pc.close();
            throw e;
        }
    }

    /**
     * Has the kernel drop every event but an exec and the exit of a process's main thread before it
     * is queued: a host's forks, thread exits, uid and comm changes then cost this daemon nothing.
     * Best effort: without the filter the same events are dropped here after a {@code recv}.
     */
    private static void attachFilter(Native nat, int fd) {
        if (!attach(nat, fd, filterProgram())) {
            org.slf4j.LoggerFactory.getLogger(ProcConnector.class).info("process events: no socket filter (errno {});"
                    + " every event is read and judged here", nat.errno());
        }
    }

    /**
     * Narrows the filter to the execs and exits of {@code pids} (at most {@link #MAX_FILTER_PIDS}),
     * or widens it back to every exec and exit when {@code pids} is null. Replaces the filter in
     * one step (the kernel swaps it atomically); false when the kernel refused it (the old one stays).
     */
    boolean filterPids(int[] pids) {
        return attach(nat, fd, pids == null ? filterProgram() : filterProgram(pids));
    }

    private static boolean attach(Native nat, int fd, int[][] prog) {
        jnr.ffi.Pointer insns = nat.allocate(prog.length * SOCK_FILTER_SIZE);
        for (int i = 0; i < prog.length; i++) {
            long at = (long) i * SOCK_FILTER_SIZE;
            insns.putShort(at, (short) prog[i][0]);
            insns.putByte(at + 2, (byte) prog[i][1]);
            insns.putByte(at + 3, (byte) prog[i][2]);
            insns.putInt(at + 4, prog[i][3]);
        }
        ByteBuffer fprog = ByteBuffer.allocate(SOCK_FPROG_SIZE).order(ByteOrder.nativeOrder());
        fprog.putShort(0, (short) prog.length).putLong(8, insns.address());
        return nat.libc().setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, fprog.array(), SOCK_FPROG_SIZE) == 0;
    }

    /** A host-order u32 as a big-endian BPF load reads it. */
    private static int asLoaded(int v) {
        return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? Integer.reverseBytes(v) : v;
    }

    /**
     * The filter: {code, jt, jf, k} each. A {@code BPF_LD|BPF_W|BPF_ABS} load is big-endian, the
     * event's fields are in host order: the constants are compared as such a load reads them, and
     * pid and tgid are compared with each other, which their order does not change.
     */
    static int[][] filterProgram() {
        return new int[][] {
            {BPF_LD_W_ABS, 0, 0, EVENT_OFF_WHAT},
            {BPF_JEQ_K, 6, 0, asLoaded(PROC_EVENT_EXEC)},               // exec: accept
            {BPF_JEQ_K, 0, 6, asLoaded(PROC_EVENT_EXIT)},               // neither: drop
            {BPF_LD_W_ABS, 0, 0, EVENT_OFF_PID},
            {BPF_ST, 0, 0, 0},                                          // M[0] = pid
            {BPF_LD_W_ABS, 0, 0, EVENT_OFF_TGID},
            {BPF_LDX_MEM, 0, 0, 0},                                     // X = pid
            {BPF_JEQ_X, 0, 1, 0},                                       // tgid == pid: the main thread
            {BPF_RET_K, 0, 0, 0xFFFF},                                  // accept
            {BPF_RET_K, 0, 0, 0},                                       // drop
        };
    }

    /** Classic BPF takes 4,096 instructions; the pid filter spends 12 and two per pid. */
    static final int MAX_FILTER_PIDS = 2000;

    /**
     * The filter for a known set of processes: as {@link #filterProgram()}, and then only if the
     * event's tgid is one of {@code pids} (two instructions each: a compare, and an accept it jumps
     * over when unequal; jumps are forward only and 8 bits long, so no longer jump is needed). The
     * kernel runs it in the context of the process that exec'd or exited: a linear scan of at most
     * {@link #MAX_FILTER_PIDS} compares.
     */
    static int[][] filterProgram(int[] pids) {
        if (pids.length > MAX_FILTER_PIDS) {
            throw new IllegalArgumentException(pids.length + " pids: at most " + MAX_FILTER_PIDS + " fit in a filter");
        }
        int[][] prog = new int[12 + 2 * pids.length][];
        prog[0] = new int[] {BPF_LD_W_ABS, 0, 0, EVENT_OFF_WHAT};
        prog[1] = new int[] {BPF_JEQ_K, 8, 0, asLoaded(PROC_EVENT_EXEC)};     // exec: to 10, the pid check
        prog[2] = new int[] {BPF_JEQ_K, 1, 0, asLoaded(PROC_EVENT_EXIT)};     // exit: to 4
        prog[3] = new int[] {BPF_RET_K, 0, 0, 0};                             // neither: drop
        prog[4] = new int[] {BPF_LD_W_ABS, 0, 0, EVENT_OFF_PID};
        prog[5] = new int[] {BPF_ST, 0, 0, 0};                                // M[0] = pid
        prog[6] = new int[] {BPF_LD_W_ABS, 0, 0, EVENT_OFF_TGID};
        prog[7] = new int[] {BPF_LDX_MEM, 0, 0, 0};                           // X = pid
        prog[8] = new int[] {BPF_JEQ_X, 1, 0, 0};                             // main thread: to 10
        prog[9] = new int[] {BPF_RET_K, 0, 0, 0};                             // another thread: drop
        prog[10] = new int[] {BPF_LD_W_ABS, 0, 0, EVENT_OFF_TGID};
        for (int i = 0; i < pids.length; i++) {
            prog[11 + 2 * i] = new int[] {BPF_JEQ_K, 0, 1, asLoaded(pids[i])}; // equal: to the accept below
            prog[12 + 2 * i] = new int[] {BPF_RET_K, 0, 0, 0xFFFF};
        }
        prog[prog.length - 1] = new int[] {BPF_RET_K, 0, 0, 0};               // none of them: drop
        return prog;
    }

    static byte[] listenMessage() {
        int len = CN_HEADER_END + 4;
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.nativeOrder());
        b.putInt(NLMSG_OFF_LEN, len).putShort(NLMSG_OFF_TYPE, (short) NLMSG_DONE);
        b.putInt(CN_OFF_IDX, CN_IDX_PROC).putInt(CN_OFF_VAL, CN_VAL_PROC).putShort(CN_OFF_LEN, (short) 4);
        b.putInt(CN_HEADER_END, PROC_CN_MCAST_LISTEN);
        return b.array();
    }

    /** What one received datagram says, or null for events other than exec and exit. */
    static ProcEvent decode(byte[] m, int n) {
        if (n < EVENT_MIN_SIZE) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(m, 0, n).order(ByteOrder.nativeOrder());
        if (b.getInt(CN_OFF_IDX) != CN_IDX_PROC || b.getInt(CN_OFF_VAL) != CN_VAL_PROC) {
            return null;
        }
        int what = b.getInt(EVENT_OFF_WHAT);
        ProcEvent.Kind kind = what == PROC_EVENT_EXIT ? ProcEvent.Kind.EXIT
                : what == PROC_EVENT_EXEC ? ProcEvent.Kind.EXEC : null;
        return kind == null ? null : new ProcEvent(kind, b.getInt(EVENT_OFF_PID), b.getInt(EVENT_OFF_TGID));
    }

    /** The result of one wait: an event (or null for one not of interest), or an overflow, or nothing yet. */
    sealed interface Received permits Event, Overflow, Idle {
    }

    record Event(ProcEvent event) implements Received {
    }

    record Overflow() implements Received {
    }

    record Idle() implements Received {
    }

    /**
     * The next datagram, waiting up to {@code millis} only when none is queued: under a burst of
     * events every datagram costs one {@code recv}, not a {@code poll} and a {@code recv}.
     */
    Received receive(int millis) throws IOException {
        Received r = receiveNow();
        if (r != null) {
            return r;
        }
        int p = libc.poll(pollfd, 1, millis);
        if (p < 0 && nat.errno() != Errno.EINTR) {
            throw new IOException("poll on the process-events socket: errno " + nat.errno());
        }
        r = p > 0 ? receiveNow() : null;
        return r == null ? new Idle() : r;
    }

    /** One queued datagram, or null when none is. */
    private Received receiveNow() throws IOException {
        long n = libc.recv(fd, buf, buf.length, MSG_DONTWAIT);
        if (n >= 0) {
            return new Event(decode(buf, (int) n));
        }
        int e = nat.errno();
        if (e == Errno.ENOBUFS) {
            return new Overflow();
        }
        if (e == Errno.EAGAIN || e == Errno.EINTR) {
            return null;
        }
        throw new IOException("recv on the process-events socket: errno " + e);
    }

    /** The socket's descriptor: a test puts another file in its place to make the next receive fail. */
    int fd() {
        return fd;
    }

    @Override
    public void close() {
        libc.close(fd);
    }
}
