package org.dtprobed.jail;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import org.dtprobed.linux.Native;

/**
 * Test-only child entry point (never in the production jar): the production child with hooks keyed
 * by the helper's module name, so that a supervisor test can make a real jailed child misbehave.
 * <ul>
 * <li>{@code hook-hang}: spins forever (a parser stuck in a loop);</li>
 * <li>{@code hook-sleep-<ms>}: sleeps, then parses;</li>
 * <li>{@code hook-hold-<pid>}: the child with that pid holds the request until it is killed; any other
 * child (its replacement) parses it, so a test can kill a child that is certainly mid-parse;</li>
 * <li>{@code hook-crash}: the JVM halts without answering;</li>
 * <li>{@code hook-fault}: the handler throws an unexpected exception;</li>
 * <li>{@code hook-garbage}: writes bytes that are not a frame on the frame channel, then parses.</li>
 * </ul>
 * Any other module parses normally.
 */
public final class HookedJailMain {
    public static final String HANG = "hook-hang";
    public static final String SLEEP = "hook-sleep-";
    public static final String HOLD = "hook-hold-";
    public static final String CRASH = "hook-crash";
    public static final String FAULT = "hook-fault";
    public static final String GARBAGE = "hook-garbage";

    private HookedJailMain() {
    }

    public static void main(String[] args) throws IOException {
        long start = System.nanoTime();
        System.setOut(System.err);
        Native nat = Native.load();
        OutputStream frames = FrameOutput.takeStdout(nat);
        ParseHandler parser = JailedChild.parser();
        ParseHandler hooked = request -> {
            String m = request.helper().module();
            if (m.equals(HANG)) {
                spin();
            } else if (m.equals(HOLD + ProcessHandle.current().pid())) {
                sleep(Long.MAX_VALUE);
            } else if (m.startsWith(SLEEP)) {
                sleep(Long.parseLong(m.substring(SLEEP.length())));
            } else if (m.equals(CRASH)) {
                Runtime.getRuntime().halt(70);
            } else if (m.equals(FAULT)) {
                throw new IllegalStateException("hook: fault requested");
            } else if (m.equals(GARBAGE)) {
                garbage(frames);
            }
            return parser.handle(request);
        };
        System.exit(JailedChild.run(args, nat, frames, start, hooked, HookedJailMain.class));
    }

    @SuppressWarnings("InfiniteLoopStatement")
    private static void spin() {
        long x = 0;
        while (true) {
            x += System.nanoTime() & 1;
            if (x == Long.MIN_VALUE) {
                break;
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes between frames on the real frame channel (fd 1 itself now leads to stderr). */
    private static void garbage(OutputStream out) {
        try {
            out.write("this is not a frame, just text on stdout\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
