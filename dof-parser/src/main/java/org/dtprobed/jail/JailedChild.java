package org.dtprobed.jail;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.dtprobed.dof.DofLimits;
import org.dtprobed.dof.DofParser;
import org.dtprobed.linux.Native;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jailed parser child's life: move the frame channel off fd 1, warm up, jail, say READY, serve
 * requests until the parent closes stdin. The stdout pipe carries frames only; every log line and
 * anything the JVM prints goes to stderr, which the supervisor relays with this child's pid.
 */
public final class JailedChild {
    private static final Logger LOG = LoggerFactory.getLogger(JailedChild.class);

    public static final int EXIT_OK = 0;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_JAIL = 3;
    public static final int EXIT_PROTOCOL = 4;
    public static final int EXIT_FAULT = 5;

    private static final int OUT_BUFFER = 64 * 1024;

    private JailedChild() {
    }

    /** The production handler: the validating parser with the default limits. */
    public static ParseHandler parser() {
        DofParser parser = new DofParser(DofLimits.DEFAULT);
        return r -> parser.parse(java.nio.ByteBuffer.wrap(r.dof()), r.helper(), r.pid());
    }

    /**
     * Runs the child and returns its exit code.
     *
     * @param preload classes whose whole package must be loaded before the jail (the entry point's)
     */
    public static int run(String[] args, ParseHandler handler, Class<?>... preload) {
        long start = System.nanoTime();
        System.setOut(System.err);
        Native nat;
        OutputStream frames;
        try {
            nat = Native.load();
            frames = FrameOutput.takeStdout(nat);
        } catch (IOException | RuntimeException | LinkageError e) {
            LOG.error("jail: cannot set up the frame channel: {}", e.toString());
            return EXIT_JAIL;
        }
        return run(args, nat, frames, start, handler, preload);
    }

    /** {@link #run} with the frame channel already taken (test entry points tap it). */
    static int run(String[] args, Native nat, OutputStream frames, long start, ParseHandler handler,
                   Class<?>... preload) {
        JailOptions options;
        try {
            options = JailOptions.parse(args);
        } catch (IllegalArgumentException e) {
            LOG.error("usage: {}", e.getMessage());
            return EXIT_USAGE;
        }
        RequestLoop loop = new RequestLoop(handler, DofLimits.DEFAULT);
        JailState state;
        try {
            state = enter(nat, options, loop, preload);
        } catch (JailException e) {
            LOG.error("jail: {}; refusing to parse DOF", e.getMessage());
            return EXIT_JAIL;
        }
        if (state == null) {
            return EXIT_OK;
        }
        return serve(loop, frames, state, System.nanoTime() - start);
    }

    /**
     * Warms up, then (unless {@code --no-jail}) enters the jail: the part every entry point shares.
     *
     * @return the jail's state, or null for {@code --warm-only}
     */
    static JailState enter(Native nat, JailOptions options, RequestLoop loop, Class<?>... preload)
            throws JailException {
        try {
            prepare(loop, preload);
        } catch (IOException | InterruptedException | RuntimeException | LinkageError e) {
            throw new JailException("warm-up failed before the jail was in force: " + e);
        }
        if (options.warmOnly()) {
            return null;
        }
        if (!options.jail()) {
            LOG.warn("jail: {} given: this child parses untrusted DOF WITHOUT seccomp, privilege drop or limits;"
                    + " use for debugging only", JailOptions.NO_JAIL);
            return new JailState(false, -1, -1);
        }
        JailState state = new Jail(nat).install(options);
        LOG.info("jail: in force (uid {} gid {}, seccomp filter on all threads, no-new-privs)", state.uid(), state.gid());
        return state;
    }

    private static void prepare(RequestLoop loop, Class<?>... preload) throws IOException, InterruptedException {
        Warmup.exercise(loop);
        Class<?>[] anchors = new Class<?>[preload.length + 2];
        anchors[0] = JailedChild.class;
        anchors[1] = DofParser.class;
        System.arraycopy(preload, 0, anchors, 2, preload.length);
        int classes = Warmup.preloadPackages(anchors);
        int jars = Warmup.openClasspath();
        Warmup.thread();
        LOG.debug("warm-up: {} classes preloaded, {} jars open", classes, jars);
    }

    private static int serve(RequestLoop loop, OutputStream frames, JailState state, long startupNanos) {
        FrameWriter out = new FrameWriter(new BufferedOutputStream(frames, OUT_BUFFER));
        FrameReader in = new FrameReader(new FileInputStream(FileDescriptor.in), loop.maxRequestBody());
        try {
            out.write(FrameType.READY, 0, new ChildReady(state.jailed(), state.uid(), state.gid(),
                    ProcessHandle.current().pid(), startupNanos, Runtime.version().toString()).encode());
            RequestLoop.End end = loop.serve(in, out);
            if (end == RequestLoop.End.FAULT) {
                return EXIT_FAULT;
            }
            LOG.debug("parent closed the pipe; exiting");
            return EXIT_OK;
        } catch (IOException e) {
            LOG.error("pipe to the daemon failed: {}", e.getMessage());
            return EXIT_PROTOCOL;
        }
    }
}
