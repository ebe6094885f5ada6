package org.dtprobed.jail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Test support: one child process started from a {@link ChildCommand}, spoken to in frames, with
 * its stderr collected for assertions and failure messages.
 */
public final class RunningChild implements AutoCloseable {
    private final Process process;
    private final FrameWriter out;
    private final FrameReader in;
    private final StringBuffer stderr = new StringBuffer();
    private final Thread stderrPump;

    private RunningChild(Process process) {
        this.process = process;
        this.out = new FrameWriter(process.getOutputStream());
        this.in = new FrameReader(process.getInputStream(), Integer.MAX_VALUE - 8);
        this.stderrPump = new Thread(this::pumpStderr, "child-stderr-" + process.pid());
        stderrPump.setDaemon(true);
        stderrPump.start();
    }

    public static RunningChild start(ChildCommand command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command.command());
        command.environment(pb.environment());
        return new RunningChild(pb.start());
    }

    private void pumpStderr() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                stderr.append(line).append('\n');
            }
        } catch (IOException e) {
            stderr.append("(stderr: ").append(e).append(")\n");
        }
    }

    public Process process() {
        return process;
    }

    public long pid() {
        return process.pid();
    }

    public Frame read() throws IOException {
        return in.read();
    }

    public ChildReady ready() throws IOException, InterruptedException {
        Frame f = in.read();
        if (f == null || f.type() != FrameType.READY) {
            throw new IOException("expected READY, got " + f + "; stderr:\n" + stderr());
        }
        return ChildReady.decode(f.bodyBuffer());
    }

    public Frame request(long id, ParseRequest request) throws IOException {
        out.write(FrameType.PARSE_REQUEST, id, request.encode());
        return in.read();
    }

    public void writeRaw(byte[] bytes) throws IOException {
        process.getOutputStream().write(bytes);
        process.getOutputStream().flush();
    }

    public void closeInput() throws IOException {
        process.getOutputStream().close();
    }

    /** Waits for the exit and returns the code; kills the child after the wait. */
    public int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        return process.exitValue();
    }

    /** Everything the child wrote to stderr so far (complete once it exited). */
    public String stderr() throws InterruptedException {
        if (!process.isAlive()) {
            stderrPump.join(5000);
        }
        return stderr.toString();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
