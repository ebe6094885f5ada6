package org.dtprobed.parse;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.dtprobed.jail.ChildCommand;
import org.dtprobed.jail.ChildFault;
import org.dtprobed.jail.ChildReady;
import org.dtprobed.jail.Frame;
import org.dtprobed.dof.wire.WireFormatException;
import org.dtprobed.jail.FrameReader;
import org.dtprobed.jail.FrameType;
import org.dtprobed.jail.FrameWriter;
import org.dtprobed.jail.ParseRequest;
import org.dtprobed.dof.wire.EncodedParsedDof;
import org.dtprobed.jail.Rejection;

/**
 * One running parser child, seen from the daemon. The thread that borrowed it writes the request
 * and reads the reply itself; the deadline is a kill on the timer, which ends a blocked write (a
 * child that stopped reading a large DOF) or read (a child that hangs) with the end of the pipe.
 * A relay thread logs its stderr.
 */
final class ParserChild implements AutoCloseable {
    /** Starts the child's last lines in a start failure's message. */
    static final String LAST_OUTPUT = "; its last output:";

    private final Process process;
    private final FrameWriter writer;
    private final FrameReader reader;
    private final StderrRelay relay;
    private final AtomicBoolean killedAtDeadline = new AtomicBoolean();
    private ChildReady ready;
    private long spawnToReadyNanos;

    private ParserChild(Process process, int maxReplyBytes) {
        this.process = process;
        this.writer = new FrameWriter(process.getOutputStream());
        this.relay = new StderrRelay(process.getErrorStream(), process.pid());
        this.reader = new FrameReader(process.getInputStream(), maxReplyBytes);
        daemonThread("parser-child-" + process.pid() + "-stderr", relay).start();
    }

