package org.dtprobed.jail;

import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dtprobed.dof.DofLimits;
import org.dtprobed.linux.LibC;
import org.dtprobed.linux.Native;

/**
 * Test-only child entry point (never in the production jar): enters the jail exactly as
 * {@link JailMain} does, then tries to escape and prints one line per attempt on stdout:
 * {@code <attempt> <result>} where result is {@code rc=<n> errno=<n>} for libc calls or the
 * exception text for Java calls. Attempts that would be harmless if they succeeded only.
 */
public final class JailEscapeMain {
    private static final int O_RDONLY = 0;
    private static final int AF_INET = 2;
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final long SYS_GETPID = 39;
    private static final long SYS_PTRACE = 101;
    private static final long PTRACE_PEEKDATA = 2;
    private static final long SYS_IO_URING_SETUP = 425;
    private static final long SYS_CLONE3 = 435;
    private static final long X32_BIT = 0x40000000L;

    private JailEscapeMain() {
    }

    public static void main(String[] args) throws Exception {
        JailOptions options = JailOptions.parse(args);
        Native nat = Native.load();
        PrintStream out = new PrintStream(FrameOutput.takeStdout(nat), true, StandardCharsets.UTF_8);
        System.setOut(System.err);
        // the production child never touches the network; load Java's socket libraries here so
        // that the attempt below reaches socket(2) instead of failing to open libextnet.so
        new Socket().close();
        jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE.name();
        JailState state = JailedChild.enter(nat, options, new RequestLoop(JailedChild.parser(), DofLimits.DEFAULT),
                JailEscapeMain.class);
        out.println("jailed " + state.jailed() + " uid " + nat.libc().getuid());
        LibC c = nat.libc();
        out.println("java-read " + attempt(() -> Files.readAllBytes(Path.of("/etc/hostname"))));
        out.println("java-socket " + attempt(() -> new Socket("127.0.0.1", 9).close()));
        out.println("java-exec " + attempt(() -> new ProcessBuilder("/bin/true").start().waitFor()));
        out.println("libc-open " + rc(nat, c.open("/etc/passwd", O_RDONLY)));
        out.println("libc-socket-inet " + rc(nat, c.socket(AF_INET, SOCK_STREAM, 0)));
        out.println("libc-socket-unix " + rc(nat, c.socket(AF_UNIX, SOCK_STREAM, 0)));
        out.println("kill-parent " + rc(nat, c.kill(c.getppid(), 0)));
        out.println("kill-init " + rc(nat, c.kill(1, 0)));
        out.println("kill-self " + rc(nat, c.kill(c.getpid(), 0)));
        // PEEKDATA of a process we do not trace: ESRCH without the filter, so harmless either way
        out.println("ptrace-peek " + rc(nat, c.syscall(SYS_PTRACE, PTRACE_PEEKDATA, 1, 0)));
        out.println("io-uring-setup " + rc(nat, c.syscall(SYS_IO_URING_SETUP, 1, 0, 0)));
        out.println("clone3 " + rc(nat, c.syscall(SYS_CLONE3, 0, 0, 0)));
        out.println("x32-getpid " + rc(nat, c.syscall(X32_BIT | SYS_GETPID, 0, 0, 0)));
        out.println("thread " + attempt(JailEscapeMain::thread));
        out.println("setuid-root " + rc(nat, c.setresuid(0, 0, 0)));
        out.println("done");
    }

    private static void thread() throws InterruptedException {
        int[] box = new int[1];
        Thread t = new Thread(() -> box[0] = 42, "escape-thread");
        t.start();
        t.join();
        if (box[0] != 42) {
            throw new IllegalStateException("thread did not run");
        }
    }

    private interface Attempt {
        void run() throws Exception;
    }

    private static String attempt(Attempt a) {
        try {
            a.run();
            return "ok";
        } catch (Exception | Error e) {
            return e.getClass().getName() + ": " + String.valueOf(e.getMessage()).replace('\n', ' ');
        }
    }

    private static String rc(Native nat, long rc) {
        return "rc=" + rc + " errno=" + (rc < 0 ? nat.errno() : 0);
    }

}