    /** Starts a child and waits for its READY frame; the timer kills it at the start deadline. */
    static ParserChild start(ChildCommand command, long startTimeoutNanos, int maxReplyBytes,
                             ScheduledExecutorService timer) throws AttemptFailure {
        ProcessBuilder pb = new ProcessBuilder(command.command());
        command.environment(pb.environment());
        Process p;
        long t0 = System.nanoTime();
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new AttemptFailure(FailureReason.START_FAILED, "cannot start " + command.java() + ": " + e.getMessage());
        }
        ParserChild child = new ParserChild(p, maxReplyBytes);
        ScheduledFuture<?> watchdog = timer.schedule(child::killAtDeadline, startTimeoutNanos, TimeUnit.NANOSECONDS);
        try {
            Frame f = child.await("READY");
            if (f.type() != FrameType.READY) {
                throw new AttemptFailure(FailureReason.PROTOCOL, "first frame is " + f.type() + ", not READY");
            }
            child.ready = ChildReady.decode(f.bodyBuffer());
            child.spawnToReadyNanos = System.nanoTime() - t0;
            return child;
        } catch (AttemptFailure | WireFormatException e) {
            child.kill();
            String why = e instanceof AttemptFailure ? e.getMessage() : "bad READY frame: " + e.getMessage();
            String exit = why.endsWith(exitDetail(p)) ? "" : exitDetail(p);
            throw new AttemptFailure(FailureReason.START_FAILED, "parser child " + p.pid() + " did not start: " + why
                    + exit + lastLines(child.relay.tail()));
        } finally {
            watchdog.cancel(false);
        }
    }

    long pid() {
        return process.pid();
    }

    ChildReady ready() {
        return ready;
    }

    /** From process start to its READY frame, as the daemon saw it. */
    long spawnToReadyNanos() {
        return spawnToReadyNanos;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** The exit code (128 + signal for a signal), or -1 while it runs. */
    int exitCode() {
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** True when the watchdog killed this child at a deadline. */
    boolean killedAtDeadline() {
        return killedAtDeadline.get();
    }

    /**
     * Sends one request and returns the reply (PARSED or REJECTED). Any other result is an
     * {@link AttemptFailure}, after which this child must be killed and not used again.
     */
    Object exchange(long id, ParseRequest request, long timeoutNanos, ScheduledExecutorService timer)
            throws AttemptFailure {
        ScheduledFuture<?> watchdog = timer.schedule(this::killAtDeadline, timeoutNanos, TimeUnit.NANOSECONDS);
        try {
            try {
                writer.write(FrameType.PARSE_REQUEST, id, request.encode());
            } catch (IOException e) {
                if (killedAtDeadline.get()) {
                    throw new AttemptFailure(FailureReason.TIMEOUT, "request not taken within the deadline; killed");
                }
                throw failure(FailureReason.CRASH, "writing the request failed (" + e.getMessage() + ")");
            }
            Frame f = await("reply to request " + id);
            if (f.requestId() != id) {
                throw new AttemptFailure(FailureReason.PROTOCOL, "reply is for request " + f.requestId() + ", not " + id);
            }
            return decode(f);
        } finally {
            watchdog.cancel(false);
        }
    }

    private Object decode(Frame f) throws AttemptFailure {
        try {
            switch (f.type()) {
                case PARSED:
                    return EncodedParsedDof.decode(f.body());
                case REJECTED:
                    return Rejection.decode(f.bodyBuffer());
                case FAULT:
                    ChildFault fault = ChildFault.decode(f.bodyBuffer());
                    throw new AttemptFailure(FailureReason.CHILD_FAULT, fault.errno(),
                            "child reported " + fault.kind() + ": " + StderrRelay.printable(fault.message()));
                default:
                    throw new AttemptFailure(FailureReason.PROTOCOL, "unexpected " + f.type() + " frame");
            }
        } catch (WireFormatException e) {
            throw new AttemptFailure(FailureReason.PROTOCOL, "bad " + f.type() + " body: " + e.getMessage());
        }
    }

    /** The next frame; the deadline kill ends a wait for one that does not come. */
    private Frame await(String what) throws AttemptFailure {
        Frame f;
        IOException error = null;
        try {
            f = reader.read();
        } catch (IOException e) {
            f = null;
            error = e;
        }
        // whatever the pipe said after the deadline kill is the kill's doing
        if (killedAtDeadline.get()) {
            throw new AttemptFailure(FailureReason.TIMEOUT, "no " + what + " within the deadline; killed");
        }
        if (error instanceof WireFormatException) {
            throw new AttemptFailure(FailureReason.PROTOCOL, "garbage on stdout: " + error.getMessage());
        }
        if (error != null) {
            throw failure(FailureReason.CRASH, "stdout failed before the " + what + " (" + error.getMessage() + ")");
        }
        if (f == null) {
            throw failure(FailureReason.CRASH, "stdout closed before the " + what);
        }
        return f;
    }

    /** A crash: wait briefly for the exit status so the message can name the signal or code. */
    private AttemptFailure failure(FailureReason reason, String message) {
        try {
            process.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new AttemptFailure(reason, message + exitDetail(process));
    }

    private static String exitDetail(Process p) {
        if (p.isAlive()) {
            return "";
        }
        int code = p.exitValue();
        return code > 128 ? " (killed by signal " + (code - 128) + ")" : " (exit code " + code + ")";
    }

    private static String lastLines(String tail) {
        return tail.isEmpty() ? "" : LAST_OUTPUT + "\n" + tail.strip();
    }

    private void killAtDeadline() {
        if (process.isAlive()) {
            killedAtDeadline.set(true);
            process.destroyForcibly();
        }
    }

    /** SIGKILL and reap. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes stdin (the child exits by itself) and kills it if it does not within the grace time. */
    @Override
    public void close() {
        try {
            OutputStream in = process.getOutputStream();
            in.close();
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                kill();
            }
        } catch (IOException e) {
            kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
        }
    }

    private static Thread daemonThread(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
